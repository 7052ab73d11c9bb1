"""Who hears of what: the events, the rules, and delivery that happens once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from community import events
from community.models import Review, Subscription
from community.services import posts as post_services
from community.services import subscriptions, votes
from community.services import threads as thread_services
from community.services.review import set_review
from moderation.services import posts as moderation_posts
from moderation.services import sanctions
from notifications import receivers, services
from notifications.events import AudienceBatched
from notifications.models import Delivery, Kind, Notification
from outbox import bus
from outbox.models import Event
from tests.builders import build_member, build_reply, build_thread


def told(user) -> list[tuple[str, int | None]]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "post_id"))


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# Events -> notifications -------------------------------------------------------------


def test_an_answer_to_a_question_tells_the_asker(after_commit, member, other_member, question):
    answer = after_commit(build_reply, other_member, question.opening_post)

    assert told(member) == [(Kind.ANSWER, answer.pk)]
    assert told(other_member) == []


def test_a_reply_to_a_reply_tells_its_author(after_commit, member, other_member, answer):
    reply = after_commit(build_reply, member, answer, "Thanks, that worked.")

    assert told(other_member) == [(Kind.REPLY, reply.pk)]


def test_nobody_is_told_of_their_own_reply(after_commit, member, question):
    after_commit(build_reply, member, question.opening_post, "Bumping this.")

    assert told(member) == []


def test_a_mention_tells_the_member_mentioned(after_commit, member, other_member, category):
    thread = after_commit(build_thread, member, category=category, body="@olaf have you seen this?")

    assert told(other_member) == [(Kind.MENTION, thread.opening_post_id)]


def test_a_reply_in_a_watched_thread_tells_its_watchers_once_each(after_commit, member, other_member, question):
    watcher = build_member()
    subscriptions.follow_thread(watcher, thread=question)

    reply = after_commit(build_reply, other_member, question.opening_post, "@maria try this")

    # The asker is answered and mentioned, and follows her own thread: one notification, the most direct.
    assert told(member) == [(Kind.ANSWER, reply.pk)]
    assert told(watcher) == [(Kind.WATCHED_REPLY, reply.pk)]


def test_a_new_thread_tells_the_category_watchers(after_commit, member, other_member, category):
    subscriptions.follow_category(other_member, category=category)

    thread = after_commit(build_thread, member, category=category, title="Pairing a second hub")

    assert told(other_member) == [(Kind.NEW_THREAD, thread.opening_post_id)]


def test_tracking_a_thread_tells_only_what_is_addressed_to_the_member(after_commit, member, other_member, answer):
    services.set_watch_level(other_member, thread=answer.thread, level=Subscription.Level.TRACKING)
    third = build_member()

    after_commit(build_reply, third, answer.thread.opening_post, "Me too.")
    assert told(other_member) == []

    reply = after_commit(build_reply, third, answer, "Which button?")
    assert told(other_member) == [(Kind.REPLY, reply.pk)]


def test_a_muted_thread_tells_nothing_even_a_direct_reply(after_commit, member, other_member, answer):
    services.set_watch_level(other_member, thread=answer.thread, level=Subscription.Level.MUTED)

    after_commit(build_reply, member, answer, "Which button?")

    assert told(other_member) == []


def test_a_muted_category_silences_its_threads_unless_the_thread_is_watched(
    after_commit, member, other_member, category
):
    services.set_watch_level(other_member, category=category, level=Subscription.Level.MUTED)
    thread = after_commit(build_thread, member, category=category, body="@olaf have you seen this?")
    assert told(other_member) == []

    services.set_watch_level(other_member, thread=thread, level=Subscription.Level.WATCHING)
    reply = after_commit(build_reply, member, thread.opening_post, "It happens every morning.")
    assert told(other_member) == [(Kind.WATCHED_REPLY, reply.pk)]


def test_a_muted_member_is_not_heard(after_commit, member, other_member, answer):
    services.mute_member(other_member, member=member)

    after_commit(build_reply, member, answer, "@olaf which button?")

    assert told(other_member) == []


def test_a_suspended_member_hears_only_of_the_sanction(after_commit, member, other_member, moderator, answer):
    after_commit(
        sanctions.suspend,
        moderator,
        member=other_member,
        until=timezone.now() + timedelta(days=3),
        reason="Rude <b>replies</b>",
    )
    after_commit(build_reply, member, answer, "Which button?")

    notes = list(Notification.objects.filter(recipient=other_member))
    assert [(n.kind, n.detail, n.reason) for n in notes] == [(Kind.SANCTION, "suspension", "Rude <b>replies</b>")]


def test_a_reply_the_reader_cannot_see_is_not_told(member, other_member, moderator, answer):
    """Fan-out asks who can see the post when it runs: a reply hidden by then reaches only its moderators."""
    subscriptions.follow_thread(moderator, thread=answer.thread)
    reply = build_reply(member, answer, "Buy cheap watches")
    set_review(reply, review=Review.HIDDEN)
    event = events.ReplyPosted(
        thread_id=reply.thread_id,
        post_id=reply.pk,
        parent_id=answer.pk,
        author_id=member.pk,
        parent_author_id=other_member.pk,
    )

    services.notify(event, [(other_member.pk, Kind.REPLY), (moderator.pk, Kind.WATCHED_REPLY)])

    assert told(other_member) == []
    assert told(moderator) == [(Kind.WATCHED_REPLY, reply.pk)]


def test_a_held_reply_tells_its_author_and_then_its_readers_once_approved(
    after_commit, member, other_member, moderator, answer
):
    newcomer = build_member(trust_level=0)
    reply = after_commit(build_reply, newcomer, answer, "Is it the round button?")
    assert told(other_member) == []
    assert [(n.kind, n.detail) for n in Notification.objects.filter(recipient=newcomer)] == [(Kind.MODERATION, "held")]

    item = reply.review_items.get()
    from moderation.services import queue

    after_commit(queue.approve_post, moderator, item=item, reason="Welcome!")

    assert told(other_member) == [(Kind.REPLY, reply.pk)]
    approved = Notification.objects.get(recipient=newcomer, detail="approved")
    assert (approved.actor, approved.reason) == (moderator, "Welcome!")


def test_a_removed_post_tells_its_author_why(after_commit, other_member, moderator, answer):
    after_commit(moderation_posts.remove_post, moderator, post=answer, reason="Off topic")

    note = Notification.objects.get(recipient=other_member)
    assert (note.kind, note.detail, note.reason, note.actor) == (Kind.MODERATION, "removed", "Off topic", moderator)


def test_removing_ones_own_post_tells_nobody(after_commit, other_member, answer):
    after_commit(post_services.delete_post, other_member, post=answer)

    assert told(other_member) == []


def test_an_accepted_and_verified_answer_tells_its_author(after_commit, member, other_member, staff, answer):
    after_commit(post_services.accept_answer, member, post=answer)
    after_commit(post_services.verify_answer, staff, post=answer)

    assert kinds(other_member) == [Kind.ACCEPTED, Kind.VERIFIED]


def test_an_idea_status_change_tells_everyone_who_voted(after_commit, member, other_member, staff, category):
    idea = build_thread(member, category=category, kind="idea", title="Dark mode for the app")
    votes.vote_idea(other_member, thread=idea)

    after_commit(thread_services.set_idea_status, staff, thread=idea, status="planned", note="Soon")

    assert [(n.kind, n.detail) for n in Notification.objects.filter(recipient=other_member)] == [
        (Kind.STATUS, "planned")
    ]
    assert kinds(member) == [Kind.STATUS]
    assert told(staff) == []


# Delivery: batches, once, and never for a rollback ------------------------------------


def test_fan_out_runs_in_batches_and_tells_everyone(settings, after_commit, member, other_member, question):
    settings.NOTIFICATION_BATCH_SIZE = 2
    watchers = [build_member() for _ in range(5)]
    for watcher in watchers:
        subscriptions.follow_thread(watcher, thread=question)

    reply = after_commit(build_reply, other_member, question.opening_post)

    assert Notification.objects.filter(recipient__in=watchers, kind=Kind.WATCHED_REPLY).count() == 5
    # Each batch is an outbox event of its own, delivered once, so the beat's redrive would find a lost one.
    source = Event.objects.get(type="ReplyPosted", payload__post_id=reply.pk)
    batches = Event.objects.filter(type="AudienceBatched", payload__source_id=source.pk.hex)
    in_batches = [user_id for batch in batches for user_id, _ in batch.payload["audience"]]
    assert len(in_batches) == len(set(in_batches)) and {member.pk, *(w.pk for w in watchers)} <= set(in_batches)
    assert max(len(batch.payload["audience"]) for batch in batches) == 2
    assert len(batches) == -(-len(in_batches) // 2)
    assert [batch.deliveries.count() for batch in batches] == [1] * len(batches)


def test_a_batch_told_twice_tells_once(after_commit, member, other_member, question):
    answer = after_commit(build_reply, other_member, question.opening_post)
    source = Event.objects.get(type="ReplyPosted", payload__post_id=answer.pk)
    (batch,) = Event.objects.filter(type="AudienceBatched", payload__source_id=source.pk.hex)

    assert after_commit(receivers.tell, bus.rebuild(batch.type, batch.payload)) == 0
    assert Notification.objects.filter(recipient=member).count() == 1
    assert Delivery.objects.filter(event_id=source.pk.hex, recipient=member, channel="in_app").count() == 1


def test_a_batch_whose_event_was_pruned_tells_nobody(after_commit, member, other_member, question):
    source = build_reply(other_member, question.opening_post)  # in the test's transaction: nothing told yet
    (event,) = Event.objects.filter(type="ReplyPosted", payload__post_id=source.pk)
    batch = AudienceBatched(source_id=event.pk.hex, audience=((member.pk, Kind.ANSWER),))
    event.delete()

    assert after_commit(receivers.tell, batch) == 0
    assert not Notification.objects.filter(recipient=member).exists()


def test_a_rolled_back_reply_tells_nobody(after_commit, member, other_member, question):
    class Abandoned(Exception):
        pass

    def reply_then_fail():
        with transaction.atomic():
            build_reply(other_member, question.opening_post)
            raise Abandoned

    with pytest.raises(Abandoned):
        after_commit(reply_then_fail)

    assert not Notification.objects.exists()
    assert not Event.objects.filter(type="ReplyPosted").exists()


def test_a_problem_status_change_tells_everyone_who_confirmed_it(after_commit, member, other_member, staff, category):
    problem = build_thread(member, category=category, kind="problem", title="Lights flicker at 10%")
    votes.confirm_problem(other_member, thread=problem)

    after_commit(thread_services.set_problem_status, staff, thread=problem, status="known_issue")

    assert [(n.kind, n.detail) for n in Notification.objects.filter(recipient=other_member)] == [
        (Kind.STATUS, "known_issue")
    ]


def test_hiding_a_flagged_post_tells_the_flagger_and_the_author_why(
    after_commit, member, other_member, moderator, answer
):
    from moderation.services import flags, queue

    flags.flag_post(member, post=answer, reason="spam")
    item = answer.review_items.get()

    after_commit(queue.hide_post, moderator, item=item, reason="Advertising")

    flagger = Notification.objects.get(recipient=member, kind=Kind.FLAG)
    author = Notification.objects.get(recipient=other_member)
    assert (flagger.detail, flagger.actor) == ("helpful", moderator)
    assert (author.kind, author.detail, author.reason) == (Kind.MODERATION, "hidden", "Advertising")


def test_flags_that_hide_a_post_on_their_own_tell_its_author(after_commit, settings, member, other_member, answer):
    from moderation.services import flags

    settings.MODERATION_AUTO_HIDE_WEIGHT = 1

    after_commit(flags.flag_post, member, post=answer, reason="spam")

    note = Notification.objects.get(recipient=other_member)
    assert (note.kind, note.detail, note.actor) == (Kind.MODERATION, "hidden", None)
    assert note.reason == flags.AUTO_HIDE_REASON
    # The flagger hears of the flag's outcome once a moderator decides, not before.
    assert told(member) == []
