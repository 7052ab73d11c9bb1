from django.urls import path

from recognition.views import leaderboards, profiles

app_name = "recognition"

urlpatterns: list = [
    # Members' profiles and the leaderboards.
    path("u/<str:username>/", profiles.profile, name="profile"),
    path("leaderboard/", leaderboards.leaderboard, name="leaderboard"),
]
