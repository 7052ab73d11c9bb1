"""The points ledger: what each action earns, how undoing it appends a reversal, and that the ledger
is append-only, idempotent, written in the action's transaction, and agrees with reputation."""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import override_settings

from accounts.events import ProfileChanged
from accounts.models import User
from community import events
from community.models import Post, Thread
from community.services import posts, threads, votes
from moderation.models import ReviewItem
from moderation.services import flags, queue, sanctions, spam
from moderation.services import posts as moderation_posts
from outbox import bus
from recognition import ledger, receivers, tasks
from recognition.models import PointsEntry, SuperUserChange
from tests.builders import build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db

Reason = PointsEntry.Reason


def reputation(user) -> int:
    return User.objects.values_list("reputation", flat=True).get(pk=user.pk)


def reasons(user) -> list[tuple[str, int]]:
    return sorted(PointsEntry.objects.filter(member=user).values_list("reason", "amount"))


@pytest.fixture
def voters(db):
    return [build_member(username=f"voter{n}") for n in range(6)]


# Earning ------------------------------------------------------------------------


def test_accepting_an_answer_gives_the_answerer_15_and_the_asker_2(member, other_member, question, answer):
    posts.accept_answer(member, post=answer)

    assert (reputation(other_member), reputation(member)) == (15, 2)
    entry = PointsEntry.objects.get(member=other_member)
    assert (entry.reason, entry.source_type, entry.source_id, entry.actor_id) == (
        Reason.ANSWER_ACCEPTED,
        "post",
        answer.pk,
        member.pk,
    )
    assert entry.category_id == question.category_id


def test_staff_accepting_gives_the_answerer_points_but_nobody_the_askers_two(staff, member, other_member, answer):
    posts.accept_answer(staff, post=answer)

    assert (reputation(other_member), reputation(member), reputation(staff)) == (15, 0, 0)


def test_unaccepting_appends_reversals_and_deletes_nothing(member, other_member, question, answer):
    posts.accept_answer(member, post=answer)
    posts.unaccept_answer(member, thread=question)

    assert (reputation(other_member), reputation(member)) == (0, 0)
    rows = list(PointsEntry.objects.order_by("pk"))
    assert [row.amount for row in rows] == [15, 2, -15, -2]
    assert [row.reverses_id for row in rows[2:]] == [rows[0].pk, rows[1].pk]
    assert {row.cause for row in rows[2:]} == {PointsEntry.Cause.UNDONE}


def test_accepting_another_answer_moves_the_points(member, other_member, question, answer):
    third = build_member(username="third")
    better = build_reply(third, question.opening_post, body="Update the firmware first.")
    posts.accept_answer(member, post=answer)

    posts.accept_answer(member, post=better)

    assert (reputation(other_member), reputation(third), reputation(member)) == (0, 15, 2)


def test_a_helpful_vote_gives_10_on_a_reply_and_5_on_a_question(member, other_member, question, answer, voters):
    votes.mark_helpful(voters[0], post=answer)
    votes.mark_helpful(voters[0], post=question.opening_post)

    assert (reputation(other_member), reputation(member)) == (10, 5)
    assert reasons(member) == [(Reason.HELPFUL_QUESTION, 5)]


def test_unvoting_takes_the_vote_back_and_voting_again_earns_it_again(other_member, answer, voters):
    votes.mark_helpful(voters[0], post=answer)
    votes.unmark_helpful(voters[0], post=answer)
    assert reputation(other_member) == 0

    votes.mark_helpful(voters[0], post=answer)

    assert reputation(other_member) == 10
    assert PointsEntry.objects.filter(member=other_member).count() == 3


def test_unvoting_takes_back_only_that_voters_points(other_member, answer, voters):
    votes.mark_helpful(voters[0], post=answer)
    votes.mark_helpful(voters[1], post=answer)

    votes.unmark_helpful(voters[0], post=answer)

    assert reputation(other_member) == 10
    assert PointsEntry.objects.live().get(member=other_member).actor_id == voters[1].pk


