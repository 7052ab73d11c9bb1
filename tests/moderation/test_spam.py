from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from community.models import Category, Post, Review, Thread
from community.services import posts
from moderation.models import AuditEntry, ReviewItem, Sanction
from moderation.services import spam
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def snapshot():
    return (
        sorted(Post.objects.values_list("pk", "is_deleted", "helpful_count")),
        sorted(
            Thread.objects.values_list(
                "pk", "is_deleted", "reply_count", "accepted_answer_id", "has_team_verified", "problem_status"
            )
        ),
        sorted(Category.objects.values_list("pk", "thread_count", "post_count")),
    )


def recounted():
    call_command("recount", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return snapshot()


@pytest.fixture
def spammer(db):
    return build_member(username="cheapwatches")


@pytest.fixture
def spam_world(spammer, member, other_member, staff, category):
    """A spammer's posts everywhere: own threads, replies, an accepted answer, a verified one, a removed thread."""
    other_category = build_category(name="Ideas board")
    own = build_thread(spammer, category=category, title="Cheap watches for sale here")
    build_reply(other_member, own.opening_post, body="Is this spam?")
    build_reply(spammer, own.opening_post, body="No, real watches!")
    build_thread(spammer, category=other_category, kind="idea", title="Idea: sell watches here")
    question = build_thread(member, category=category, title="How do I reset the hub?")
    answer = build_reply(spammer, question.opening_post, body="Hold the button. Also, watches.")
    build_reply(other_member, answer, body="That worked, ignore the watches.")
    posts.accept_answer(member, post=answer)
    problem = build_thread(member, category=category, kind="problem", title="Hub loses its network")
    fix = build_reply(spammer, problem.opening_post, body="Restart the router.")
    posts.verify_answer(staff, post=fix)
    gone = build_thread(other_member, category=category, title="A thread already removed")
    build_reply(spammer, gone.opening_post, body="Watches in a removed thread.")
    posts.delete_post(other_member, post=gone.opening_post)
    removed_by_self = build_reply(spammer, question.opening_post, body="Oops, double post.")
    posts.delete_post(spammer, post=removed_by_self)
    return {"own": own, "question": question, "answer": answer, "problem": problem, "fix": fix, "gone": gone,
            "removed_by_self": removed_by_self}  # fmt: skip


def test_purge_and_unpurge_round_trip_keeps_counters_right(moderator, spammer, spam_world):
    # Given the live counters agree with a full recount
    before = snapshot()
    assert recounted() == before
    live_posts = set(Post.objects.filter(author=spammer, is_deleted=False).values_list("pk", flat=True))

    # When the spammer is purged
    entry = spam.purge_spammer(moderator, member=spammer, reason="Watch spam.")

    # Then all their live posts are gone, their threads with them, and every counter agrees with a recount
    assert not Post.objects.filter(author=spammer, is_deleted=False).exists()
    assert set(entry.after["post_ids"]) == live_posts
    assert Thread.objects.get(pk=spam_world["own"].pk).is_deleted
    assert Thread.objects.get(pk=spam_world["question"].pk).accepted_answer_id is None
    assert Thread.objects.get(pk=spam_world["problem"].pk).has_team_verified is False
    after_purge = snapshot()
    assert after_purge != before
    assert recounted() == after_purge
    assert User.objects.get(pk=spammer.pk).is_active is False

    # When it is undone
    spam.unpurge_spammer(moderator, member=spammer, reason="A real customer after all.")

    # Then everything is exactly as it was, and still agrees with a recount
    assert snapshot() == before
    assert recounted() == before
    assert Post.objects.get(pk=spam_world["removed_by_self"].pk).is_deleted
    assert Thread.objects.get(pk=spam_world["gone"].pk).is_deleted
    assert User.objects.get(pk=spammer.pk).is_active is True


def test_purge_is_audited_with_what_it_removed_and_bans(moderator, spammer, spam_world):
    entry = spam.purge_spammer(moderator, member=spammer, reason="Watch spam.")

    assert entry.action == Action.SPAMMER_PURGED and entry.actor == moderator and entry.reason == "Watch spam."
    assert entry.target_id == spammer.pk and entry.target_type == "member"
    assert spam_world["own"].pk in entry.after["thread_ids"]
    assert entry.after["accepted"] == [[spam_world["question"].pk, spam_world["answer"].pk]]
    ban = Sanction.objects.get(pk=entry.after["ban"])
    assert ban.kind == Sanction.Kind.BAN and ban.member == spammer
    assert spam.last_purge(spammer) == entry

    restored = spam.unpurge_spammer(moderator, member=spammer, reason="Mistake.")

    assert restored.action == Action.SPAMMER_RESTORED and restored.before == {"purge": entry.pk}
    assert sorted(restored.after["post_ids"]) == entry.after["post_ids"]
    assert Sanction.objects.get(pk=ban.pk).lifted_by == moderator
    assert spam.last_purge(spammer) is None


def test_held_posts_leave_and_rejoin_the_queue(moderator, spammer, member, category):
    question = build_thread(member, category=category)
    User.objects.filter(pk=spammer.pk).update(trust_level=0)
    spammer.refresh_from_db()
    held = build_reply(spammer, question.opening_post, body="Visit my shop.")
    assert held.review == Review.PENDING
    item = ReviewItem.objects.get(post=held, status=ReviewItem.Status.OPEN)
    counters = snapshot()

    entry = spam.purge_spammer(moderator, member=spammer, reason="Spam.")

    item.refresh_from_db()
    assert item.status == ReviewItem.Status.RESOLVED and item.resolution == ReviewItem.Resolution.DELETED
    assert entry.after["review_items"] == [item.pk]
    assert Thread.objects.get(pk=question.pk).reply_count == 0

    spam.unpurge_spammer(moderator, member=spammer, reason="Not spam.")

    item.refresh_from_db()
    assert item.status == ReviewItem.Status.OPEN
    assert snapshot() == counters


def test_purge_twice_and_unpurge_without_purge_are_refused(moderator, spammer, spam_world):
    with pytest.raises(ValidationError):
        spam.unpurge_spammer(moderator, member=spammer, reason="x")
    spam.purge_spammer(moderator, member=spammer, reason="Spam.")

    with pytest.raises(ValidationError):
        spam.purge_spammer(moderator, member=spammer, reason="Again.")

    assert AuditEntry.objects.filter(action=Action.SPAMMER_PURGED).count() == 1


def test_purge_without_reason_is_refused(moderator, spammer, spam_world):
    with pytest.raises(ValidationError):
        spam.purge_spammer(moderator, member=spammer, reason="")

    assert Post.objects.filter(author=spammer, is_deleted=False).exists()


def _scoped(category):
    return build_moderator(category=category)


def _suspended_member(category):
    suspended = build_member()
    User.objects.filter(pk=suspended.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    return User.objects.get(pk=suspended.pk)


def _banned_moderator(category):
    banned = build_moderator()
    User.objects.filter(pk=banned.pk).update(is_active=False)
    return User.objects.get(pk=banned.pk)


@pytest.mark.parametrize(
    "make_actor",
    [
        pytest.param(lambda category: AnonymousUser(), id="anonymous"),
        pytest.param(lambda category: build_member(), id="member"),
        pytest.param(_scoped, id="category-moderator"),
        pytest.param(_suspended_member, id="suspended-member"),
        pytest.param(_banned_moderator, id="banned-moderator"),
    ],
)
def test_wrong_actor_cannot_purge(make_actor, spammer, spam_world, category):
    before = snapshot()
    actor = make_actor(category)

    with pytest.raises(PermissionDenied):
        spam.purge_spammer(actor, member=spammer, reason="Spam.")

    assert snapshot() == before
    assert User.objects.get(pk=spammer.pk).is_active
    assert not AuditEntry.objects.filter(action=Action.SPAMMER_PURGED).exists()


def test_wrong_actor_cannot_unpurge(moderator, spammer, spam_world, category):
    spam.purge_spammer(moderator, member=spammer, reason="Spam.")
    purged = snapshot()

    for actor in (AnonymousUser(), build_member(), build_moderator(category=category)):
        with pytest.raises(PermissionDenied):
            spam.unpurge_spammer(actor, member=spammer, reason="x")

    assert snapshot() == purged
    assert User.objects.get(pk=spammer.pk).is_active is False


def test_staff_and_yourself_cannot_be_purged(moderator, staff, question):
    with pytest.raises(PermissionDenied, match="Staff"):
        spam.purge_spammer(moderator, member=staff, reason="x")
    with pytest.raises(PermissionDenied, match="yourself"):
        spam.purge_spammer(moderator, member=moderator, reason="x")

    assert not AuditEntry.objects.exists()
