from dataclasses import replace
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from community.models import Post
from community.services import posts, votes
from moderation.models import AuditEntry, Flag, ReviewItem, Sanction
from moderation.services import sanctions, trust
from moderation.tasks import recalculate_trust_levels
from tests.builders import build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db

SMALL = {
    1: {"days_active": 1, "posts": 1},
    2: {"days_active": 2, "posts": 3, "reputation": 10},
    3: {"days_active": 2, "posts": 3, "accepted_answers": 1, "reputation": 10, "flags_upheld": 1},
    4: {"days_active": 3, "posts": 5, "accepted_answers": 2, "reputation": 20, "flags_upheld": 2},
}


def exactly(level):
    """Activity that meets every threshold of `level` with nothing to spare."""
    return trust.Activity(**settings.TRUST_LEVEL_THRESHOLDS[level])


THRESHOLDS = [(level, name) for level, needs in settings.TRUST_LEVEL_THRESHOLDS.items() for name in needs]


@pytest.mark.parametrize(("level", "name"), THRESHOLDS, ids=[f"{lvl}-{name}" for lvl, name in THRESHOLDS])
def test_each_threshold_is_needed_for_its_level(level, name):
    met = exactly(level)
    short = replace(met, **{name: getattr(met, name) - 1})

    assert trust.level_for(met) == level
    assert trust.level_for(short) < level


def test_no_activity_is_level_zero_and_everything_is_level_four():
    assert trust.level_for(trust.Activity()) == 0
    assert trust.level_for(replace(exactly(4), posts=10_000)) == 4


def test_cap_holds_a_level_down():
    assert trust.level_for(exactly(4), cap=1) == 1
    assert trust.level_for(exactly(4), cap=0) == 0


def _on_day(post, days_ago):
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def _upheld_flag(flagger, post, outcome=Flag.Outcome.HELPFUL):
    item = ReviewItem.objects.create(post=post, category=post.thread.category, status=ReviewItem.Status.RESOLVED)
    return Flag.objects.create(
        item=item, post=post, flagger=flagger, reason=Flag.Reason.SPAM, outcome=outcome, resolved_at=timezone.now()
    )


def test_activity_counts_what_the_member_did(member, other_member, staff, category):
    # Given a thread and replies over two days, an accepted answer, helpful votes and decided flags
    thread = build_thread(other_member, category=category)
    first = build_reply(member, thread.opening_post, body="Try the reset button.")
    second = build_reply(member, first, body="Then pair it again.")
    own = build_thread(member, category=category, title="My own question here")
    _on_day(first, days_ago=3)
    removed = build_reply(member, thread.opening_post, body="Wrong thread, sorry.")
    posts.delete_post(member, post=removed)
    posts.accept_answer(other_member, post=first)
    votes.mark_helpful(other_member, post=first)
    votes.mark_helpful(staff, post=second)
    spam = build_reply(other_member, own.opening_post, body="Buy cheap watches.")
    _upheld_flag(member, spam)
    _upheld_flag(member, thread.opening_post, outcome=Flag.Outcome.DECLINED)

    activity = trust.member_activity(User.objects.get(pk=member.pk))

    assert activity.posts == 3 and activity.threads == 1
    assert activity.days_active == 2
    assert activity.accepted_answers == 1
    assert activity.helpful_received == 2
    assert activity.reputation == 15 + 10 + 10  # the accepted answer and two helpful votes
    assert (activity.flags_raised, activity.flags_upheld, activity.flags_declined) == (2, 1, 1)
    assert activity.flag_accuracy == 50


def test_recalculation_promotes_and_audits(settings, member, other_member, category):
    settings.TRUST_LEVEL_THRESHOLDS = SMALL
    thread = build_thread(member, category=category)
    reply = build_reply(member, thread.opening_post, body="More detail.")
    build_reply(member, reply, body="Even more detail.")
    _on_day(reply, days_ago=1)
    votes.mark_helpful(other_member, post=reply)

    assert trust.recalculate_trust(member) == 2

    assert User.objects.get(pk=member.pk).trust_level == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.TRUST_CHANGED)
    assert entry.actor is None and (entry.before, entry.after) == ({"trust_level": 1}, {"trust_level": 2})


