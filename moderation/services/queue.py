"""Moderators decide on review items: approve, dismiss the flags, hide or remove the post.

Each decision resolves the item, settles its flags (helpful or declined) and
writes one audit entry, in one transaction. Hiding and removing also write to
the author, in a conversation they can answer to appeal.

Lock order, shared with every write to a thread: the thread row first, then
the review item. `set_review` and `delete_post` take the thread again (already
held) and then the post. Two moderators deciding one item queue up on those
locks; the second finds the item resolved and is told by whom.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from community.models import Post, Review, Thread
from community.services import posts as community_posts
from community.services.review import set_review
from moderation import audit, events, permissions
from moderation.models import AuditEntry, Flag, ReviewItem
from moderation.services.feedback import tell_member

Action = AuditEntry.Action


class ItemHandled(ValidationError):
    """Another moderator resolved the item first."""


class ItemClaimed(ValidationError):
    """Another moderator claimed the item, and their claim still runs."""


class ItemGone(ValidationError):
    """The item was deleted with its post."""


def claim_until(item: ReviewItem):
    if item.claimed_at is None:
        return None
    return item.claimed_at + timedelta(seconds=settings.MODERATION_CLAIM_SECONDS)


def claim_is_active(item: ReviewItem) -> bool:
    until = claim_until(item)
    return bool(item.claimed_by_id and until and until > timezone.now())


def _item_id(item: ReviewItem | int) -> int:
    return item if isinstance(item, int) else item.pk


def _lock_item(item_id: int, *, thread: bool = True) -> ReviewItem:
    """Lock the item (and first its thread, when the decision will write to the thread)."""
    thread_id = ReviewItem.objects.filter(pk=item_id).values_list("post__thread_id", flat=True).first()
    if thread_id is None:
        raise ItemGone("That item is no longer in the queue.")
    if thread:
        Thread.objects.select_for_update().filter(pk=thread_id).first()
    # No select_related here: after waiting for the lock, PostgreSQL re-reads the locked row but
    # not the rows joined to it, so a claimer or resolver joined in would be the stale one.
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise ItemGone("That item is no longer in the queue.")
    return item


def _check_open(actor, item: ReviewItem) -> None:
    if not permissions.can_review(actor, item.category):
        raise PermissionDenied("You don't moderate this category.")
    if item.status != ReviewItem.Status.OPEN:
        by = item.resolved_by.name if item.resolved_by else "another moderator"
        if item.resolved_by_id == actor.pk:
            by = "you"
        raise ItemHandled(f"Already handled by {by}: {item.get_resolution_display().lower()}.")


def _check_claim(actor, item: ReviewItem) -> None:
    if item.claimed_by_id != actor.pk and claim_is_active(item):
        until = timezone.localtime(claim_until(item))
        who = item.claimed_by.name if item.claimed_by else "Another moderator"
        raise ItemClaimed(f"{who} is handling this item. It is theirs until {until:%H:%M}.")


def _check_decision(actor, item: ReviewItem | int) -> tuple[ReviewItem, Post]:
    """Lock the thread row, then the item row (select_for_update); then check: in scope, open, not claimed."""
    item = _lock_item(_item_id(item))
    _check_open(actor, item)
    _check_claim(actor, item)
    post = Post.objects.select_related("thread", "author").get(pk=item.post_id)
    return item, post


def _state(post: Post) -> dict:
    return {"review": post.review, "is_deleted": post.is_deleted}


def _resolve(
    actor,
    item: ReviewItem,
    post: Post,
    *,
    resolution: str,
    outcome: str,
    action: str,
    reason: str,
    before: dict,
) -> ReviewItem:
    moment = timezone.now()
    item.status = ReviewItem.Status.RESOLVED
    item.resolution, item.resolved_by, item.resolved_at = resolution, actor, moment
    item.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    pending = list(item.flags.filter(outcome=Flag.Outcome.PENDING).values_list("pk", "flagger_id"))
    item.flags.filter(pk__in=[pk for pk, _ in pending]).update(outcome=outcome, resolved_at=moment)
    for flag_id, flagger_id in pending:
        events.publish(
            events.FlagResolved(
                flag_id=flag_id,
                post_id=post.pk,
                thread_id=post.thread_id,
                flagger_id=flagger_id,
                outcome=outcome,
                actor_id=actor.pk,
            )
        )
    post.refresh_from_db(fields=["review", "is_deleted"])
    audit.post_reviewed(actor, post, action=action, reason=reason, before=before, after=_state(post))
    events.queue_changed(item.category_id)
    return item


def _tell_author(actor, post: Post, *, removed: bool, was_pending: bool, reason: str) -> None:
    """Tell the author what happened, why, and that answering the message is how to appeal."""
    if post.author_id == actor.pk:
        return
    title = post.thread.title
    what = "thread" if post.is_opening else "reply"
    if was_pending:
        subject = f"Your {what} in “{title}” wasn't published"
        opening = f"A moderator read your new {what} in “{title}” and decided not to publish it."
    elif removed:
        subject = f"Your {what} in “{title}” was removed"
        opening = f"A moderator removed your {what} in “{title}”."
    else:
        subject = f"Your {what} in “{title}” was hidden"
        opening = (
            f"A moderator hid your {what} in “{title}”. You and the moderators can still see it; other members can't."
        )
    body = "\n\n".join(
        [
            opening,
            f"**Why:** {reason or 'It does not follow the community guidelines.'}",
            "If you think this was a mistake, reply to this message: replying here is how you appeal. "
            "The team reads every reply and will tell you what they decide.",
        ]
    )
    # The author hears of the decision itself (PostReviewed, PostDeleted), with the reason.
    tell_member(actor, member=post.author, subject=subject, body=body, announce=False)


def claim_item(actor, *, item: ReviewItem | int) -> ReviewItem:
    """Take an item, so for MODERATION_CLAIM_SECONDS no other moderator acts on it.

    Locks the item row (select_for_update). Claiming again renews one's own claim;
    someone else's claim can be taken over once it has run out.
    """
    with transaction.atomic():
        item = _lock_item(_item_id(item), thread=False)
        _check_open(actor, item)
        _check_claim(actor, item)
        item.claimed_by, item.claimed_at = actor, timezone.now()
        item.save(update_fields=["claimed_by", "claimed_at"])
        audit.item_claimed(actor, Post.objects.select_related("thread").get(pk=item.post_id))
    return item


def release_item(actor, *, item: ReviewItem | int) -> ReviewItem:
    """Give a claimed item back to the queue. Locks the item row (select_for_update)."""
    with transaction.atomic():
        item = _lock_item(_item_id(item), thread=False)
        _check_open(actor, item)
        if item.claimed_by_id != actor.pk:
            raise ValidationError("Only the moderator who claimed this item can release it.")
        item.claimed_by, item.claimed_at = None, None
        item.save(update_fields=["claimed_by", "claimed_at"])
    return item


def approve_post(actor, *, item: ReviewItem | int, reason: str = "") -> ReviewItem:
    """Publish the post (a held, pending or hidden one) and decline its flags."""
    with transaction.atomic():
        item, post = _check_decision(actor, item)
        if post.is_deleted:
            raise ValidationError("This post was removed, so it can't be approved. Dismiss the flags instead.")
        before = _state(post)
        set_review(post, review=Review.PUBLISHED, actor=actor, reason=reason)
        return _resolve(
            actor,
            item,
            post,
            resolution=ReviewItem.Resolution.APPROVED,
            outcome=Flag.Outcome.DECLINED,
            action=Action.POST_APPROVED,
            reason=reason,
            before=before,
        )


def dismiss_flags(actor, *, item: ReviewItem | int, reason: str = "") -> ReviewItem:
    """Decline the flags; a post the flags hid is published again."""
    with transaction.atomic():
        item, post = _check_decision(actor, item)
        if item.is_pending or post.review == Review.PENDING:
            raise ValidationError("This post is waiting for approval: approve it or remove it.")
        before = _state(post)
        if item.auto_hidden and post.review == Review.HIDDEN and not post.is_deleted:
            set_review(post, review=Review.PUBLISHED, actor=actor, reason=reason)
        return _resolve(
            actor,
            item,
            post,
            resolution=ReviewItem.Resolution.DISMISSED,
            outcome=Flag.Outcome.DECLINED,
            action=Action.FLAGS_DISMISSED,
            reason=reason,
            before=before,
        )


def hide_post(actor, *, item: ReviewItem | int, reason: str = "") -> ReviewItem:
    """Hide the post from everyone but its author and the moderators; the flags were helpful."""
    with transaction.atomic():
        item, post = _check_decision(actor, item)
        if post.is_deleted:
            raise ValidationError("This post was already removed. Remove it here to settle the flags.")
        before = _state(post)
        set_review(post, review=Review.HIDDEN, actor=actor, reason=reason)
        item = _resolve(
            actor,
            item,
            post,
            resolution=ReviewItem.Resolution.HIDDEN,
            outcome=Flag.Outcome.HELPFUL,
            action=Action.POST_HIDDEN,
            reason=reason,
            before=before,
        )
        _tell_author(actor, post, removed=False, was_pending=before["review"] == Review.PENDING, reason=reason)
    return item


def remove_post(actor, *, item: ReviewItem | int, reason: str = "") -> ReviewItem:
    """Soft-delete the post (rejecting it, if it was held); the flags were helpful."""
    with transaction.atomic():
        item, post = _check_decision(actor, item)
        before = _state(post)
        if not post.is_deleted:
            thread, post = community_posts.lock_post(post)
            community_posts.do_delete_post(actor, post=post, thread=thread, reason=reason)
        item = _resolve(
            actor,
            item,
            post,
            resolution=ReviewItem.Resolution.DELETED,
            outcome=Flag.Outcome.HELPFUL,
            action=Action.POST_DELETED,
            reason=reason,
            before=before,
        )
        if not before["is_deleted"]:
            _tell_author(actor, post, removed=True, was_pending=before["review"] == Review.PENDING, reason=reason)
    return item


DECISIONS = {
    "approve": approve_post,
    "dismiss": dismiss_flags,
    "hide": hide_post,
    "delete": remove_post,
}


def decide_item(actor, *, item: ReviewItem | int, action: str, reason: str = "") -> ReviewItem:
    """One of DECISIONS by name, as the queue's buttons send it."""
    if action not in DECISIONS:
        raise ValidationError({"action": "Choose what to do with this item."})
    return DECISIONS[action](actor, item=item, reason=reason)


@dataclass
class BulkOutcome:
    done: list[ReviewItem] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def decide_items(actor, *, item_ids: list[int], action: str, reason: str = "") -> BulkOutcome:
    """Apply one decision to many items, each in its own transaction and with its own audit entry.

    An item that can't be decided (already handled, claimed by someone else,
    out of the moderator's categories, gone) is skipped with the reason.
    """
    if not permissions.can_view_queue(actor):
        raise PermissionDenied("Only moderators can act on the review queue.")
    if action not in DECISIONS:
        raise ValidationError({"action": "Choose what to do with the selected items."})
    outcome = BulkOutcome()
    for pk in item_ids:
        try:
            outcome.done.append(DECISIONS[action](actor, item=pk, reason=reason))
        except (PermissionDenied, ItemGone):
            outcome.skipped.append((pk, "not in your queue"))
        except ValidationError as error:
            outcome.skipped.append((pk, " ".join(error.messages)))
    return outcome
