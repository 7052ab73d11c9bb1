"""The review queue's pages: who sees them, what they show (escaped), and the actions behind their buttons."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import Post, Review
from moderation.models import AuditEntry, Flag, MemberNote, ReviewItem, Sanction
from moderation.services import queue
from moderation.services.flags import flag_post
from tests.builders import build_category, build_member, build_moderator, build_thread
from tests.conftest import clear_cache

pytestmark = pytest.mark.django_db

# The user (the session comes from the cache), the header bell's unread count, the header's queue
# count, the item count, the categories for the filter, the page of items (the authors' record as
# subqueries of it), their flags, and the notes on their authors.
QUEUE_QUERIES = 8
DECISIONS = ["approve", "dismiss", "hide", "delete"]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100


def queue_url(**params):
    from urllib.parse import urlencode

    return reverse("moderation:queue") + (f"?{urlencode(params)}" if params else "")


def act_url(item):
    return reverse("moderation:act", kwargs={"pk": item.pk})


def claim_url(item):
    return reverse("moderation:claim", kwargs={"pk": item.pk})


def item_url(item):
    return reverse("moderation:item", kwargs={"pk": item.pk})


def flash(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def snapshot():
    """Everything a queue action can change."""
    return (
        list(ReviewItem.objects.order_by("pk").values_list("status", "resolution", "claimed_by_id")),
        list(Flag.objects.order_by("pk").values_list("outcome", flat=True)),
        list(Post.objects.order_by("pk").values_list("review", "is_deleted")),
        AuditEntry.objects.count(),
    )


class Page(HTMLParser):
    """What a browser would make of the page: elements, attributes and text."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


# Who sees the queue -----------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(queue_url())

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["member", "suspended member"])
def test_non_moderators_are_refused(who, client, member):
    if who == "suspended member":
        member.suspended_until = timezone.now() + timedelta(days=1)
        member.save(update_fields=["suspended_until"])
    client.force_login(member)

    assert client.get(queue_url()).status_code == 403


def test_a_banned_moderator_is_signed_out(client, moderator):
    moderator.is_active = False
    moderator.save(update_fields=["is_active"])
    client.force_login(moderator)

    assert client.get(queue_url()).status_code == 302


def test_a_moderator_sees_only_their_categories(client, category, flagged):
    elsewhere = build_category(name="Elsewhere")
    outside = build_thread(build_member(), category=elsewhere, title="A thread somewhere else")
    flag_post(build_member(), post=outside.opening_post, reason=Flag.Reason.SPAM)
    client.force_login(build_moderator(category=elsewhere))

    response = client.get(queue_url())

    assert [item.post_id for item in response.context["items"]] == [outside.opening_post_id]
    assert client.get(item_url(flagged)).status_code == 404


def test_queue_shows_each_post_once_with_every_flag(client, moderator, flagged, pending):
    client.force_login(moderator)

    response = client.get(queue_url())

    assert response.status_code == 200
    items = list(response.context["items"])
    assert [item.pk for item in items] == [flagged.pk, pending.pk]
    assert "Links to a shop" in response.text and "Waiting for approval" in response.text
    assert response.text.count(f'id="item-{flagged.pk}"') == 1


def test_queue_filters_and_its_htmx_partial(client, moderator, flagged, pending):
    client.force_login(moderator)

    spam = client.get(queue_url(reason="spam"))
    held = client.get(queue_url(reason="pending"), headers={"HX-Request": "true", "HX-Target": "queue-list"})

    assert [item.pk for item in spam.context["items"]] == [flagged.pk]
    assert [item.pk for item in held.context["items"]] == [pending.pk]
    assert "<html" not in held.text and 'id="bulk-form"' in held.text


def test_queue_paginates(client, moderator, category, member):
    for n in range(26):
        flag_post(
            build_member(),
            post=build_thread(member, category=category, title=f"Thread number {n:02}").opening_post,
            reason="spam",
        )
    client.force_login(moderator)

    first, second = client.get(queue_url()), client.get(queue_url(page=2))

    assert len(first.context["items"]) == 25 and len(second.context["items"]) == 1
    assert 'rel="next"' in first.text


