"""The site's URLs, with stand-ins for the FAQ's article and section pages where faq.urls has none yet."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as site


def _page(request, **kwargs):
    return HttpResponse(f"FAQ page {kwargs}")


faq_patterns = (
    [
        path("", include("faq.urls_signals")),
        path("<slug:section>/<slug:slug>/", _page, name="article"),
        path("<slug:slug>/", _page, name="section"),
    ],
    "faq",
)

urlpatterns = [pattern for pattern in site if getattr(pattern, "namespace", None) != "faq"] + [
    path("faq/", include(faq_patterns))
]
