"""Deciding review items: each decision resolves the item, settles its flags and writes one audit entry."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Post, Review, Thread
from community.services.posts import delete_post
from moderation.models import AuditEntry, ContentFilter, Conversation, Flag, MemberNote, ReviewItem, Sanction
from moderation.screening import forget_filters
from moderation.selectors import queue_items, reviewable_categories
from moderation.services import posts as moderation_posts
from moderation.services import queue
from moderation.services.flags import flag_post
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db

DECISIONS = ["approve", "dismiss", "hide", "delete"]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100


def reviewed_entries():
    return AuditEntry.objects.exclude(action__in=[AuditEntry.Action.ITEM_CLAIMED, AuditEntry.Action.POST_AUTO_HIDDEN])


def outcomes(item):
    return set(Flag.objects.filter(item=item).values_list("outcome", flat=True))


def suspended(user):
    user.suspended_until = timezone.now() + timedelta(days=3)
    user.save(update_fields=["suspended_until"])
    return user


def banned(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


# Each decision ---------------------------------------------------------------------


def test_approving_a_held_post_publishes_it(moderator, pending):
    item = queue.approve_post(moderator, item=pending, reason="Welcome!")

    post = Post.objects.get(pk=pending.post_id)
    assert post.review == Review.PUBLISHED and Thread.objects.get(pk=post.thread_id).review == Review.PUBLISHED
    assert (item.status, item.resolution, item.resolved_by) == ("resolved", "approved", moderator)
    assert item.resolved_at is not None
    entry = reviewed_entries().get()
    assert (entry.action, entry.actor, entry.target_id, entry.reason) == (
        "post_approved",
        moderator,
        post.pk,
        "Welcome!",
    )
    assert entry.before == {"review": "pending", "is_deleted": False}
    assert entry.after == {"review": "published", "is_deleted": False}
    assert not Conversation.objects.exists()


def test_approving_a_flagged_post_declines_its_flags(moderator, flagged):
    queue.approve_post(moderator, item=flagged)

    assert outcomes(flagged) == {Flag.Outcome.DECLINED}
    assert Flag.objects.filter(item=flagged, resolved_at__isnull=True).count() == 0


def test_dismissing_declines_flags_and_keeps_the_post(moderator, flagged):
    item = queue.dismiss_flags(moderator, item=flagged)

    assert item.resolution == ReviewItem.Resolution.DISMISSED
    assert outcomes(flagged) == {Flag.Outcome.DECLINED}
    assert Post.objects.get(pk=flagged.post_id).review == Review.PUBLISHED
    assert reviewed_entries().get().action == AuditEntry.Action.FLAGS_DISMISSED


def test_dismissing_restores_a_post_the_flags_hid(settings, moderator, question, answer):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 3
    flag_post(build_member(trust_level=3), post=answer, reason=Flag.Reason.SPAM)
    item = ReviewItem.objects.get(post=answer)
    assert Post.objects.get(pk=answer.pk).review == Review.HIDDEN

    queue.dismiss_flags(moderator, item=item)

    assert Post.objects.get(pk=answer.pk).review == Review.PUBLISHED
    assert Thread.objects.get(pk=question.pk).reply_count == 1
    entry = reviewed_entries().get()
    assert entry.before["review"] == "hidden" and entry.after["review"] == "published"


def test_dismissing_a_held_post_is_refused(moderator, pending):
    with pytest.raises(ValidationError, match="waiting for approval"):
        queue.dismiss_flags(moderator, item=pending)

    assert ReviewItem.objects.get(pk=pending.pk).status == ReviewItem.Status.OPEN


def test_hiding_upholds_flags_and_tells_the_author_how_to_appeal(moderator, other_member, flagged):
    item = queue.hide_post(moderator, item=flagged, reason="This looks like spam.")

    assert item.resolution == ReviewItem.Resolution.HIDDEN
    assert Post.objects.get(pk=flagged.post_id).review == Review.HIDDEN
    assert outcomes(flagged) == {Flag.Outcome.HELPFUL}
    assert reviewed_entries().get().action == AuditEntry.Action.POST_HIDDEN
    conversation = Conversation.objects.get(member=other_member)
    message = conversation.messages.get()
    assert "hidden" in conversation.subject
    assert "This looks like spam." in message.body and "appeal" in message.body and message.from_staff


def test_removing_soft_deletes_upholds_flags_and_tells_the_author(moderator, other_member, question, flagged):
    item = queue.remove_post(moderator, item=flagged, reason="Spam.")

    post = Post.objects.get(pk=flagged.post_id)
    assert post.is_deleted and post.deleted_by == moderator
    assert item.resolution == ReviewItem.Resolution.DELETED
    assert outcomes(flagged) == {Flag.Outcome.HELPFUL}
    entry = reviewed_entries().get()
    assert entry.action == AuditEntry.Action.POST_DELETED and entry.after["is_deleted"] is True
    assert Thread.objects.get(pk=question.pk).reply_count == 0
    assert "removed" in Conversation.objects.get(member=other_member).subject


def test_rejecting_a_held_post_removes_it_and_says_it_wasnt_published(moderator, pending):
    queue.remove_post(moderator, item=pending)

    post = Post.objects.get(pk=pending.post_id)
    assert post.is_deleted
    conversation = Conversation.objects.get(member=post.author)
    assert "wasn't published" in conversation.subject and "appeal" in conversation.messages.get().body


def test_removing_a_post_the_flags_hid_keeps_the_counters_right(settings, moderator, category, question, answer):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 3
    build_reply(build_member(), question.opening_post, body="A second, fine answer")
    flag_post(build_member(trust_level=3), post=answer, reason=Flag.Reason.SPAM)

    queue.remove_post(moderator, item=ReviewItem.objects.get(post=answer))

    assert Thread.objects.get(pk=question.pk).reply_count == 1
    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 2)


def test_a_moderator_removing_a_flagged_post_from_the_thread_settles_its_item(moderator, flagged):
    moderation_posts.remove_post(moderator, post=Post.objects.get(pk=flagged.post_id))

    item = ReviewItem.objects.get(pk=flagged.pk)
    assert (item.status, item.resolution, item.resolved_by) == ("resolved", "deleted", moderator)
    assert outcomes(flagged) == {Flag.Outcome.HELPFUL}
    assert reviewed_entries().count() == 1  # the thread-page removal's own entry


def test_a_post_its_author_removed_can_be_settled_but_not_approved(moderator, other_member, flagged):
    delete_post(other_member, post=Post.objects.get(pk=flagged.post_id))

    with pytest.raises(ValidationError, match="removed"):
        queue.approve_post(moderator, item=flagged)
    with pytest.raises(ValidationError, match="already removed"):
        queue.hide_post(moderator, item=flagged)
    queue.remove_post(moderator, item=flagged)

    assert outcomes(flagged) == {Flag.Outcome.HELPFUL}
    assert not Conversation.objects.exists()  # the author removed it; there is nothing to tell


def test_decide_item_dispatches_by_name(moderator, flagged):
    with pytest.raises(ValidationError):
        queue.decide_item(moderator, item=flagged, action="explode")

    assert queue.decide_item(moderator, item=flagged.pk, action="hide").resolution == "hidden"


# Second decisions, claims ------------------------------------------------------------


@pytest.mark.parametrize("decision", DECISIONS)
def test_a_resolved_item_says_who_handled_it_and_nothing_changes(decision, moderator, flagged):
    queue.hide_post(moderator, item=flagged)
    second = build_moderator(display_name="Sam Second")
    before = list(Flag.objects.filter(item=flagged).values_list("outcome", "resolved_at"))

    with pytest.raises(queue.ItemHandled, match="Already handled by Mona Berg: hidden"):
        queue.decide_item(second, item=flagged, action=decision)

    assert ReviewItem.objects.get(pk=flagged.pk).resolved_by == moderator
    assert list(Flag.objects.filter(item=flagged).values_list("outcome", "resolved_at")) == before
    assert reviewed_entries().count() == 1


def test_claiming_keeps_others_off_the_item(moderator, flagged):
    queue.claim_item(moderator, item=flagged)
    other = build_moderator(display_name="Otto Other")

    for decision in DECISIONS:
        with pytest.raises(queue.ItemClaimed, match="Mona Berg is handling this item"):
            queue.decide_item(other, item=flagged, action=decision)
    with pytest.raises(queue.ItemClaimed):
        queue.claim_item(other, item=flagged)

    item = ReviewItem.objects.get(pk=flagged.pk)
    assert item.status == ReviewItem.Status.OPEN and item.claimed_by == moderator
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ITEM_CLAIMED).count() == 1


def test_the_claimer_and_unclaimed_items_can_be_acted_on(moderator, flagged, pending):
    queue.claim_item(moderator, item=flagged)

    queue.dismiss_flags(moderator, item=flagged)
    queue.approve_post(build_moderator(), item=pending)

    assert ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count() == 0


def test_a_claim_runs_out(settings, moderator, flagged):
    queue.claim_item(moderator, item=flagged)
    ReviewItem.objects.filter(pk=flagged.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.MODERATION_CLAIM_SECONDS + 1)
    )
    other = build_moderator()

    queue.claim_item(other, item=flagged)
    queue.hide_post(other, item=flagged)

    assert ReviewItem.objects.get(pk=flagged.pk).resolved_by == other


def test_releasing_a_claim(moderator, flagged):
    queue.claim_item(moderator, item=flagged)
    with pytest.raises(ValidationError):
        queue.release_item(build_moderator(), item=flagged)

    queue.release_item(moderator, item=flagged)

    assert ReviewItem.objects.get(pk=flagged.pk).claimed_by is None
    queue.hide_post(build_moderator(), item=flagged)


# The wrong actor -----------------------------------------------------------------------


@pytest.fixture
def wrong_actors(db):
    elsewhere = build_category(name="Elsewhere")
    return {
        "member": build_member(),
        "moderator elsewhere": build_moderator(category=elsewhere),
        "suspended member": suspended(build_member()),
        "banned member": banned(build_member()),
        "banned moderator": banned(build_moderator()),
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("decision", [*DECISIONS, "claim"])
def test_the_wrong_actor_is_refused_and_nothing_changes(decision, wrong_actors, flagged, pending):
    for name, actor in wrong_actors.items():
        for item in (flagged, pending):
            with pytest.raises(PermissionDenied):
                if decision == "claim":
                    queue.claim_item(actor, item=item)
                else:
                    queue.decide_item(actor, item=item, action=decision)
            fresh = ReviewItem.objects.get(pk=item.pk)
            assert (fresh.status, fresh.claimed_by_id) == ("open", None), name

    assert not AuditEntry.objects.exists()
    assert outcomes(flagged) == {Flag.Outcome.PENDING}
    assert Post.objects.get(pk=flagged.post_id).review == Review.PUBLISHED
    assert Post.objects.get(pk=pending.post_id).review == Review.PENDING
    assert not Post.objects.filter(is_deleted=True).exists()
    assert not Conversation.objects.exists()


def test_a_category_moderator_decides_items_in_its_subcategories(category, member):
    child = build_category(name="Schedules", parent=category)
    thread = build_thread(member, category=child, title="A question in a subcategory")
    flag_post(build_member(), post=thread.opening_post, reason=Flag.Reason.SPAM)

    queue.hide_post(build_moderator(category=category), item=ReviewItem.objects.get())

    assert Post.objects.get(pk=thread.opening_post_id).review == Review.HIDDEN


# Bulk ----------------------------------------------------------------------------------


def test_bulk_decides_each_item_and_reports_the_skipped(moderator, flagged, pending, category, member):
    done_before = build_thread(member, category=category, title="Already handled thread")
    flag_post(build_member(), post=done_before.opening_post, reason=Flag.Reason.SPAM)
    handled = ReviewItem.objects.get(post=done_before.opening_post)
    queue.dismiss_flags(moderator, item=handled)
    elsewhere = build_category(name="Elsewhere")
    outside = build_thread(member, category=elsewhere, title="A thread somewhere else")
    flag_post(build_member(), post=outside.opening_post, reason=Flag.Reason.SPAM)
    out_of_scope = ReviewItem.objects.get(post=outside.opening_post)
    scoped = build_moderator(category=category)

    outcome = queue.decide_items(
        scoped, item_ids=[flagged.pk, pending.pk, handled.pk, out_of_scope.pk, 999_999], action="hide", reason="Spam."
    )

    assert [item.pk for item in outcome.done] == [flagged.pk, pending.pk]
    skipped = dict(outcome.skipped)
    assert "Already handled by Mona Berg" in skipped[handled.pk]
    assert skipped[out_of_scope.pk] == skipped[999_999] == "not in your queue"
    assert ReviewItem.objects.get(pk=out_of_scope.pk).status == ReviewItem.Status.OPEN
    assert reviewed_entries().filter(actor=scoped).count() == 2


def test_bulk_dismiss_skips_held_posts(moderator, flagged, pending):
    outcome = queue.decide_items(moderator, item_ids=[flagged.pk, pending.pk], action="dismiss")

    assert [item.pk for item in outcome.done] == [flagged.pk]
    assert "waiting for approval" in dict(outcome.skipped)[pending.pk]


def test_bulk_by_a_member_is_refused(member, flagged):
    with pytest.raises(PermissionDenied):
        queue.decide_items(member, item_ids=[flagged.pk], action="hide")


# The queue's reads --------------------------------------------------------------------


def test_queue_filters_by_category_reason_and_hold(moderator, member, category, flagged, pending):
    ContentFilter.objects.create(pattern="casino", action=ContentFilter.Action.HOLD)
    forget_filters()
    filtered_thread = build_thread(member, category=category, title="Best casino bonus", body="casino")
    filtered = ReviewItem.objects.get(post=filtered_thread.opening_post)
    child = build_category(name="Schedules", parent=category)
    other = build_category(name="Elsewhere")
    in_child = build_thread(member, category=child, title="A question in a subcategory")
    flag_post(build_member(), post=in_child.opening_post, reason=Flag.Reason.ABUSE)
    in_other = build_thread(member, category=other, title="A question somewhere else")
    flag_post(build_member(), post=in_other.opening_post, reason=Flag.Reason.ABUSE)

    def ids(**filters):
        return {item.post_id for item in queue_items(moderator, **filters)}

    assert len(ids()) == 5
    assert ids(reason="spam") == {flagged.post_id}
    assert ids(reason="other") == {flagged.post_id}
    assert ids(reason="abuse") == {in_child.opening_post_id, in_other.opening_post_id}
    assert ids(reason="pending") == {pending.post_id}
    assert ids(reason="filtered") == {filtered.post_id}
    assert ids(category=category) == {flagged.post_id, pending.post_id, filtered.post_id, in_child.opening_post_id}
    assert ids(category=other) == {in_other.opening_post_id}
    scoped = build_moderator(category=other)
    assert {item.post_id for item in queue_items(scoped)} == {in_other.opening_post_id}
    assert list(reviewable_categories(scoped)) == [other]
    assert not queue_items(member).exists() and not reviewable_categories(member).exists()


def test_queue_rows_carry_the_authors_record(moderator, other_member, question, flagged):
    earlier = build_reply(other_member, question.opening_post, body="An earlier reply, also spam")
    flag_post(build_member(), post=earlier, reason=Flag.Reason.SPAM)
    queue.hide_post(moderator, item=ReviewItem.objects.get(post=earlier))
    Sanction.objects.create(member=other_member, kind=Sanction.Kind.WARNING, reason="Spam", created_by=moderator)
    MemberNote.objects.create(member=other_member, author=moderator, body="Posts shop links.")

    row = queue_items(moderator).get()

    assert row.pk == flagged.pk
    assert (row.author_posts, row.author_upheld_flags, row.author_sanctions) == (2, 1, 1)
    assert [note.body for note in row.post.author.moderator_notes.all()] == ["Posts shop links."]
    assert [flag.reason for flag in row.flags.all()] == ["spam", "other"]
