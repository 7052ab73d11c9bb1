"""The FAQ's signals: helpfulness, candidates, suggestions, staleness and deflection."""

from django.urls import path

from faq import views_signals as views

urlpatterns = [
    path("articles/<int:pk>/helpful/", views.helpful, name="helpful"),
    path("feedback/", views.feedback, name="feedback"),
]