def _fill_queue(category, count):
    """`count` flagged posts by a few authors, each with three flags, notes and sanctions on the authors."""
    moderator = build_moderator(category=category)
    authors = [build_member() for _ in range(4)]
    flaggers = [build_member() for _ in range(3)]
    for author in authors:
        MemberNote.objects.create(member=author, author=moderator, body="Watch this one.")
        Sanction.objects.create(member=author, kind=Sanction.Kind.WARNING, reason="Spam", created_by=moderator)
    existing = ReviewItem.objects.count()
    for n in range(existing, count):
        thread = build_thread(authors[n % 4], category=category, title=f"Flagged thread {n:03}")
        for flagger in flaggers:
            flag_post(flagger, post=thread.opening_post, reason=Flag.Reason.SPAM, text=f"Spam {n}")
    return moderator


def _queue_queries(client, assert_max_queries):
    clear_cache()
    client.get(queue_url())  # sessions are read from the cache; warm it, as a signed-in moderator's would be
    with assert_max_queries(QUEUE_QUERIES) as captured:
        response = client.get(queue_url())
    assert response.status_code == 200
    return len(captured), response


def test_queue_query_count_is_constant(client, category, django_assert_max_num_queries):
    moderator = _fill_queue(category, 3)
    client.force_login(moderator)
    few, response = _queue_queries(client, django_assert_max_num_queries)
    assert len(response.context["items"]) == 3
    assert all(len(item.flags.all()) == 3 for item in response.context["items"])

    _fill_queue(category, 30)
    many, response = _queue_queries(client, django_assert_max_num_queries)

    assert len(response.context["items"]) == 25
    assert few == many


# What the queue shows is escaped -------------------------------------------------------


def test_hostile_text_is_shown_escaped(client, moderator, category):
    hostile = '<script>alert("x")</script><img src=x onerror="alert(1)">'
    author = build_member(display_name='<b onmouseover="alert(2)">Eve</b>')
    thread = build_thread(author, category=category, title=f"Title {hostile}", body=f"Body {hostile}")
    flagger = build_member(display_name="<i>Flagger</i>")
    flag_post(flagger, post=thread.opening_post, reason=Flag.Reason.OTHER, text=hostile)
    MemberNote.objects.create(member=author, author=moderator, body=f"Note {hostile}")
    client.force_login(moderator)

    for url in (queue_url(), item_url(ReviewItem.objects.get())):
        page = Page(client.get(url).text)
        scripts = [attrs for tag, attrs in page.tags if tag == "script"]
        assert all("src" in attrs for attrs in scripts)
        assert not [tag for tag, _ in page.tags if tag in ("b", "i")]
        assert not [attrs for tag, attrs in page.tags if any(name.startswith("on") for name in attrs)]
        assert not [attrs for tag, attrs in page.tags if tag == "img" and attrs.get("src") == "x"]
        text = "".join(page.text)
        assert hostile in text  # the flag's words, shown as words
        assert '<b onmouseover="alert(2)">Eve</b>' in text and "<i>Flagger</i>" in text
        assert f"Note {hostile}" in text


def test_queue_pages_have_no_inline_script_or_style(client, moderator, flagged, pending):
    client.force_login(moderator)

    for url in (queue_url(), item_url(flagged), reverse("moderation:my_flags")):
        page = Page(client.get(url).text)
        assert not [attrs for _, attrs in page.tags if "style" in attrs], url
        assert not [tag for tag, attrs in page.tags if tag == "style"], url
        assert all(
            "src" in attrs or attrs.get("type") == "application/json" for tag, attrs in page.tags if tag == "script"
        )


