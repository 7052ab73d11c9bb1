"""Each automatic badge's criterion, earned and not earned, decided from the community's own rows."""

import itertools
import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from community.models import HelpfulVote, Post, Thread
from community.services import posts as post_services
from community.services import threads as thread_services
from community.services import votes
from moderation.models import Flag
from moderation.services import flags, queue
from recognition import badges, criteria, ledger
from recognition.awarding import earned
from recognition.models import PointsEntry
from tests.builders import build_category, build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db


# Builders for badge thresholds ----------------------------------------------------------


def members(n: int, prefix: str = "fan") -> list[User]:
    return [build_member(username=f"{prefix}{i}") for i in range(n)]


def accepted_answers(answerer: User, asker: User, n: int, *, category) -> list[Thread]:
    """`n` questions by `asker`, each answered by `answerer` and accepted by the asker."""
    threads = []
    for i in range(n):
        thread = build_thread(asker, category=category, title=f"Question number {i} about pairing")
        post_services.accept_answer(asker, post=build_reply(answerer, thread.opening_post))
        threads.append(thread)
    return threads


_voter_numbers = itertools.count(1)


def many_helpful_votes(post: Post, n: int) -> None:
    """`n` helpful votes on `post`, from `n` members made at once.

    Hundreds of voters through the sign-up and voting services would make the
    gold threshold slow to test; the rows are what the criterion reads, and
    the post's counter is set to agree with them, as `recount` would.
    """
    names = [f"voter{next(_voter_numbers)}" for _ in range(n)]
    voters = User.objects.bulk_create(
        User(username=name, email=f"{name}@example.com", trust_level=1) for name in names
    )
    HelpfulVote.objects.bulk_create(HelpfulVote(post=post, thread_id=post.thread_id, voter=voter) for voter in voters)
    Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + n)


def upheld_flags(flagger: User, moderator: User, author: User, n: int, *, category, uphold: bool = True) -> None:
    """`n` posts by `author`, each flagged by `flagger` and then hidden (or left up) by `moderator`."""
    for i in range(n):
        thread = build_thread(author, category=category, title=f"Buy cheap followers today {i}")
        flags.flag_post(flagger, post=thread.opening_post, reason="spam")
        item = thread.opening_post.review_items.get()
        if uphold:
            queue.hide_post(moderator, item=item)
        else:
            queue.dismiss_flags(moderator, item=item)


# The catalogue --------------------------------------------------------------------------


def test_catalogue_has_at_least_fifteen_badges_in_every_tier():
    assert len(badges.CATALOGUE) >= 15
    assert {badge.tier for badge in badges.CATALOGUE} == set(badges.TIERS)
    assert len(badges.BY_SLUG) == len(badges.CATALOGUE)


def test_every_automatic_badge_has_a_criterion_and_manual_ones_have_none():
    automatic = {badge.slug for badge in badges.CATALOGUE if not badge.manual}

    assert set(criteria.BY_BADGE) == automatic
    assert [badge.slug for badge in badges.CATALOGUE if badge.manual] == ["thank-you"]


def test_per_category_badges_are_decided_per_category():
    for criterion in criteria.CRITERIA:
        assert badges.get(criterion.badge).per_category == (criterion.badge == "category-expert")


@pytest.mark.parametrize("criterion", [c for c in criteria.CRITERIA if c.threshold], ids=lambda c: c.badge)
def test_the_rule_a_badge_page_states_names_the_number_its_criterion_counts_to(criterion):
    rule = badges.get(criterion.badge).rule

    assert [int(n) for n in re.findall(r"\d+", rule)] == [criterion.threshold]


def test_deciding_a_badge_for_one_member_takes_one_query(member, django_assert_num_queries):
    for criterion in criteria.CRITERIA:
        with django_assert_num_queries(1):
            earned(criterion.badge, member)


# Answering ------------------------------------------------------------------------------


def test_first_answer_is_earned_by_answering_someone_elses_question(other_member, question):
    assert not earned("first-answer", other_member)

    build_reply(other_member, question.opening_post)

    assert earned("first-answer", other_member)


def test_first_answer_is_not_earned_in_your_own_question_or_a_discussion(member, other_member, category, question):
    build_reply(member, question.opening_post, body="Never mind, I found it.")
    discussion = build_thread(other_member, category=category, kind="discussion", title="What lights do you use?")
    build_reply(member, discussion.opening_post, body="Mostly the warm ones.")

    assert not earned("first-answer", member)


