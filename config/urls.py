from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.static import serve

from accounts import views as accounts_views
from community import views as community_views
from community.sitemaps import ThreadSitemap
from config.health import healthz
from faq.sitemaps import ArticleSitemap

SITEMAPS = {"faq": ArticleSitemap, "threads": ThreadSitemap}


def favicon(request):
    # Resolved per request: hashed static names exist only after collectstatic.
    return redirect(static("img/logo.svg"), permanent=True)


# Pages no search engine should list: sign-in forms, a member's own pages, result lists, the admin.
ROBOTS_DISALLOW = ("/admin/", "/accounts/", "/search/", "/notifications/", "/settings/")


def robots(request):
    """Crawl the community and the FAQ through the sitemap, and leave the rest alone."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {settings.SITE_URL}/sitemap.xml")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


urlpatterns = [
    path("", community_views.home, name="home"),
    path("search/", community_views.search, name="search"),
    path("", include("community.urls")),
    path("", include("moderation.urls")),
    path("", include("recognition.urls")),
    path("faq/", include("faq.urls")),
    path("", include("notifications.urls")),
    path("accounts/login/", accounts_views.sign_in, name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("robots.txt", robots, name="robots"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap"}, name="sitemaps"),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

if settings.SERVE_MEDIA:
    # A proxy or object storage should serve uploads in a large deployment;
    # this keeps a single-process install complete.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
    ]

if settings.BENCHMARK:
    # `make bench` measures every page against this bare one (config/bench.py).
    from config.bench import ceiling

    urlpatterns += [path("_bench/ceiling/", ceiling, name="bench_ceiling")]