def test_idea_votes_give_2_and_shipping_the_idea_20(staff, other_member, category, voters):
    idea = build_thread(other_member, category=category, kind="idea", title="Dim every bulb at sunset")
    votes.vote_idea(voters[0], thread=idea)
    votes.vote_idea(voters[1], thread=idea)
    votes.vote_idea(voters[1], thread=idea, on=False)
    threads.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.PLANNED)
    assert reputation(other_member) == 2

    threads.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.SHIPPED)
    assert reputation(other_member) == 22

    threads.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.IN_PROGRESS)
    assert reputation(other_member) == 2


def test_an_upheld_flag_gives_its_flagger_2_and_a_declined_one_nothing(member, other_member, question, moderator):
    rude = build_reply(other_member, question.opening_post, body="What a silly question.")
    fine = build_reply(other_member, question.opening_post, body="Check the fuse.")
    flags.flag_post(member, post=rude, reason="abuse")
    flags.flag_post(member, post=fine, reason="spam")

    queue.hide_post(moderator, item=ReviewItem.objects.get(post=rude), reason="Rude")
    queue.dismiss_flags(moderator, item=ReviewItem.objects.get(post=fine))

    assert reasons(member) == [(Reason.FLAG_UPHELD, 2)]


def test_faq_promotion_gives_25_once_per_event(other_member, staff):
    ledger.faq_promoted(other_member.pk, article_id=7, event_id="a" * 32, actor_id=staff.pk)
    ledger.faq_promoted(other_member.pk, article_id=7, event_id="a" * 32, actor_id=staff.pk)

    assert reasons(other_member) == [(Reason.FAQ_PROMOTED, 25)]


# Idempotent, in the transaction -------------------------------------------------


def test_a_redelivered_event_counts_once(other_member, answer, voters):
    event = events.PostVoted(
        thread_id=answer.thread_id,
        post_id=answer.pk,
        post_author_id=other_member.pk,
        voter_id=voters[0].pk,
        helpful=True,
    )

    receivers.post_voted(event)
    receivers.post_voted(event)

    assert reasons(other_member) == [(Reason.HELPFUL_ANSWER, 10)]
    assert reputation(other_member) == 10


def test_points_roll_back_with_the_action_that_earned_them(other_member, answer, voters):
    with pytest.raises(RuntimeError), transaction.atomic():
        votes.mark_helpful(voters[0], post=answer)
        assert reputation(other_member) == 10
        raise RuntimeError("the request failed after the vote")

    assert reputation(other_member) == 0
    assert not PointsEntry.objects.exists()


def test_points_are_earned_by_an_in_transaction_subscriber():
    for event_type in (events.AnswerAccepted, events.PostVoted, events.IdeaVoted, events.PostDeleted):
        names = [s.name for s in bus.subscribers(event_type.__name__, in_transaction=True)]
        assert any(name.startswith("recognition.receivers.") for name in names), event_type


# Removal and restoration --------------------------------------------------------


def test_removing_a_post_takes_back_everything_it_earned(member, other_member, answer, voters):
    posts.accept_answer(member, post=answer)
    votes.mark_helpful(voters[0], post=answer)
    votes.mark_helpful(voters[1], post=answer)

    posts.delete_post(other_member, post=answer)

    assert (reputation(other_member), reputation(member)) == (0, 0)
    assert set(PointsEntry.objects.filter(amount__lt=0).values_list("cause", flat=True)) == {"post_removed"}


def test_removing_an_idea_takes_back_its_votes_and_shipping(staff, other_member, category, voters, moderator):
    idea = build_thread(other_member, category=category, kind="idea", title="Dim every bulb at sunset")
    votes.vote_idea(voters[0], thread=idea)
    threads.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.SHIPPED)
    assert reputation(other_member) == 22

    posts.delete_post(other_member, post=idea.opening_post)

    assert reputation(other_member) == 0


