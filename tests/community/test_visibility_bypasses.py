"""Held, hidden and removed posts stay out of sight on every path, and the page offers only what the server allows."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Post, Review, Thread
from community.services import posts
from community.services.review import set_review
from moderation.services import flags, sanctions
from moderation.services.threads import lock_thread
from tests.builders import build_member, build_moderator, build_reply

pytestmark = pytest.mark.django_db

SECRET = "Secret text nobody may read"


def viewer_state(html: str) -> dict:
    found = re.search(r'<script id="viewer-state" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries no viewer state"
    return json.loads(found.group(1))


@pytest.fixture
def held(question, other_member):
    reply = build_reply(other_member, question.opening_post, body=SECRET)
    return set_review(reply, review=Review.PENDING)


@pytest.fixture
def hidden(question, other_member):
    reply = build_reply(other_member, question.opening_post, body=SECRET)
    return set_review(reply, review=Review.HIDDEN)


@pytest.fixture
def suspended(staff):
    member = build_member(username="sam")
    sanctions.suspend(staff, member=member, until=timezone.now() + timedelta(days=3), reason="Cooling off.")
    member.refresh_from_db()
    return member


# 1. Accepting a reply that is not public -------------------------------------


@pytest.mark.parametrize("kind", ["held", "hidden"])
def test_question_author_cannot_accept_a_reply_they_cannot_see(client, request, question, member, kind):
    post = request.getfixturevalue(kind)
    client.force_login(member)

    response = client.post(f"/posts/{post.pk}/accept/")

    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        posts.accept_answer(member, post=post)
    question.refresh_from_db()
    assert question.accepted_answer_id is None
    client.logout()
    assert SECRET not in client.get(question.get_absolute_url()).content.decode()


def test_moderator_who_sees_a_held_reply_still_cannot_accept_it(question, held, moderator):
    with pytest.raises(ValidationError, match="published"):
        posts.accept_answer(moderator, post=held)

    question.refresh_from_db()
    assert question.accepted_answer_id is None


# 2. Side pages ---------------------------------------------------------------


def test_revisions_of_an_edited_held_reply_are_hidden_from_others(client, held, other_member, member):
    posts.edit_post(other_member, post=held, body=f"{SECRET}, now edited")
    url = f"/posts/{held.pk}/revisions/"

    visitor = client.get(url)
    client.force_login(member)
    stranger = client.get(url)
    client.force_login(other_member)
    author = client.get(url)

    assert visitor.status_code == stranger.status_code == 404
    assert SECRET not in visitor.content.decode() + stranger.content.decode()
    assert author.status_code == 200 and SECRET in author.content.decode()


def test_continue_this_thread_hides_a_held_reply_from_others(client, held, member):
    visitor = client.get(f"/posts/{held.pk}/")
    client.force_login(member)
    stranger = client.get(f"/posts/{held.pk}/")

    assert visitor.status_code == stranger.status_code == 404
    assert SECRET not in visitor.content.decode() + stranger.content.decode()


@pytest.mark.parametrize("kind", ["held", "hidden"])
def test_reply_page_does_not_quote_a_parent_the_member_cannot_see(client, request, member, suspended, kind):
    post = request.getfixturevalue(kind)
    for reader in (member, suspended):
        client.force_login(reader)
        response = client.get(f"/posts/{post.pk}/reply/")

        assert response.status_code == 404
        assert SECRET not in response.content.decode()


# 3. Replying under a post one cannot see -------------------------------------


@pytest.mark.parametrize("kind", ["held", "hidden"])
def test_member_cannot_reply_under_a_post_they_cannot_see(client, request, member, kind):
    post = request.getfixturevalue(kind)
    client.force_login(member)

    response = client.post(f"/posts/{post.pk}/reply/", {"body": "Replying in the dark"})

    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        posts.reply(member, parent=post, body="Replying in the dark")
    assert not Post.objects.filter(body="Replying in the dark").exists()


def test_author_may_reply_under_their_own_held_post(held, other_member):
    follow_up = posts.reply(other_member, parent=held, body="One more detail")

    assert follow_up.parent_id == held.pk


# 4. The accepted answer once flags hide it -----------------------------------


def test_accepted_answer_hidden_by_flags_leaves_the_answer_card(client, settings, question, answer, member):
    posts.accept_answer(member, post=answer)
    settings.MODERATION_AUTO_HIDE_WEIGHT = 1
    flags.flag_post(build_member(), post=answer, reason="spam")
    answer.refresh_from_db()
    assert answer.review == Review.HIDDEN
    body = "Hold the button for five seconds."

    visitor = client.get(question.get_absolute_url()).content.decode()
    client.force_login(build_member())
    reader = client.get(question.get_absolute_url()).content.decode()

    for page in (visitor, reader):
        assert body not in page
        assert "Accepted answer" not in page


def test_category_moderator_still_sees_a_hidden_accepted_answer(client, question, answer, member, moderator):
    posts.accept_answer(member, post=answer)
    set_review(answer, review=Review.HIDDEN)
    client.force_login(moderator)

    page = client.get(question.get_absolute_url()).content.decode()

    assert "answer-card" in page and "Hold the button for five seconds." in page


def test_lists_do_not_call_a_thread_answered_by_a_hidden_answer(
    client, question, answer, member, django_capture_on_commit_callbacks
):
    posts.accept_answer(member, post=answer)
    assert "badge-answered" in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        set_review(answer, review=Review.HIDDEN)

    assert "badge-answered" not in client.get("/").content.decode()
    assert question.title not in client.get("/?filter=solved").content.decode()


# 5. "Last reply by" ----------------------------------------------------------


@pytest.mark.counters_unchecked
def test_home_list_does_not_name_a_replier_whose_reply_is_hidden(client, settings, question, answer):
    spammer = build_member(username="spammy", display_name="Buy Cheap Watches")
    spam = build_reply(spammer, question.opening_post, body="Cheap watches here")
    Thread.objects.filter(pk=question.pk).update(last_activity_at=timezone.now())
    settings.MODERATION_AUTO_HIDE_WEIGHT = 1
    flags.flag_post(build_member(), post=spam, reason="spam")

    visitor = client.get("/").content.decode()
    client.force_login(build_member())
    reader = client.get("/").content.decode()

    for page in (visitor, reader):
        assert "Buy Cheap Watches" not in page
        assert "last reply by Olaf Jensen" in page


def test_home_list_does_not_name_a_replier_whose_reply_was_removed(client, question, answer):
    later = build_reply(build_member(display_name="Gone Later"), question.opening_post, body="Oops")
    posts.delete_post(later.author, post=later)

    page = client.get("/").content.decode()

    assert "Gone Later" not in page
    assert "last reply by Olaf Jensen" in page


# 6. The page offers only what the server allows ------------------------------


def test_locked_thread_offers_its_author_no_edit_or_remove(client, question, answer, member, moderator):
    lock_thread(moderator, thread=question)
    client.force_login(member)

    tools = viewer_state(client.get(question.get_absolute_url()).content.decode())["tools"]

    assert "edit" not in tools[str(question.opening_post_id)]
    assert "delete" not in tools[str(question.opening_post_id)]
    with pytest.raises(PermissionDenied):
        posts.edit_post(member, post=question.opening_post, body="Changed after the lock")


def test_suspended_member_is_not_offered_voting(client, question, answer, suspended):
    client.force_login(suspended)

    state = viewer_state(client.get(question.get_absolute_url()).content.decode())

    assert state["caps"]["vote"] is False
    assert "vote" not in state["tools"][str(answer.pk)]


def test_member_is_offered_voting_on_others_posts_only(client, question, answer, member):
    client.force_login(member)

    tools = viewer_state(client.get(question.get_absolute_url()).content.decode())["tools"]

    assert "vote" in tools[str(answer.pk)]
    assert "vote" not in tools[str(question.opening_post_id)]
    assert "edit" in tools[str(question.opening_post_id)] and "edit" not in tools[str(answer.pk)]


def test_suspended_moderator_sees_no_review_queue_link(client, staff, category):
    mod = build_moderator(category=category, username="sus")
    sanctions.suspend(staff, member=mod, until=timezone.now() + timedelta(days=1), reason="Cooling off.")
    client.force_login(mod)

    assert "Review queue" not in client.get("/").content.decode()
    assert client.get("/mod/").status_code == 403


def test_moderator_sees_the_review_queue_link(client, moderator):
    client.force_login(moderator)

    assert "Review queue" in client.get("/").content.decode()
