"""The site's public address, for every link built without a request to take the host from.

Mail is written in a service and sent by a Celery worker, so no request is at
hand to say where the site lives: SITE_URL does. allauth builds its links and
names from the Sites framework instead, so `sync_site` keeps that row in step.
"""

from urllib.parse import urlsplit

from django.apps import apps as global_apps
from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, router

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def absolute_url(path: str) -> str:
    """`path`, as reverse() or get_absolute_url() gives it, as a link that works from a member's inbox."""
    return f"{settings.SITE_URL}{path}"


def sync_site(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """Give the current Site SITE_URL's host and SITE_NAME; run after every migrate, so a changed SITE_URL follows."""
    from django.contrib.sites.models import Site as CurrentSite

    try:
        Site = apps.get_model("sites", "Site")
    except LookupError:
        return
    if not router.allow_migrate_model(using, Site):
        return
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": urlsplit(settings.SITE_URL).netloc, "name": settings.SITE_NAME},
    )
    # get_current() remembers the row per process; the old domain must not outlive the update.
    CurrentSite.objects.clear_cache()


def check_site_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """For `check --deploy`: a production site left on the embedded default mails links nobody can open."""
    if urlsplit(settings.SITE_URL).hostname not in LOCAL_HOSTS:
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL}, so links in mail point at the server's own machine.",
            hint="Set SITE_URL to the address members use, e.g. https://community.example.com.",
            id="config.W001",
        )
    ]
