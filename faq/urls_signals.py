"""The FAQ's signals: helpfulness, candidates, suggestions, staleness and deflection."""

from django.urls import path

from faq import views_signals as views

urlpatterns = [
    path("articles/<int:pk>/helpful/", views.helpful, name="helpful"),
    path("articles/<int:pk>/open/", views.open_article, name="open"),
    path("feedback/", views.feedback, name="feedback"),
    path("deflection/", views.deflection_rates, name="deflection"),
    path("candidates/", views.candidates, name="candidates"),
    path("candidates/<int:pk>/dismiss/", views.dismiss_candidate, name="dismiss_candidate"),
    path("suggest/<int:pk>/", views.suggest, name="suggest"),
    path("source-changes/", views.source_changes, name="source_changes"),
    path("source-changes/<int:pk>/", views.source_change, name="source_change"),
    path("source-changes/<int:pk>/dismiss/", views.dismiss_source_change, name="dismiss_source_change"),
]
