"""Links in mail sent outside a request start with SITE_URL, and the Sites framework follows it."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management.sql import emit_post_migrate_signal
from django.urls import resolve

from moderation.models import Conversation
from moderation.services import sanctions
from tests.builders import build_member

pytestmark = pytest.mark.django_db

PUBLIC = "https://community.example.org"


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


@pytest.fixture
def public_site(settings):
    """SITE_URL set as in production, and the migrate that follows a deploy."""
    settings.SITE_URL = PUBLIC
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
    settings.SITE_NAME = "Acme Community"
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    yield
    Site.objects.clear_cache()


def test_embedded_site_row_follows_the_default_site_url(settings):
    site = Site.objects.get_current()

    assert settings.SITE_URL == "http://127.0.0.1:8000"
    assert (site.domain, site.name) == ("127.0.0.1:8000", settings.SITE_NAME)


def test_migrate_gives_the_site_row_site_url_host_and_site_name(public_site):
    site = Site.objects.get_current()

    assert (site.domain, site.name) == ("community.example.org", "Acme Community")


def test_warning_email_sent_by_the_outbox_links_to_the_appeal_on_site_url(
    public_site, member, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sanctions.warn(moderator, member=member, reason="Please stop posting the same link.")

    (email,) = mail.outbox
    # The appeal, and the site's own address in the footer.
    link, footer = links(email)
    assert link.startswith(f"{PUBLIC}/") and footer == PUBLIC
    match = resolve(urlsplit(link).path)
    conversation = Conversation.objects.get(member=member)
    assert (match.view_name, match.kwargs) == ("moderation:conversation", {"pk": conversation.pk})
    assert "example.com" not in email.body


def test_allauth_email_sent_without_a_request_links_to_site_url(public_site, django_capture_on_commit_callbacks):
    newcomer = build_member(username="newcomer")
    address = EmailAddress.objects.get(user=newcomer)
    address.verified = False
    address.save()

    with django_capture_on_commit_callbacks(execute=True):
        address.send_confirmation(request=None)

    (email,) = mail.outbox
    assert links(email) and all(link.startswith(f"{PUBLIC}/") for link in links(email))
    assert "Acme Community" in email.body
    assert "example.com" not in email.body.replace(newcomer.email, "")
