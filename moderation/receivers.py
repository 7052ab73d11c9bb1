"""Moderation's reactions to community events, run inside the writing transaction."""

from accounts.models import User
from community import events
from community.models import Post, PostRevision
from moderation import audit
from moderation.models import ReviewItem
from moderation.services.feedback import tell_member


def on_event(sender, event, **kwargs):
    if isinstance(event, events.PostHeld):
        hold_for_review(event)
    elif isinstance(event, events.PostDeleted) and event.actor_id != event.author_id:
        removed_by_moderator(event)
    elif isinstance(event, events.PostEdited):
        edited_by_someone_else(event)


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


def edited_by_someone_else(event: events.PostEdited) -> None:

    post = Post.objects.select_related("thread").get(pk=event.post_id)
    if post.author_id == event.editor_id:
        return
    before = PostRevision.objects.filter(post=post, number=event.revision).values_list("body", flat=True).first()
    audit.post_edited(User.objects.get(pk=event.editor_id), post, reason="", before_body=before or "")
