from django.urls import path

from recognition.views import badges

app_name = "recognition"

urlpatterns: list = [
    path("badges/", badges.badge_list, name="badges"),
    path("badges/<slug:slug>/", badges.badge_detail, name="badge"),
    path("badges/<slug:slug>/give/", badges.give, name="give_badge"),
]
