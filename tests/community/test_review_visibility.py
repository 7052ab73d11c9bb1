"""Held, hidden, merged and duplicate threads and posts, as each kind of reader sees them."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied

from community import permissions
from community.models import Review, Thread
from community.services.review import set_review
from moderation.services import posts as moderation_posts
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db


class TextOf(HTMLParser):
    """The visible text of a page, without scripts, styles and templates."""

    def __init__(self, html):
        super().__init__()
        self.parts, self.skip = [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

    def __contains__(self, text):
        return text in " ".join(" ".join(self.parts).split())


def page_text(client, url, user=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return TextOf(response.content.decode())


@pytest.fixture
def newcomer(db):
    return build_member(username="nico", trust_level=0)


def test_held_reply_is_seen_by_its_author_and_moderators_only(client, question, newcomer, other_member, moderator):
    held = build_reply(newcomer, question.opening_post, body="Secret sauce answer")
    assert held.review == Review.PENDING
    url = question.get_absolute_url()

    author_view = page_text(client, url, newcomer)
    assert "Secret sauce answer" in author_view and "awaiting review" in author_view
    assert "Secret sauce answer" not in page_text(client, url, other_member)
    assert "Secret sauce answer" not in page_text(client, url)
    moderator_view = page_text(client, url, moderator)
    assert "Secret sauce answer" in moderator_view and "Awaiting review" in moderator_view


def test_moderators_copy_of_a_page_never_reaches_members(client, question, answer, other_member, moderator, member):
    set_review(answer, review=Review.HIDDEN)
    url = question.get_absolute_url()

    assert "Hold the button" in page_text(client, url, moderator)
    member_view = page_text(client, url, build_member())
    visitor_view = page_text(client, url)

    for view in (member_view, visitor_view):
        assert "Hold the button" not in view
        assert "hidden while a moderator reviews it" in view


def test_hidden_reply_keeps_its_place_and_its_replies(client, question, answer, member):
    child = build_reply(member, answer, body="Thanks, that worked")
    set_review(answer, review=Review.HIDDEN)

    view = page_text(client, question.get_absolute_url(), build_member())

    assert "Thanks, that worked" in view
    answer.thread.refresh_from_db()
    assert answer.thread.reply_count == 1  # the hidden reply no longer counts
    assert child.review == Review.PUBLISHED


def test_held_thread_is_invisible_except_to_author_and_moderators(client, newcomer, category, moderator):
    thread = build_thread(newcomer, category=category, title="A brand new question", body="Help")
    url = thread.get_absolute_url()

    client.force_login(build_member())
    assert client.get(url).status_code == 404
    assert "A brand new question" not in client.get("/").content.decode()
    client.logout()
    assert client.get(url).status_code == 404
    assert "Awaiting review" in page_text(client, url, newcomer)
    assert "A brand new question" in page_text(client, "/?filter=mine", newcomer)
    assert "A brand new question" in page_text(client, url, moderator)


def test_search_leaves_out_held_and_hidden_posts(
    client, question, answer, newcomer, django_capture_on_commit_callbacks
):
    build_reply(newcomer, question.opening_post, body="zanzibar pairing trick")
    assert "five seconds" in TextOf(client.get("/search/", {"q": "hold button"}).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        set_review(answer, review=Review.HIDDEN)

    for query, rest_of_post in (("zanzibar", "pairing trick"), ("hold button", "five seconds")):
        response = client.get("/search/", {"q": query})
        assert rest_of_post not in TextOf(response.content.decode()), query


def test_scoped_moderator_moderates_only_their_categories_and_children(db):
    lights = build_category(name="Lights")
    bulbs = build_category(name="Bulbs", parent=lights)
    hubs = build_category(name="Hubs")
    scoped = build_moderator(category=lights)

    assert permissions.is_moderator(scoped, lights)
    assert permissions.is_moderator(scoped, bulbs)
    assert not permissions.is_moderator(scoped, hubs)
    assert permissions.is_moderator(scoped)  # moderates something


@pytest.mark.counters_unchecked
def test_scoped_moderator_sees_removed_threads_only_in_their_category(client, member, db):
    lights, hubs = build_category(name="Lights"), build_category(name="Hubs")
    in_scope = build_thread(member, category=lights, title="Removed in lights", body="x")
    out_of_scope = build_thread(member, category=hubs, title="Removed in hubs", body="y")
    Thread.objects.filter(pk__in=[in_scope.pk, out_of_scope.pk]).update(is_deleted=True)
    client.force_login(build_moderator(category=lights))

    assert client.get(in_scope.get_absolute_url()).status_code == 200
    assert client.get(out_of_scope.get_absolute_url()).status_code == 404


@pytest.mark.counters_unchecked
def test_merged_thread_redirects_to_where_its_posts_went(client, member, category):
    target = build_thread(member, category=category, title="The original question", body="a")
    merged = build_thread(member, category=category, title="The same question again", body="b")
    Thread.objects.filter(pk=merged.pk).update(merged_into=target)

    response = client.get(merged.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == f"/t/{target.pk}/"
    assert "The same question again" not in client.get("/").content.decode()


def test_duplicate_links_to_the_original(client, member, category):
    original = build_thread(member, category=category, title="How to reset <the> hub", body="a")
    copy = build_thread(member, category=category, title="Resetting my hub", body="b")
    Thread.objects.filter(pk=copy.pk).update(duplicate_of=original, version=copy.version + 100)

    html = client.get(copy.get_absolute_url()).content.decode()

    assert f'href="{original.get_absolute_url()}"' in html
    assert "How to reset &lt;the&gt; hub" in html


def test_leaders_may_edit_others_posts_and_newcomers_may_not_upload_images(question, answer, newcomer):
    leader = build_member(trust_level=4)

    edited = moderation_posts.edit_post(leader, post=answer, body="Hold the button for five seconds, then release.")

    assert edited.revision_count == 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    from community.services.attachments import upload_attachment

    with pytest.raises(PermissionDenied):
        upload_attachment(newcomer, image=SimpleUploadedFile("x.png", b"not checked", content_type="image/png"))


def test_member_cannot_vote_on_a_hidden_post(question, answer):
    from django.core.exceptions import PermissionDenied as Denied

    from community.services import votes

    set_review(answer, review=Review.HIDDEN)

    with pytest.raises(Denied):
        votes.mark_helpful(build_member(), post=answer)