def test_every_form_control_has_a_label(client, moderator, flagged, pending):
    client.force_login(moderator)
    html = client.get(queue_url()).text
    page = Page(html)

    labelled = {attrs.get("for") for tag, attrs in page.tags if tag == "label"}
    controls = [
        attrs
        for tag, attrs in page.tags
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "search")
    ]
    assert controls and all(attrs.get("id") in labelled for attrs in controls)
    assert (
        sum(1 for tag, _ in page.tags if tag == "h1") == 1 and ("main", {"id": "main", "tabindex": "-1"}) in page.tags
    )


# Actions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "fixture", "resolution"),
    [
        ("approve", "pending", "approved"),
        ("dismiss", "flagged", "dismissed"),
        ("hide", "flagged", "hidden"),
        ("delete", "flagged", "deleted"),
    ],
)
def test_each_action_resolves_the_item(decision, fixture, resolution, request, client, moderator):
    item = request.getfixturevalue(fixture)
    client.force_login(moderator)

    response = client.post(
        act_url(item), {"action": decision, "canned": "spam", "note": "Thanks", "next": queue_url()}
    )

    assert response.status_code == 302 and response["Location"] == queue_url()
    fresh = ReviewItem.objects.get(pk=item.pk)
    assert (fresh.status, fresh.resolution, fresh.resolved_by) == ("resolved", resolution, moderator)
    entry = AuditEntry.objects.exclude(action=AuditEntry.Action.ITEM_CLAIMED).get()
    assert entry.reason == "This looks like spam or advertising. Thanks"
    assert flash(response)


def test_htmx_action_returns_the_item_resolved(client, moderator, flagged):
    client.force_login(moderator)

    response = client.post(act_url(flagged), {"action": "hide"}, headers={"HX-Request": "true"})

    assert response.status_code == 200 and "<html" not in response.text
    assert "Resolved: Hidden" in response.text and "its author was told why" in response.text


def test_an_unsafe_next_is_ignored(client, moderator, flagged):
    client.force_login(moderator)

    response = client.post(act_url(flagged), {"action": "dismiss", "next": "https://evil.example/"})

    assert response["Location"] == queue_url()


def test_an_unknown_action_changes_nothing(client, moderator, flagged):
    client.force_login(moderator)
    before = snapshot()

    response = client.post(act_url(flagged), {"action": "explode"})

    assert response.status_code == 302 and snapshot() == before


def test_csrf_is_enforced(moderator, flagged):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)

    assert client.post(act_url(flagged), {"action": "hide"}).status_code == 403
    assert ReviewItem.objects.get(pk=flagged.pk).status == ReviewItem.Status.OPEN


def test_a_second_moderator_is_told_who_handled_it(moderator, flagged):
    signed_in(moderator).post(act_url(flagged), {"action": "hide"})
    second = signed_in(build_moderator())
    before = snapshot()

    page = second.post(act_url(flagged), {"action": "dismiss"})
    htmx = second.post(act_url(flagged), {"action": "dismiss"}, headers={"HX-Request": "true"})

    assert flash(page) == ["Already handled by Mona Berg: hidden."]
    assert htmx.status_code == 409 and htmx.text == "Already handled by Mona Berg: hidden."
    assert snapshot() == before


def test_claim_shows_in_the_queue_and_keeps_others_off(moderator, flagged):
    mine = signed_in(moderator)
    assert mine.post(claim_url(flagged)).status_code == 302
    other = signed_in(build_moderator(display_name="Otto Other"))
    before = snapshot()

    page = other.get(queue_url())
    refused = other.post(act_url(flagged), {"action": "hide"}, headers={"HX-Request": "true"})
    claim_again = other.post(claim_url(flagged))

    assert "Claimed by Mona Berg" in page.text and "Mona Berg claimed this item" in page.text
    assert refused.status_code == 409 and "Mona Berg is handling this item" in refused.text
    assert "Mona Berg is handling this item" in flash(claim_again)[0]
    assert snapshot() == before
    assert "Claimed by you" in mine.get(queue_url()).text


