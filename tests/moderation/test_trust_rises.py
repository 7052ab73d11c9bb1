"""Trust rises as soon as reputation reaches a level's threshold, in the transaction that moved it; it falls
only at the nightly sweep. Super users stand at the top level, so their flags weigh the most a member's can."""

import ast
import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.models import Post, Review
from community.services import votes
from moderation.models import AuditEntry, Flag
from moderation.services import flags, trust
from tests.builders import build_member, build_reply

pytestmark = pytest.mark.django_db

SMALL = {
    1: {"days_active": 1, "posts": 1},
    2: {"days_active": 1, "posts": 2, "reputation": 20},
    3: {"days_active": 1, "posts": 2, "reputation": 40, "flags_upheld": 1},
}


@pytest.fixture
def small_thresholds(settings):
    settings.TRUST_LEVEL_THRESHOLDS = SMALL


@pytest.fixture
def helper(other_member, question):
    """A member at level 1 with two replies, 20 reputation short of level 2."""
    for n in range(2):
        build_reply(other_member, question.opening_post, body=f"Try step {n}.")
    trust.recalculate_trust(other_member)
    assert level(other_member) == 1
    return other_member


def level(member) -> int:
    return User.objects.values_list("trust_level", flat=True).get(pk=member.pk)


def trust_audits(member):
    return AuditEntry.objects.filter(action=AuditEntry.Action.TRUST_CHANGED, target_id=member.pk)


_voters = itertools.count()


def vote_for(helper, n: int) -> None:
    """`n` helpful votes, each from a different member, on `helper`'s replies: 10 reputation each."""
    replies = list(Post.objects.filter(author=helper).order_by("pk"))
    for i in range(n):
        votes.mark_helpful(build_member(username=f"voter{next(_voters)}"), post=replies[i % len(replies)])


@pytest.mark.parametrize(
    ("old", "new", "crossed"),
    [
        (0, 19, False),
        (19, 20, True),
        (0, 500, True),
        (20, 39, False),
        (39, 40, True),
        (40, 20, False),
        (45, 60, False),
    ],
)
def test_crossed_a_level_only_counts_reaching_a_reputation_threshold(small_thresholds, old, new, crossed):
    assert trust.crossed_a_level(old, new) is crossed


def test_reaching_a_levels_reputation_raises_trust_at_once_and_audits_it(small_thresholds, helper):
    vote_for(helper, 1)
    assert level(helper) == 1 and not trust_audits(helper).exists()

    vote_for(helper, 2)

    assert level(helper) == 2
    entry = trust_audits(helper).get()
    assert entry.actor is None
    assert (entry.before, entry.after) == ({"trust_level": 1}, {"trust_level": 2})
    assert entry.reason == "Reputation reached 20."


def test_the_raise_is_undone_with_the_vote_that_earned_it(small_thresholds, helper):
    reply = Post.objects.filter(author=helper).first()
    votes.mark_helpful(build_member(username="first"), post=reply)

    with pytest.raises(RuntimeError), transaction.atomic():
        votes.mark_helpful(build_member(username="second"), post=reply)
        assert level(helper) == 2
        raise RuntimeError("the vote's transaction fails")

    assert level(helper) == 1
    assert not trust_audits(helper).exists()


def test_reputation_alone_raises_nothing_when_another_threshold_is_unmet(small_thresholds, other_member, answer):
    # One reply: level 2 also needs two posts.
    vote_for(other_member, 2)

    assert User.objects.get(pk=other_member.pk).reputation == 20
    assert level(other_member) == User.TrustLevel.BASIC
    assert not trust_audits(other_member).exists()


def test_a_fall_waits_for_the_nightly_sweep(small_thresholds, helper):
    vote_for(helper, 2)
    assert level(helper) == 2
    second_reply = Post.objects.filter(author=helper).order_by("pk")[1]

    votes.unmark_helpful(second_reply.helpful_votes.get().voter, post=second_reply)

    assert User.objects.get(pk=helper.pk).reputation == 10
    assert level(helper) == 2
    assert trust.recalculate_trust(User.objects.get(pk=helper.pk)) == 1
    assert trust_audits(helper).count() == 2


def test_the_nightly_sweep_finds_a_fall_that_left_no_dated_row(small_thresholds, helper, question):
    vote_for(helper, 2)
    second_reply = Post.objects.filter(author=helper).order_by("pk")[1]
    votes.unmark_helpful(second_reply.helpful_votes.get().voter, post=second_reply)
    # Level 1 needs no reputation, so nothing brings this idle member into the sweep (it would find them at 0).
    steady = build_member(username="steady")

    # Nothing the helper or anyone did is dated after `since`: only their reputation tells.
    assert trust.recalculate_recent(since=timezone.now()) == 1

    assert level(helper) == 1
    assert level(steady) == 1


def test_a_member_who_earns_super_user_stands_at_the_top_level_at_once(settings, small_thresholds, helper):
    settings.RECOGNITION_SUPER_USER_REPUTATION = 30

    vote_for(helper, 3)

    member = User.objects.get(pk=helper.pk)
    assert member.super_user == User.SuperUser.EARNED
    assert member.trust_level == trust.TOP_LEVEL
    assert list(trust_audits(helper).order_by("pk").values_list("after__trust_level", "reason")) == [
        (2, "Reputation reached 20."),
        (trust.TOP_LEVEL, "Reputation reached 30."),
    ]


def test_an_earned_super_users_flag_weighs_the_most_a_members_can(settings, small_thresholds, helper, category):
    settings.RECOGNITION_SUPER_USER_REPUTATION = 30
    vote_for(helper, 3)
    member = User.objects.get(pk=helper.pk)
    spam = build_reply(build_member(username="spammer"), Post.objects.filter(author=helper).first(), body="Buy now")

    flag = flags.flag_post(member, post=spam, reason="spam")

    assert flag.weight == settings.MODERATION_FLAG_WEIGHTS[trust.TOP_LEVEL]
    assert flag.weight == max(settings.MODERATION_FLAG_WEIGHTS.values())
    assert flag.weight > settings.MODERATION_FLAG_WEIGHTS[User.TrustLevel.BASIC]


def test_a_super_users_flag_with_one_more_hides_what_members_flags_do_not(settings, staff, question):
    from recognition.services.super_users import nominate_super_user

    settings.MODERATION_AUTO_HIDE_WEIGHT = 5
    super_user = build_member(username="sunny")
    nominate_super_user(staff, member=super_user)
    first = build_reply(build_member(username="spammer"), question.opening_post, body="Buy followers")
    second = build_reply(build_member(username="spammer2"), question.opening_post, body="Buy likes")

    for n in range(2):
        flags.flag_post(build_member(username=f"flagger{n}"), post=first, reason="spam")
    flags.flag_post(build_member(username="flagger2"), post=second, reason="spam")
    flags.flag_post(User.objects.get(pk=super_user.pk), post=second, reason="spam")

    assert Post.objects.get(pk=first.pk).review == Review.PUBLISHED
    assert Post.objects.get(pk=second.pk).review == Review.HIDDEN
    assert sorted(Flag.objects.filter(post=second).values_list("weight", flat=True)) == [1, 4]


def test_moderation_never_imports_recognition():
    # Recognition reads and calls moderation; the other way round would make a cycle of the two apps.
    offenders = []
    for path in sorted((Path(settings.BASE_DIR) / "moderation").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "recognition"]
    assert offenders == []
