from django.urls import path

from moderation.views import audit, feedback, members, posts, queue, threads

app_name = "moderation"

urlpatterns = [
    # Flags and the review queue
    path("mod/", queue.queue, name="queue"),
    path("mod/items/<int:pk>/", queue.item, name="item"),
    path("mod/items/<int:pk>/claim/", queue.claim, name="claim"),
    path("mod/items/<int:pk>/act/", queue.act, name="act"),
    path("mod/items/bulk/", queue.bulk, name="bulk"),
    path("posts/<int:pk>/flag/", queue.flag, name="flag"),
    path("mod/posts/<int:pk>/edit/", posts.edit_post, name="edit_post"),
    path("mod/posts/<int:pk>/remove/", posts.remove_post, name="remove_post"),
    path("flags/", queue.my_flags, name="my_flags"),
    # Members: sanctions, notes, spam clean-up
    path("mod/members/<str:username>/", members.member, name="member"),
    path("mod/members/<str:username>/sanction/", members.sanction, name="sanction"),
    path("mod/members/<str:username>/note/", members.add_note, name="note"),
    path("mod/members/<str:username>/purge/", members.purge, name="purge"),
    path("mod/members/<str:username>/unpurge/", members.unpurge, name="unpurge"),
    path("mod/sanctions/<int:pk>/lift/", members.lift, name="lift"),
    # Thread actions
    path("mod/threads/<int:pk>/", threads.tools, name="thread_tools"),
    path("mod/threads/<int:pk>/act/", threads.act, name="thread_act"),
    # Audit log and moderator roles (staff)
    path("mod/audit/", audit.log, name="audit"),
    path("mod/moderators/", audit.moderators, name="moderators"),
    # Contact the team
    path("contact/", feedback.conversations, name="conversations"),
    path("contact/new/", feedback.start, name="start_conversation"),
    path("contact/<int:pk>/", feedback.conversation, name="conversation"),
    path("mod/inbox/", feedback.inbox, name="inbox"),
]