def test_undoing_a_spam_purge_gives_back_what_still_stands(member, other_member, question, answer, voters, moderator):
    posts.accept_answer(member, post=answer)
    votes.mark_helpful(voters[0], post=answer)
    votes.mark_helpful(voters[1], post=answer)
    spam.purge_spammer(moderator, member=other_member, reason="Looked like spam.")
    assert (reputation(other_member), reputation(member)) == (0, 0)
    sanctions.ban(moderator, member=voters[1], reason="Vote ring.")

    spam.unpurge_spammer(moderator, member=other_member, reason="A real customer after all.")

    # The accept came back with the answer, and so did the vote; the banned voter's didn't.
    assert (reputation(other_member), reputation(member)) == (25, 2)
    restored = PointsEntry.objects.filter(cause=PointsEntry.Cause.POST_RESTORED)
    assert sorted(restored.values_list("reason", flat=True)) == sorted(
        [Reason.ANSWER_ACCEPTED, Reason.ACCEPTED_AN_ANSWER, Reason.HELPFUL_ANSWER]
    )


def test_hiding_a_post_takes_its_points_back_and_publishing_it_again_returns_them(
    settings, member, other_member, answer, voters, moderator
):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 1
    posts.accept_answer(member, post=answer)
    votes.mark_helpful(voters[0], post=answer)

    # Members' flags hide it...
    flags.flag_post(voters[1], post=answer, reason="spam")
    assert Post.objects.get(pk=answer.pk).review == "hidden"
    assert (reputation(other_member), reputation(member)) == (0, 0)

    # ...and a moderator who finds nothing wrong publishes it again.
    queue.dismiss_flags(moderator, item=ReviewItem.objects.get(post=answer), reason="Not an advert.")
    assert (reputation(other_member), reputation(member)) == (25, 2)
    assert reputation(voters[1]) == 0  # a declined flag earns nothing


def test_a_removed_post_published_again_stays_without_points(member, other_member, answer, voters, moderator):
    votes.mark_helpful(voters[0], post=answer)
    posts.delete_post(other_member, post=answer)

    receivers.post_reviewed(events.PostReviewed(answer.thread_id, answer.pk, other_member.pk, "hidden", "published"))

    assert reputation(other_member) == 0


def test_restoring_twice_gives_the_points_back_once(member, other_member, answer, voters, moderator):
    votes.mark_helpful(voters[0], post=answer)
    deleted = events.PostDeleted(
        thread_id=answer.thread_id, post_id=answer.pk, author_id=other_member.pk, actor_id=moderator.pk
    )
    restored = events.PostRestored(
        thread_id=answer.thread_id, post_id=answer.pk, author_id=other_member.pk, actor_id=moderator.pk
    )
    receivers.post_deleted(deleted)
    receivers.post_restored(restored)
    receivers.post_restored(restored)
    receivers.post_restored(
        events.PostRestored(
            thread_id=answer.thread_id, post_id=answer.pk, author_id=other_member.pk, actor_id=moderator.pk
        )
    )
    assert reputation(other_member) == 10

    # A second removal takes back the restored points, and a second restoration returns them once more.
    receivers.post_deleted(events.PostDeleted(answer.thread_id, answer.pk, other_member.pk, moderator.pk))
    assert reputation(other_member) == 0
    receivers.post_restored(events.PostRestored(answer.thread_id, answer.pk, other_member.pk, moderator.pk))
    assert reputation(other_member) == 10


# Append-only ---------------------------------------------------------------------


@pytest.fixture
def entry(other_member, answer, voters):
    votes.mark_helpful(voters[0], post=answer)
    return PointsEntry.objects.get()


def test_an_entry_cannot_be_changed_or_deleted(entry):
    entry.amount = 1000
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_the_queryset_refuses_update_and_delete(entry):
    with pytest.raises(PermissionDenied):
        PointsEntry.objects.filter(pk=entry.pk).update(amount=1000)
    with pytest.raises(PermissionDenied):
        PointsEntry.objects.all().delete()


