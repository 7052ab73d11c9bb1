from django.urls import include, path

app_name = "faq"

# The working lists (candidates, feedback, deflection, suggestions) come before
# the article patterns, whose `<section>/<slug>/` would otherwise swallow them.
urlpatterns = [
    path("", include("faq.urls_signals")),
]
