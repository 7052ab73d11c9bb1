from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("notifications/read/", views.mark_all_read, name="mark_all_read"),
    path("settings/notifications/", views.preferences, name="preferences"),
    path("settings/notifications/watch/", views.watch, name="watch"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("u/<str:username>/mute/", views.mute, name="mute"),
    path("u/<str:username>/unmute/", views.unmute, name="unmute"),
    path("notifications/unsubscribe/digest/<str:token>/", views.digest_unsubscribe, name="digest_unsubscribe"),
    path("staff/unanswered/", views.unanswered, name="unanswered"),
    path("staff/unanswered/<int:pk>/owner/", views.assign_owner, name="assign_owner"),
]
