"""Moderation's reactions to community events, run inside the writing transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

from accounts.models import User
from community import events
from community.models import Post, PostRevision
from moderation import audit
from moderation.models import Flag, ReviewItem
from moderation.services.feedback import tell_member
from outbox import bus

# Posts whose removal the running moderation service records and announces itself, with the
# moderator's reason (a review queue decision), so removed_by_moderator doesn't do it twice.
_removals_recorded_by_caller: ContextVar[frozenset[int]] = ContextVar(
    "removals_recorded_by_caller", default=frozenset()
)


@contextmanager
def removal_recorded_by_caller(post_id: int) -> Iterator[None]:
    """Within this block, removing `post_id` writes no audit entry or message here: the caller writes its own."""
    token = _removals_recorded_by_caller.set(_removals_recorded_by_caller.get() | {post_id})
    try:
        yield
    finally:
        _removals_recorded_by_caller.reset(token)


def connect() -> None:
    # In the writing transaction: a held post must never miss the queue.
    bus.subscribe(events.PostHeld, hold_for_review, in_transaction=True)
    bus.subscribe(events.PostDeleted, removed_by_moderator, in_transaction=True)
    bus.subscribe(events.PostEdited, edited_by_someone_else, in_transaction=True)


def hold_for_review(event: events.PostHeld) -> ReviewItem:
    """A held post joins the queue; a filter's hold names the filter, pre-moderation doesn't."""
    post = Post.objects.get(pk=event.post_id)
    item, _ = ReviewItem.objects.get_or_create(
        post=post,
        status=ReviewItem.Status.OPEN,
        defaults={"category_id": event.category_id},
    )
    item.is_pending = True
    if event.reason.startswith("Matched"):
        item.held_by = event.reason[:200]
    item.save(update_fields=["is_pending", "held_by"])
    return item


def removed_by_moderator(event: events.PostDeleted) -> None:
    """Someone else removed a member's post: record it, and tell the author why and how to appeal."""
    if event.actor_id == event.author_id or event.post_id in _removals_recorded_by_caller.get():
        return
    post = Post.objects.select_related("thread", "author").get(pk=event.post_id)
    actor = User.objects.get(pk=event.actor_id)
    audit.post_reviewed(
        actor, post, action=audit.Action.POST_DELETED, before={"removed": False}, after={"removed": True}
    )
    what = "thread" if post.is_opening else "reply"
    tell_member(
        actor,
        member=post.author,
        subject=f"Your {what} in “{post.thread.title}” was removed",
        body=(
            f"A moderator removed your {what} in “{post.thread.title}” because it didn't fit the community's "
            "guidelines.\n\nIf you think this was a mistake, reply to this message: that is how to appeal, "
            "and the team will look at it again."
        ),
    )
    settle_review_item(post, actor)


def settle_review_item(post: Post, actor) -> None:
    """A moderator removed the post outside the queue: its open item is done, and its flags were right.

    Runs under the thread lock that delete_post holds, so it takes the item's
    lock in the same order as the queue's decisions do (thread, then item).
    """
    item = ReviewItem.objects.select_for_update().filter(post=post, status=ReviewItem.Status.OPEN).first()
    if item is None:
        return
    moment = timezone.now()
    item.status, item.resolution = ReviewItem.Status.RESOLVED, ReviewItem.Resolution.DELETED
    item.resolved_by, item.resolved_at = actor, moment
    item.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    item.flags.filter(outcome=Flag.Outcome.PENDING).update(outcome=Flag.Outcome.HELPFUL, resolved_at=moment)


def edited_by_someone_else(event: events.PostEdited) -> None:

    post = Post.objects.select_related("thread").get(pk=event.post_id)
    if post.author_id == event.editor_id:
        return
    before = PostRevision.objects.filter(post=post, number=event.revision).values_list("body", flat=True).first()
    audit.post_edited(User.objects.get(pk=event.editor_id), post, reason="", before_body=before or "")
