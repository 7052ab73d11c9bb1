"""An upheld flag earns its flagger points and counts toward "Good flagger", whichever moderation decision
upheld it, once: both are driven by moderation's FlagResolved event."""

import pytest

from accounts.models import User
from community.services import posts as community_posts
from moderation import events as moderation_events
from moderation.models import Flag
from moderation.services import flags, queue, spam
from moderation.services import posts as moderation_posts
from outbox.models import Event
from recognition import awarding, receivers
from recognition.models import Award, PointsEntry
from tests.builders import build_member, build_reply, build_thread
from tests.recognition.test_badges import upheld_flags

pytestmark = pytest.mark.django_db

Reason = PointsEntry.Reason


def flag_points(member) -> list[int]:
    return list(PointsEntry.objects.filter(member=member, reason=Reason.FLAG_UPHELD).values_list("amount", flat=True))


def reputation(member) -> int:
    return User.objects.values_list("reputation", flat=True).get(pk=member.pk)


def resolved_events() -> list[dict]:
    return [event.payload for event in Event.objects.filter(type="FlagResolved")]


@pytest.fixture
def spammer(db):
    return build_member(username="spammer")


@pytest.fixture
def flagged(member, spammer, category):
    """A spammer's thread that `member` flagged."""
    thread = build_thread(spammer, category=category, title="Cheap followers, click here")
    flags.flag_post(member, post=thread.opening_post, reason="spam")
    return thread.opening_post


def uphold_from_queue_by_hiding(moderator, post):
    queue.hide_post(moderator, item=post.review_items.get())


def uphold_from_queue_by_removing(moderator, post):
    queue.remove_post(moderator, item=post.review_items.get())


def uphold_by_removing_the_post(moderator, post):
    moderation_posts.remove_post(moderator, post=post, reason="Spam")


def uphold_by_purging_the_spammer(moderator, post):
    spam.purge_spammer(moderator, member=post.author, reason="Spam")


UPHOLDING = [
    uphold_from_queue_by_hiding,
    uphold_from_queue_by_removing,
    uphold_by_removing_the_post,
    uphold_by_purging_the_spammer,
]


@pytest.mark.parametrize("uphold", UPHOLDING)
def test_every_way_of_upholding_a_flag_announces_it_and_gives_the_flagger_2(member, moderator, flagged, uphold):
    uphold(moderator, flagged)

    flag = Flag.objects.get(post=flagged)
    assert flag.outcome == Flag.Outcome.HELPFUL
    assert [(e["flag_id"], e["flagger_id"], e["outcome"]) for e in resolved_events()] == [
        (flag.pk, member.pk, Flag.Outcome.HELPFUL)
    ]
    assert flag_points(member) == [2]
    assert reputation(member) == 2


@pytest.mark.parametrize("uphold", UPHOLDING)
def test_every_way_of_upholding_the_tenth_flag_earns_good_flagger(
    django_capture_on_commit_callbacks, member, moderator, spammer, category, flagged, uphold
):
    upheld_flags(member, moderator, spammer, 9, category=category)
    assert not Award.objects.filter(member=member).exists()

    with django_capture_on_commit_callbacks(execute=True):
        uphold(moderator, flagged)

    assert list(Award.objects.filter(member=member).values_list("badge", flat=True)) == ["good-flagger"]


def test_a_flag_upheld_on_a_post_its_author_already_deleted_still_counts(
    django_capture_on_commit_callbacks, member, moderator, spammer, category, flagged
):
    # No post event comes with this decision: the post was gone already. Only the flag's own event tells.
    upheld_flags(member, moderator, spammer, 9, category=category)
    community_posts.delete_post(spammer, post=flagged)

    with django_capture_on_commit_callbacks(execute=True):
        uphold_from_queue_by_removing(moderator, flagged)

    assert flag_points(member) == [2] * 10
    assert Award.objects.filter(member=member, badge="good-flagger").count() == 1


def test_a_declined_flag_earns_nothing(django_capture_on_commit_callbacks, member, moderator, spammer, category):
    upheld_flags(member, moderator, spammer, 9, category=category)
    thread = build_thread(spammer, category=category, title="Not spam after all, honestly")
    flags.flag_post(member, post=thread.opening_post, reason="spam")

    with django_capture_on_commit_callbacks(execute=True):
        queue.dismiss_flags(moderator, item=thread.opening_post.review_items.get())

    assert flag_points(member) == [2] * 9
    assert not Award.objects.filter(member=member).exists()


def test_a_flag_announced_twice_earns_once(member, moderator, flagged):
    uphold_from_queue_by_hiding(moderator, flagged)
    flag = Flag.objects.get(post=flagged)
    again = moderation_events.FlagResolved(
        flag_id=flag.pk,
        post_id=flagged.pk,
        thread_id=flagged.thread_id,
        flagger_id=member.pk,
        outcome=Flag.Outcome.HELPFUL,
        actor_id=moderator.pk,
    )

    receivers.flag_resolved(again)
    receivers.flag_resolved(again)

    assert flag_points(member) == [2]
    assert reputation(member) == 2


def test_the_badge_is_awarded_once_however_often_the_tenth_flag_is_announced(
    django_capture_on_commit_callbacks, member, moderator, spammer, category
):
    upheld_flags(member, moderator, spammer, 10, category=category)
    flag = Flag.objects.filter(flagger=member).latest("pk")
    event = moderation_events.FlagResolved(
        flag_id=flag.pk,
        post_id=flag.post_id,
        thread_id=flag.post.thread_id,
        flagger_id=member.pk,
        outcome=Flag.Outcome.HELPFUL,
        actor_id=moderator.pk,
    )

    with django_capture_on_commit_callbacks(execute=True):
        awarding.on_flag_resolved(event)
        awarding.on_flag_resolved(event)

    assert Award.objects.filter(member=member, badge="good-flagger").count() == 1
    assert Event.objects.filter(type="BadgeAwarded", payload__member_id=member.pk).count() == 1


def test_a_moderator_upholding_their_own_flag_earns_nothing(moderator, spammer, category):
    thread = build_thread(spammer, category=category, title="Cheap followers, click here")
    reply = build_reply(spammer, thread.opening_post, body="Click my link")
    flags.flag_post(moderator, post=reply, reason="spam")

    moderation_posts.remove_post(moderator, post=reply, reason="Spam")

    assert flag_points(moderator) == []
