"""The FAQ's signals: helpfulness, candidates, suggestions, staleness and deflection."""

from django.urls import path

from faq import views_signals as views

urlpatterns = [
    path("articles/<int:pk>/helpful/", views.helpful, name="helpful"),
    path("feedback/", views.feedback, name="feedback"),
    path("candidates/", views.candidates, name="candidates"),
    path("candidates/<int:pk>/dismiss/", views.dismiss_candidate, name="dismiss_candidate"),
    path("suggest/<int:pk>/", views.suggest, name="suggest"),
]