def test_recalculation_without_change_writes_nothing(member, question):
    assert trust.recalculate_trust(member) == 1

    assert not AuditEntry.objects.exists()


def test_recalculation_demotes_an_inactive_member(member):
    assert trust.recalculate_trust(member) == 0

    assert User.objects.get(pk=member.pk).trust_level == 0


def test_moderators_and_staff_keep_their_level(staff, category):
    moderator = build_moderator(trust_level=3)
    User.objects.filter(pk=staff.pk).update(trust_level=4)
    staff.refresh_from_db()

    assert trust.recalculate_trust(moderator) == 3
    assert trust.recalculate_trust(staff) == 4


# The sanction cap ------------------------------------------------------------


def _backdate(sanction, days):
    moment = timezone.now() - timedelta(days=days)
    Sanction.objects.filter(pk=sanction.pk).update(created_at=moment, ends_at=sanction.ends_at and moment)


def soon():
    return timezone.now() + timedelta(days=2)


def test_recent_suspension_holds_at_zero(member, moderator):
    suspension = sanctions.suspend(moderator, member=member, until=soon(), reason="x")
    assert trust.sanction_cap(member) == 0

    # It still counts for TRUST_SANCTION_DAYS after it ran out...
    _backdate(suspension, settings.TRUST_SANCTION_DAYS - 1)
    Sanction.objects.filter(pk=suspension.pk).update(expired_at=timezone.now())
    assert trust.sanction_cap(member) == 0

    # ...and no longer after that.
    _backdate(suspension, settings.TRUST_SANCTION_DAYS + 1)
    assert trust.sanction_cap(member) is None


def test_permanent_ban_holds_at_zero_however_old(member, moderator):
    ban = sanctions.ban(moderator, member=member, reason="x")
    _backdate(ban, 400)

    assert trust.sanction_cap(member) == 0


def test_recent_warning_caps_at_one(settings, member, other_member, moderator, category):
    settings.TRUST_LEVEL_THRESHOLDS = SMALL
    thread = build_thread(member, category=category)
    reply = build_reply(member, thread.opening_post, body="More detail.")
    build_reply(member, reply, body="Even more detail.")
    _on_day(reply, days_ago=1)
    votes.mark_helpful(other_member, post=reply)
    assert trust.recalculate_trust(member) == 2

    warning = sanctions.warn(moderator, member=member, reason="x")

    assert User.objects.get(pk=member.pk).trust_level == 1
    _backdate(warning, settings.TRUST_SANCTION_DAYS + 1)
    assert trust.recalculate_trust(member) == 2


def test_lifted_suspension_does_not_count(member, moderator):
    suspension = sanctions.suspend(moderator, member=member, until=soon(), reason="x")

    sanctions.lift(moderator, sanction=suspension, reason="mistake")

    assert trust.sanction_cap(member) is None


# The periodic sweep ------------------------------------------------------------


def test_sweep_recalculates_recently_active_members_in_chunks(settings, category):
    settings.TRUST_LEVEL_THRESHOLDS = SMALL
    active = [build_member() for _ in range(3)]
    # At a level its reputation supports (level 1 needs none), so only activity could bring it into the sweep.
    idle = build_member(trust_level=1)
    for author in active:
        build_thread(author, category=category, title=f"A thread by {author.username}")
    User.objects.filter(pk__in=[m.pk for m in active]).update(trust_level=0)

    changed = trust.recalculate_recent(since=timezone.now() - timedelta(hours=1), chunk=2)

    assert changed == 3
    assert set(User.objects.filter(pk__in=[m.pk for m in active]).values_list("trust_level", flat=True)) == {1}
    assert User.objects.get(pk=idle.pk).trust_level == 1


def test_sweep_task_is_idempotent(member, question):
    User.objects.filter(pk=member.pk).update(trust_level=0)

    assert recalculate_trust_levels.delay().get() == 1
    assert recalculate_trust_levels.delay().get() == 0

    assert AuditEntry.objects.filter(action=AuditEntry.Action.TRUST_CHANGED).count() == 1
