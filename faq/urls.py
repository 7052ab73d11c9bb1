from django.urls import include, path

from faq import views

app_name = "faq"

# The working lists (candidates, feedback, deflection, suggestions) come before
# the article patterns, whose `<section>/<slug>/` would otherwise swallow them.
urlpatterns = [
    path("", include("faq.urls_signals")),
    path("", views.home, name="home"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("drafts/", views.drafts, name="drafts"),
    path("promote/", views.promote, name="promote"),
    path("articles/<int:pk>/edit/", views.edit, name="edit"),
    path("articles/<int:pk>/revisions/", views.revisions, name="revisions"),
    path("articles/<int:pk>/publish/", views.publish, name="publish"),
    path("articles/<int:pk>/unpublish/", views.unpublish, name="unpublish"),
    path("articles/<int:pk>/archive/", views.archive, name="archive"),
    path("<slug:slug>/", views.section_detail, name="section"),
    path("<slug:section>/<slug:slug>/", views.article_detail, name="article"),
]
