"""Moderators (and leaders) acting on someone else's post: check, act and audit in one transaction.

Community's own `edit_post` and `delete_post` are for a post's author. These
are the only way to edit or remove another member's post outside the review
queue: each locks the thread and the post (community's `lock_post`), asks
community's permissions, calls community's mechanics, writes the audit record,
and tells the author why and how to appeal.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from community import permissions as community_permissions
from community.models import Post
from community.services import posts as community_posts
from moderation import audit, events
from moderation.models import AuditEntry, Flag, ReviewItem
from moderation.services.feedback import tell_member


def edit_post(actor, *, post: Post, body: str, title: str | None = None, reason: str = "") -> Post:
    """Edit another member's post; the audit record keeps the text it replaced."""
    body, rendered = community_posts.render_body(body)
    with transaction.atomic():
        thread, post = community_posts.lock_post(post)
        community_posts.refuse_if_unseen(actor, post, thread)
        if not community_permissions.can_edit_others_post(actor, post, thread):
            raise PermissionDenied("You can't edit this post.")
        before = post.body
        edited = community_posts.do_edit_post(
            actor, post=post, thread=thread, body=body, rendered=rendered, title=title
        )
        if edited.body != before:
            audit.post_edited(actor, edited, reason=reason, before_body=before)
    return edited


def remove_post(actor, *, post: Post, reason: str = "") -> Post:
    """Remove another member's post, settle its open review item, and tell the author why and how to appeal."""
    with transaction.atomic():
        thread, post = community_posts.lock_post(post)
        community_posts.refuse_if_unseen(actor, post, thread)
        if not community_permissions.can_remove_others_post(actor, post, thread):
            raise PermissionDenied("You can't remove this post.")
        post = community_posts.do_delete_post(actor, post=post, thread=thread, reason=reason)
        audit.post_reviewed(
            actor,
            post,
            action=AuditEntry.Action.POST_DELETED,
            reason=reason,
            before={"removed": False},
            after={"removed": True},
        )
        what = "thread" if post.is_opening else "reply"
        tell_member(
            actor,
            member=post.author,
            subject=f"Your {what} in “{thread.title}” was removed",
            body=(
                f"A moderator removed your {what} in “{thread.title}”.\n\n"
                f"**Why:** {reason or 'It does not follow the community guidelines.'}\n\n"
                "If you think this was a mistake, reply to this message: that is how to appeal, "
                "and the team will look at it again."
            ),
            # The author hears of the removal itself (PostDeleted), with the reason.
            announce=False,
        )
        _settle_review_item(post, actor)
    return post


def _settle_review_item(post: Post, actor) -> None:
    """The post's open queue item is done, and its flags were right.

    Taken under the thread lock, in the same order as the queue's decisions (thread, then item).
    """
    item = ReviewItem.objects.select_for_update().filter(post=post, status=ReviewItem.Status.OPEN).first()
    if item is None:
        return
    moment = timezone.now()
    item.status, item.resolution = ReviewItem.Status.RESOLVED, ReviewItem.Resolution.DELETED
    item.resolved_by, item.resolved_at = actor, moment
    item.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    events.queue_changed(item.category_id)
    pending = list(item.flags.filter(outcome=Flag.Outcome.PENDING).values_list("pk", "flagger_id"))
    item.flags.filter(pk__in=[pk for pk, _ in pending]).update(outcome=Flag.Outcome.HELPFUL, resolved_at=moment)
    for flag_id, flagger_id in pending:
        events.publish(
            events.FlagResolved(
                flag_id=flag_id,
                post_id=post.pk,
                thread_id=post.thread_id,
                flagger_id=flagger_id,
                outcome=Flag.Outcome.HELPFUL,
                actor_id=actor.pk,
            )
        )
