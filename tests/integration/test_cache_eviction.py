"""When Redis runs out of memory and evicts keys, pages are built again: slower, never stale.

The cache is pointed at a redis-server of the test's own, configured as
production's but limited to 2 MB with `allkeys-lru`, so reading many thread
pages evicts keys of every kind: pages, fragments, list version counters and
sessions. A page read after a change must show that change, whichever keys
were lost; the one place where a lost key could bring back an old page is a
list version counter that starts again below a number it had reached, which
`community.caching.list_version` avoids by starting from the time.
"""

import secrets

import pytest
import redis
from django.test import Client
from django.urls import reverse

from community import caching
from community.services.posts import edit_post
from tests.builders import build_category, build_member, build_reply, build_thread
from tests.private_redis import cache_on, running_redis

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Each thread's page is a few tens of KB in the cache (whole visitor page, member
# page pieces, reply HTML): this many, in two orders and for two readers, is
# several times what 2 MB holds.
THREADS = 40
FILLER = "The hub reconnects after a minute, then drops again when the schedule runs. " * 12


def noise() -> str:
    """Text the cache cannot compress much, so the pages fill it as real ones would."""
    return " ".join(secrets.token_hex(8) for _ in range(100))


@pytest.fixture
def small_cache(tmp_path):
    """Production's cache configuration, on a redis-server of the test's own that evicts at 2 MB."""
    with running_redis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        client.config_set("maxmemory", "2mb")
        client.config_set("maxmemory-policy", "allkeys-lru")
        with cache_on(server.url):
            yield client


@pytest.fixture
def community(db):
    category = build_category(name="Connectivity")
    asker, helper = build_member(username="asker"), build_member(username="helper")
    threads = [
        build_thread(
            asker, category=category, title=f"Hub {n} drops offline every evening", body=f"{FILLER}\n\n{noise()}"
        )
        for n in range(THREADS)
    ]
    for thread in threads:
        build_reply(helper, thread.opening_post, body=f"{FILLER}\n\n{noise()}")
    return category, asker, helper, threads


@pytest.fixture
def readers(db):
    visitor = Client()
    member = Client()
    member.force_login(build_member(username="reader"))
    return {"visitor": visitor, "member": member}


def thread_urls(thread):
    url = thread.get_absolute_url()
    return [url, f"{url}?sort=newest", f"{url}?sort=oldest"]


def list_urls(category):
    return [reverse("home"), reverse("community:category", kwargs={"slug": category.slug})]


def read_everything(readers, threads, category, *, keep=None) -> None:
    """Every thread's page as each reader; `keep`'s pages again after each, so LRU keeps its keys."""
    for client in readers.values():
        for thread in threads:
            for url in thread_urls(thread)[:2] + (thread_urls(keep) if keep else []):
                assert client.get(url).status_code == 200
        for url in list_urls(category):
            assert client.get(url).status_code == 200


def evicted(client) -> int:
    return client.info("stats")["evicted_keys"]


def assert_every_page_shows(readers, urls, present, absent=()):
    for who, client in readers.items():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            # cached_db sessions fall back to the database: an evicted session signs no one out.
            assert response.wsgi_request.user.is_authenticated == (who == "member"), (who, url)
            page = response.content.decode()
            for text in present:
                assert text in page, f"{who} reading {url} does not see {text!r}"
            for text in absent:
                assert text not in page, f"{who} reading {url} still sees {text!r}"


def test_pages_read_after_eviction_show_every_change(small_cache, community, readers):
    category, asker, helper, threads = community
    target = threads[0]

    # Given the thread's pages cached and kept in use while Redis evicts the others' keys
    read_everything(readers, threads, category, keep=target)
    assert evicted(small_cache) > 0
    assert_every_page_shows(readers, thread_urls(target), [target.title, FILLER.split(".")[0]])

    # When the thread gets a reply, and its opening post is edited with a new title
    build_reply(helper, target.opening_post, body="Moving it off the USB hub fixed it.")
    edit_post(asker, post=target.opening_post, body="Only on the 5 GHz network.", title="Hub drops off 5 GHz")
    old_title = target.title
    target.refresh_from_db()
    changed = ["Moving it off the USB hub fixed it.", "Only on the 5 GHz network.", "Hub drops off 5 GHz"]

    # Then every page of the thread (at its new address) and every list shows the change, and nothing older
    assert_every_page_shows(readers, thread_urls(target), present=changed, absent=[old_title])
    assert_every_page_shows(readers, list_urls(category), present=changed[-1:], absent=[old_title])
    # And still does once those pages' keys have been evicted in turn
    before = evicted(small_cache)
    read_everything(readers, threads[1:], category)
    assert evicted(small_cache) > before
    assert_every_page_shows(readers, thread_urls(target), present=changed, absent=[old_title])
    assert_every_page_shows(readers, list_urls(category), present=changed[-1:], absent=[old_title])


def evict_list_versions(client) -> None:
    """What LRU does to the list version counters, on purpose: they go, the pages cached under them stay."""
    counters = list(client.scan_iter(match=f"*{caching.LIST_VERSION_KEY}*"))
    assert counters
    client.delete(*counters)


def test_a_lost_list_version_never_brings_back_an_older_list(small_cache, community, readers):
    category, asker, _, threads = community
    urls = list_urls(category)
    new_title = "Bridge forgets its scenes after a power cut"

    # Given lists cached under counters that started again after an eviction
    evict_list_versions(small_cache)
    assert_every_page_shows(readers, urls, present=[threads[-1].title], absent=[new_title])
    # And cached again after a new thread moved the counters on
    build_thread(asker, category=category, title=new_title, body=FILLER)
    assert_every_page_shows(readers, urls, present=[new_title])

    # When the counters are evicted again, while the lists' pages from both numbers stay cached
    evict_list_versions(small_cache)

    # Then the counters start above both numbers: the older lists, without the new thread, never come back
    assert_every_page_shows(readers, urls, present=[new_title])
    # And the next change, bumping a counter that is gone, still shows at once
    edit_post(asker, post=threads[-1].opening_post, body=FILLER, title="Hub drops offline after sunset")
    assert_every_page_shows(readers, urls, present=["Hub drops offline after sunset"], absent=[threads[-1].title])
