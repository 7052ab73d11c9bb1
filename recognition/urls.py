from django.urls import path

from recognition.views import badges, leaderboards, profiles, super_users, team

app_name = "recognition"

urlpatterns = [
    path("badges/", badges.badge_list, name="badges"),
    path("badges/<slug:slug>/", badges.badge_detail, name="badge"),
    path("badges/<slug:slug>/give/", badges.give, name="give_badge"),
    # Members' profiles and the leaderboards.
    path("u/<str:username>/", profiles.profile, name="profile"),
    path("leaderboard/", leaderboards.leaderboard, name="leaderboard"),
    path("team/", team.team, name="team"),
    path("super-users/", super_users.super_users, name="super_users"),
    path("super-users/nominate/", super_users.nominate, name="nominate_super_user"),
    path("super-users/<str:username>/remove/", super_users.remove, name="remove_super_user"),
]