def test_the_database_refuses_a_raw_update(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE recognition_pointsentry SET amount = 1000 WHERE id = %s", [entry.pk])

    assert PointsEntry.objects.get(pk=entry.pk).amount == 10


def test_the_database_refuses_to_rename_who_gave_the_points(entry, member):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE recognition_pointsentry SET actor_id = %s WHERE id = %s", [member.pk, entry.pk])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's trigger refuses updates only, so `flush` keeps working"
)
def test_the_database_refuses_a_raw_delete_unless_the_account_is_being_deleted(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM recognition_pointsentry WHERE id = %s", [entry.pk])

    assert PointsEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_an_account_keeps_the_points_it_gave_and_takes_its_own(member, other_member, answer):
    accepter = build_member(username="accepter", is_staff_member=True)
    posts.accept_answer(accepter, post=answer)
    writer = build_member(username="writer")
    ledger.faq_promoted(writer.pk, article_id=3, event_id="b" * 32)
    ledger.reverse(ledger.from_source("article", 3), cause=PointsEntry.Cause.UNDONE, event_id="c" * 32)
    ledger.faq_promoted(writer.pk, article_id=4, event_id="d" * 32)

    # The points an account gave stay when it goes, no longer naming it...
    User.objects.get(pk=accepter.pk).delete()
    assert reputation(other_member) == 15
    assert PointsEntry.objects.get(member=other_member).actor_id is None

    # ...and its own entries, reversals included, go with it.
    User.objects.get(pk=writer.pk).delete()
    assert not PointsEntry.objects.filter(member_id=writer.pk).exists()


# Agreement with recount -----------------------------------------------------------


def test_reputation_agrees_with_the_ledger_after_every_kind_of_action(
    member, other_member, staff, question, answer, voters, moderator, category
):
    idea = build_thread(other_member, category=category, kind="idea", title="Dim every bulb at sunset")
    rude = build_reply(voters[2], question.opening_post, body="Nobody cares.")
    ruder = build_reply(voters[2], question.opening_post, body="Still nobody cares.")
    ring_target = [build_reply(voters[4], question.opening_post, body=f"Tip {n}.") for n in range(5)]
    steps = [
        lambda: posts.accept_answer(member, post=answer),
        lambda: votes.mark_helpful(voters[0], post=answer),
        lambda: votes.mark_helpful(voters[0], post=question.opening_post),
        lambda: votes.vote_idea(voters[1], thread=idea),
        lambda: threads.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.SHIPPED),
        lambda: flags.flag_post(member, post=rude, reason="abuse"),
        lambda: queue.hide_post(moderator, item=ReviewItem.objects.get(post=rude), reason="Rude"),
        lambda: ledger.faq_promoted(other_member.pk, article_id=1, event_id="f" * 32, actor_id=staff.pk),
        lambda: votes.unmark_helpful(voters[0], post=answer),
        lambda: votes.vote_idea(voters[1], thread=idea, on=False),
        lambda: threads.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.DECLINED),
        lambda: posts.unaccept_answer(member, thread=question),
        lambda: posts.accept_answer(member, post=answer),
        lambda: spam.purge_spammer(moderator, member=other_member, reason="Spam."),
        lambda: spam.unpurge_spammer(moderator, member=other_member, reason="Not spam."),
        lambda: flags.flag_post(member, post=ruder, reason="abuse"),
        lambda: moderation_posts.remove_post(moderator, post=ruder, reason="Rude"),
        lambda: [votes.mark_helpful(voters[3], post=reply) for reply in ring_target],
        lambda: tasks.reverse_serial_votes(),
        lambda: votes.mark_helpful(voters[5], post=question.opening_post),
        lambda: sanctions.ban(moderator, member=voters[5], reason="Vote ring."),
        lambda: posts.delete_post(other_member, post=Post.objects.get(pk=answer.pk)),
    ]
    for number, step in enumerate(steps):
        step()
        assert ledger.reputation_disagreements() == [], f"after step {number}"
    assert PointsEntry.objects.values("reason").distinct().count() == len(Reason.values)
    assert set(PointsEntry.objects.values_list("cause", flat=True)) == set(PointsEntry.Cause.values)


def test_recount_reputation_rebuilds_a_wrong_reputation_from_the_ledger(other_member, answer, voters):
    votes.mark_helpful(voters[0], post=answer)
    User.objects.filter(pk=other_member.pk).update(reputation=999)

    assert ledger.reputation_disagreements() == [(other_member.pk, 999, 10)]
    assert ledger.recount_reputation() == 1
    assert reputation(other_member) == 10


