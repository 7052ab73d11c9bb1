"""Search engines are told of what a visitor may read, and of nothing else."""

import re

import pytest
from django.urls import reverse

from community.counters import recount
from community.models import Review, Thread
from faq.models import Article, Visibility
from tests.builders import build_thread
from tests.faq.builders import build_article

pytestmark = pytest.mark.django_db


def listed(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    return set(re.findall(r"<loc>(.*?)</loc>", response.content.decode()))


def test_the_sitemap_lists_the_threads_and_articles_a_visitor_may_read_and_nothing_else(
    client, settings, member, moderator, category, staff
):
    from config.site import sync_site
    from moderation.services.threads import merge_threads

    settings.SITE_URL = "https://community.acme.test"
    sync_site()  # as the migrate that follows a deploy does
    open_thread = build_thread(member, category=category, title="A published question")
    held = build_thread(member, category=category, title="A held question")
    removed = build_thread(member, category=category, title="A removed question")
    merged = build_thread(member, category=category, title="A merged question")
    Thread.objects.filter(pk=held.pk).update(review=Review.PENDING)
    Thread.objects.filter(pk=removed.pk).update(is_deleted=True)
    recount()  # the category's counts, as the nightly recount would set them after those two
    merge_threads(moderator, thread=merged, into=open_thread)
    public = build_article(staff, question="How do I reset the hub?")
    internal = build_article(staff, question="Escalation runbook", visibility=Visibility.STAFF)
    for_members = build_article(staff, question="Beta firmware", visibility=Visibility.MEMBERS)
    draft = build_article(staff, question="Not yet", status=Article.Status.DRAFT)

    sections = listed(client, reverse("sitemaps"))
    site = "https://community.acme.test"
    assert sections == {f"{site}/sitemap-faq.xml", f"{site}/sitemap-threads.xml"}
    threads, articles = listed(client, "/sitemap-threads.xml"), listed(client, "/sitemap-faq.xml")
    assert all(url.startswith(site + "/") for url in threads | articles)
    threads = {url.removeprefix(site) for url in threads}
    articles = {url.removeprefix(site) for url in articles}

    assert open_thread.get_absolute_url() in threads
    assert not {t.get_absolute_url() for t in (held, removed, merged)} & threads
    assert articles == {public.get_absolute_url()}
    assert not {a.get_absolute_url() for a in (internal, for_members, draft)} & articles


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_accounts(client, settings):
    settings.SITE_URL = "https://community.acme.test"

    response = client.get("/robots.txt")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /accounts/" in lines and "Disallow: /admin/" in lines
    assert lines[-1] == "Sitemap: https://community.acme.test/sitemap.xml"
