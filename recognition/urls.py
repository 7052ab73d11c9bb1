from django.urls import path

from recognition.views import super_users, team

app_name = "recognition"

urlpatterns = [
    path("team/", team.team, name="team"),
    path("super-users/", super_users.super_users, name="super_users"),
    path("super-users/nominate/", super_users.nominate, name="nominate_super_user"),
    path("super-users/<str:username>/remove/", super_users.remove, name="remove_super_user"),
]