# Rank and super users --------------------------------------------------------------


def test_a_new_rank_is_announced_and_changes_the_thread_pages_key(
    django_capture_on_commit_callbacks, member, other_member, question, voters, category
):
    # Given the helper's answer in one thread, and two replies elsewhere that others find helpful
    build_reply(other_member, question.opening_post, body="Hold the button down.")
    elsewhere = build_thread(member, category=category, title="Which hub should I buy?")
    first = build_reply(other_member, elsewhere.opening_post, body="The small one.")
    second = build_reply(other_member, elsewhere.opening_post, body="Or the big one.")
    third = build_reply(other_member, elsewhere.opening_post, body="Both pair fine.")
    announced = []
    bus.subscribe(ProfileChanged, announced.append, in_transaction=True, name="test.rank")
    try:
        votes.mark_helpful(voters[0], post=first)
        votes.mark_helpful(voters[1], post=second)
        before = Thread.objects.get(pk=question.pk).version
        assert announced == []

        # When the third vote lifts them from Newcomer (0) to Contributor (25)
        with django_capture_on_commit_callbacks(execute=True):
            votes.mark_helpful(voters[2], post=third)
    finally:
        bus.unsubscribe(ProfileChanged, announced.append)

    assert [(e.member_id, e.fields) for e in announced] == [(other_member.pk, ("rank",))]
    assert Thread.objects.get(pk=question.pk).version > before


@override_settings(RECOGNITION_SUPER_USER_REPUTATION=20)
def test_reaching_the_threshold_makes_a_member_a_super_user_once(
    django_capture_on_commit_callbacks, other_member, answer, voters
):
    votes.mark_helpful(voters[0], post=answer)
    assert User.objects.get(pk=other_member.pk).super_user == ""
    announced = []
    bus.subscribe(ProfileChanged, announced.append, in_transaction=True, name="test.super_user")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            votes.mark_helpful(voters[1], post=answer)
        with django_capture_on_commit_callbacks(execute=True):
            votes.mark_helpful(voters[2], post=answer)
    finally:
        bus.unsubscribe(ProfileChanged, announced.append)

    assert (other_member.pk, ("super_user",)) in [(e.member_id, e.fields) for e in announced]
    assert [e.fields for e in announced].count(("super_user",)) == 1

    assert User.objects.get(pk=other_member.pk).super_user == User.SuperUser.EARNED
    change = SuperUserChange.objects.get()
    assert (change.member_id, change.status, change.decided_by) == (other_member.pk, "earned", None)


@override_settings(RECOGNITION_SUPER_USER_REPUTATION=10)
def test_a_member_staff_removed_does_not_become_a_super_user_again(other_member, answer, voters, staff):
    from recognition.standing import set_super_user

    set_super_user(other_member, User.SuperUser.REMOVED, decided_by=staff, note="Rude to newcomers.")

    votes.mark_helpful(voters[0], post=answer)
    votes.mark_helpful(voters[1], post=answer)

    assert User.objects.get(pk=other_member.pk).super_user == User.SuperUser.REMOVED
    assert SuperUserChange.objects.count() == 1


def test_a_moderator_upholding_their_own_flag_earns_nothing(question, other_member):
    moderator = build_moderator(username="selfmod")
    rude = build_reply(other_member, question.opening_post, body="Nobody cares.")
    flags.flag_post(moderator, post=rude, reason="abuse")

    queue.hide_post(moderator, item=ReviewItem.objects.get(post=rude), reason="Rude")

    assert reputation(moderator) == 0


def test_the_recount_reputation_command_reports_what_it_corrected(other_member, answer, voters):
    votes.mark_helpful(voters[0], post=answer)
    User.objects.filter(pk=other_member.pk).update(reputation=-3)
    out = StringIO()

    call_command("recount_reputation", stdout=out)

    assert "1 member(s) corrected" in out.getvalue()
    assert reputation(other_member) == 10
