from django.urls import path

from recognition.views import badges, leaderboards, profiles

app_name = "recognition"

urlpatterns: list = [
    path("badges/", badges.badge_list, name="badges"),
    path("badges/<slug:slug>/", badges.badge_detail, name="badge"),
    path("badges/<slug:slug>/give/", badges.give, name="give_badge"),
    # Members' profiles and the leaderboards.
    path("u/<str:username>/", profiles.profile, name="profile"),
    path("leaderboard/", leaderboards.leaderboard, name="leaderboard"),
]