def test_first_answer_is_not_earned_by_a_held_or_removed_reply(question):
    newcomer = build_member(trust_level=0)
    build_reply(newcomer, question.opening_post, body="Held for review until approved")
    answerer = build_member()
    post_services.delete_post(answerer, post=build_reply(answerer, question.opening_post))

    assert not earned("first-answer", newcomer)
    assert not earned("first-answer", answerer)


def test_first_question_is_earned_when_someone_else_answers_it(member, question, answer):
    assert earned("first-question", member)


def test_first_question_is_not_earned_by_answering_yourself(member, question):
    build_reply(member, question.opening_post, body="Answering my own question here.")

    assert not earned("first-question", member)


def test_welcomer_is_earned_by_answering_a_members_first_question(member, other_member, question):
    build_reply(other_member, question.opening_post)

    assert earned("welcomer", other_member)


def test_welcomer_is_not_earned_by_answering_a_later_question(member, other_member, category, question):
    later = build_thread(member, category=category, title="And how do I group two bulbs?")
    build_reply(other_member, later.opening_post)

    assert not earned("welcomer", other_member)


def _reply_on(monkeypatch, author, parent, moment):
    monkeypatch.setattr(post_services, "now", lambda: moment)
    return build_reply(author, parent, body=f"Help given on {moment:%d %B}.")


def test_regular_helper_is_earned_by_helping_on_seven_different_days(monkeypatch, other_member, question):
    start = timezone.now() - timedelta(days=10)
    for day in range(6):
        _reply_on(monkeypatch, other_member, question.opening_post, start + timedelta(days=day))
    assert not earned("regular-helper", other_member)

    _reply_on(monkeypatch, other_member, question.opening_post, start + timedelta(days=6))

    assert earned("regular-helper", other_member)


def test_regular_helper_is_not_earned_by_many_replies_on_one_day(monkeypatch, other_member, question):
    moment = timezone.now() - timedelta(days=3)
    for minute in range(7):
        _reply_on(monkeypatch, other_member, question.opening_post, moment + timedelta(minutes=minute))

    assert not earned("regular-helper", other_member)


def test_regular_helper_does_not_count_replies_in_your_own_threads(monkeypatch, member, question):
    start = timezone.now() - timedelta(days=10)
    for day in range(7):
        _reply_on(monkeypatch, member, question.opening_post, start + timedelta(days=day))

    assert not earned("regular-helper", member)


# Accepted and verified answers ----------------------------------------------------------


def test_first_accepted_is_earned_when_the_asker_accepts_your_answer(member, other_member, answer):
    assert not earned("first-accepted", other_member)

    post_services.accept_answer(member, post=answer)

    assert earned("first-accepted", other_member)


def test_first_accepted_is_not_earned_by_accepting_your_own_reply(member, question):
    own = build_reply(member, question.opening_post, body="Solved it myself: reset the hub.")

    post_services.accept_answer(member, post=own)

    assert not earned("first-accepted", member)


def test_first_accepted_is_not_earned_once_the_answer_is_unaccepted(member, other_member, question, answer):
    post_services.accept_answer(member, post=answer)
    post_services.unaccept_answer(member, thread=question)

    assert not earned("first-accepted", other_member)


def test_go_to_person_needs_ten_accepted_answers(member, other_member, category):
    accepted_answers(other_member, member, 9, category=category)
    assert not earned("accepted-10", other_member)

    accepted_answers(other_member, member, 1, category=category)

    assert earned("accepted-10", other_member)


def test_category_expert_is_earned_in_the_category_of_the_accepted_answers(member, other_member, category):
    elsewhere = build_category(name="Billing")
    accepted_answers(other_member, member, 24, category=category)
    accepted_answers(other_member, member, 1, category=elsewhere)
    assert not earned("category-expert", other_member)

    accepted_answers(other_member, member, 1, category=category)

    assert earned("category-expert", other_member, category)
    assert not earned("category-expert", other_member, elsewhere)
    assert criteria.BY_BADGE["category-expert"].holders([other_member.pk]) == {(other_member.pk, category.pk)}


def test_team_verified_is_earned_when_staff_verify_your_answer(staff, other_member, answer):
    assert not earned("team-verified", other_member)

    post_services.verify_answer(staff, post=answer)

    assert earned("team-verified", other_member)


def test_team_verified_is_not_earned_by_verifying_your_own_answer(staff, question):
    own = build_reply(staff, question.opening_post, body="Official: hold the button.")

    post_services.verify_answer(staff, post=own)

    assert not earned("team-verified", staff)