def test_release_through_the_page(client, moderator, flagged):
    client.force_login(moderator)
    client.post(claim_url(flagged))

    response = client.post(claim_url(flagged), {"release": "1"}, headers={"HX-Request": "true"})

    assert response.status_code == 200 and "You released the item" in response.text
    assert ReviewItem.objects.get(pk=flagged.pk).claimed_by is None


def test_item_page_shows_an_open_and_a_resolved_item(client, moderator, flagged):
    client.force_login(moderator)
    assert "Dismiss flags" in client.get(item_url(flagged)).text

    queue.hide_post(moderator, item=flagged)
    response = client.get(item_url(flagged))

    assert response.status_code == 200
    assert "Hidden by Mona Berg" in response.text and 'name="action"' not in response.text


# The wrong actor, for every action --------------------------------------------------------


def _wrong_actors(category):
    member = build_member()
    suspended = build_member()
    suspended.suspended_until = timezone.now() + timedelta(days=1)
    suspended.save(update_fields=["suspended_until"])
    banned = build_moderator()
    banned.is_active = False
    banned.save(update_fields=["is_active"])
    return [
        ("member", member, 403),
        ("moderator elsewhere", build_moderator(category=build_category(name="Elsewhere")), 404),
        ("suspended member", suspended, 403),
        ("banned moderator", banned, 302),
        ("anonymous", None, 302),
    ]


@pytest.mark.parametrize("decision", [*DECISIONS, "claim", "bulk", "item"])
def test_the_wrong_actor_gets_403_404_or_sign_in_and_nothing_changes(decision, category, flagged, pending):
    for name, actor, expected in _wrong_actors(category):
        client = signed_in(actor) if actor else Client()
        before = snapshot()
        for item in (flagged, pending):
            if decision == "claim":
                response = client.post(claim_url(item))
            elif decision == "bulk":
                response = client.post(reverse("moderation:bulk"), {"items": [item.pk], "action": "hide"})
            elif decision == "item":
                response = client.get(item_url(item))
            else:
                response = client.post(act_url(item), {"action": decision})
            # Bulk answers a moderator elsewhere with the queue again, reporting the item as skipped.
            wanted = 302 if (decision, name) == ("bulk", "moderator elsewhere") else expected
            assert response.status_code == wanted, (name, decision)
            if expected == 302 and name in ("anonymous", "banned moderator"):
                assert response["Location"].startswith(reverse("account_login"))
        assert snapshot() == before, name


# Bulk ------------------------------------------------------------------------------------


def test_bulk_reports_done_and_skipped(client, moderator, flagged, pending, category):
    other = build_thread(build_member(), category=category, title="A handled thread here")
    flag_post(build_member(), post=other.opening_post, reason=Flag.Reason.SPAM)
    handled = ReviewItem.objects.get(post=other.opening_post)
    queue.dismiss_flags(moderator, item=handled)
    client.force_login(moderator)

    response = client.post(
        reverse("moderation:bulk"),
        {"items": [flagged.pk, pending.pk, handled.pk], "action": "hide", "canned": "spam", "next": queue_url()},
    )

    assert response.status_code == 302
    done, skipped = flash(response)
    assert done == "Hid 2 items."
    assert skipped.startswith("Skipped 1 item.") and f"#{handled.pk}: Already handled by you" in skipped
    assert set(Post.objects.filter(review=Review.HIDDEN).values_list("pk", flat=True)) == {
        flagged.post_id,
        pending.post_id,
    }
    assert AuditEntry.objects.filter(action=AuditEntry.Action.POST_HIDDEN).count() == 2


def test_bulk_without_a_selection_says_so(client, moderator, flagged):
    client.force_login(moderator)

    response = client.post(reverse("moderation:bulk"), {"action": "hide"})

    assert flash(response) == ["Select at least one item."]
    assert ReviewItem.objects.get(pk=flagged.pk).status == ReviewItem.Status.OPEN
    assert Post.objects.get(pk=flagged.post_id).review == Review.PUBLISHED
