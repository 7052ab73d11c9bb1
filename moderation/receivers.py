"""Moderation's reactions to community events, run inside the writing transaction.

Only what must never be lost lives here: a held post joins the review queue.
Moderators' actions write their own audit records in their services.
"""

from community import events
from community.models import Post
from moderation import events as moderation_events
from moderation.models import ReviewItem
from outbox import bus


def connect() -> None:
    # In the writing transaction: a held post must never miss the queue.
    bus.subscribe(events.PostHeld, hold_for_review, in_transaction=True)


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
    moderation_events.queue_changed(item.category_id)
    return item
