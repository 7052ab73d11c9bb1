from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("unanswered/", views.unanswered, name="unanswered"),
    path("new/", views.start_thread, name="start_thread"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("c/<slug:slug>/follow/", views.follow_category, name="follow_category"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("t/<int:pk>/", views.thread_detail, name="thread_short"),
    path("t/<int:pk>/unaccept/", views.unaccept, name="unaccept"),
    path("t/<int:pk>/vote/", views.idea_vote, name="idea_vote"),
    path("t/<int:pk>/me-too/", views.me_too, name="me_too"),
    path("t/<int:pk>/status/", views.set_status, name="set_status"),
    path("t/<int:pk>/follow/", views.follow_thread, name="follow_thread"),
    path("t/<int:pk>/since/", views.replies_since, name="replies_since"),
    # After the thread actions above, whose names would otherwise read as slugs.
    path("t/<int:pk>/<slug:slug>/", views.thread_detail, name="thread"),
    path("posts/<int:pk>/", views.post_context, name="post_context"),
    path("posts/<int:pk>/actions/", views.post_actions, name="post_actions"),
    path("posts/<int:pk>/reply/", views.reply, name="reply"),
    path("posts/<int:pk>/edit/", views.edit_post, name="edit_post"),
    path("posts/<int:pk>/revisions/", views.revisions, name="revisions"),
    path("posts/<int:pk>/delete/", views.delete_post, name="delete_post"),
    path("posts/<int:pk>/helpful/", views.helpful, name="helpful"),
    path("posts/<int:pk>/accept/", views.accept, name="accept"),
    path("posts/<int:pk>/verify/", views.verify, name="verify"),
    path("write/preview/", views.preview, name="preview"),
    path("write/similar/", views.similar_threads, name="similar"),
    path("write/mentions/", views.mention_suggestions, name="mentions"),
    path("write/attachments/", views.upload_attachment, name="upload_attachment"),
]