# Helpful votes ---------------------------------------------------------------------------


def test_helpful_needs_ten_helpful_votes(other_member, answer):
    voters = members(10)
    for voter in voters[:9]:
        votes.mark_helpful(voter, post=answer)
    assert not earned("helpful-10", other_member)

    votes.mark_helpful(voters[9], post=answer)

    assert earned("helpful-10", other_member)


def test_helpful_votes_on_a_removed_post_or_from_a_banned_voter_do_not_count(other_member, question, answer):
    voters = members(10)
    for voter in voters:
        votes.mark_helpful(voter, post=answer)
    User.objects.filter(pk=voters[0].pk).update(is_active=False)
    assert not earned("helpful-10", other_member)

    User.objects.filter(pk=voters[0].pk).update(is_active=True)
    post_services.delete_post(other_member, post=answer)

    assert not earned("helpful-10", other_member)


def test_helpful_votes_from_newcomers_at_trust_level_zero_do_not_count(other_member, answer):
    voters = members(9)
    newcomer = build_member(username="newcomer", trust_level=User.TrustLevel.NEW)
    for voter in [*voters, newcomer]:
        votes.mark_helpful(voter, post=answer)
    assert Post.objects.get(pk=answer.pk).helpful_count == 10
    assert not earned("helpful-10", other_member)

    # Once the newcomer has earned some trust, their vote is worth as much as anyone's.
    User.objects.filter(pk=newcomer.pk).update(trust_level=User.TrustLevel.BASIC)

    assert earned("helpful-10", other_member)


@pytest.mark.parametrize(("badge", "needed"), [("helpful-50", 50), ("helpful-250", 250)])
def test_very_helpful_and_pillar_need_their_number_of_votes(other_member, answer, badge, needed):
    many_helpful_votes(answer, needed - 1)
    assert not earned(badge, other_member)

    many_helpful_votes(answer, 1)

    assert earned(badge, other_member)


# Ideas ----------------------------------------------------------------------------------


def test_visionary_is_earned_when_the_team_ships_your_idea(member, staff, category):
    idea = build_thread(member, category=category, kind="idea", title="Let bulbs follow the sunset")
    thread_services.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.PLANNED)
    assert not earned("idea-shipped", member)

    thread_services.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.SHIPPED)

    assert earned("idea-shipped", member)


def test_supporter_needs_ten_idea_votes(member, other_member, category):
    ideas = [
        build_thread(member, category=category, kind="idea", title=f"An idea worth voting for {i}") for i in range(10)
    ]
    for idea in ideas[:9]:
        votes.vote_idea(other_member, thread=idea)
    assert not earned("idea-supporter", other_member)

    votes.vote_idea(other_member, thread=ideas[9])

    assert earned("idea-supporter", other_member)


# Flags, the FAQ and time ------------------------------------------------------------------


def test_good_flagger_needs_ten_upheld_flags(other_member, moderator, category):
    spammer = build_member(username="spammer")
    upheld_flags(other_member, moderator, spammer, 9, category=category)
    upheld_flags(other_member, moderator, spammer, 3, category=category, uphold=False)
    assert Flag.objects.filter(flagger=other_member, outcome=Flag.Outcome.DECLINED).count() == 3
    assert not earned("good-flagger", other_member)

    upheld_flags(other_member, moderator, spammer, 1, category=category)

    assert earned("good-flagger", other_member)


def _faq_entry(member, answer, *, event_id="faq-event-1"):
    """The ledger row the FAQ writes when it promotes an answer into article `answer.pk`."""
    return ledger.faq_promoted(member.pk, article_id=answer.pk, event_id=event_id)


def test_in_the_faq_is_earned_when_the_faq_records_a_promotion(other_member, answer):
    assert not earned("faq-promoted", other_member)

    _faq_entry(other_member, answer)

    assert earned("faq-promoted", other_member)


def test_in_the_faq_is_not_earned_by_a_promotion_that_was_reversed(other_member, answer):
    _faq_entry(other_member, answer)
    ledger.reverse(
        ledger.from_source(PointsEntry.Source.ARTICLE, answer.pk), cause=PointsEntry.Cause.UNDONE, event_id="faq-2"
    )

    assert not earned("faq-promoted", other_member)


def test_one_year_member_is_earned_a_year_after_joining(member):
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=364))
    assert not earned("one-year", member)

    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=366))

    assert earned("one-year", member)
