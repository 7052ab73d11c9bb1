from typing import Any

from django.db import transaction
from django.db.models import F

from community import events
from community.counters import touch_category, touch_thread
from community.models import Post, Review
from community.services._common import lock_thread


def set_review(post: Post, *, review: str) -> Post:
    """Publish, hold or hide a post (for a thread's opening post, the whole thread).

    Moderation decides and checks permission; this keeps the counters, which
    count only published posts, and the page versions right. Locks the thread
    row (select_for_update), like every other write to a thread.
    """
    with transaction.atomic():
        thread = lock_thread(post.thread_id)
        post = Post.objects.select_for_update().get(pk=post.pk)
        old = post.review
        if old == review:
            return post
        post.review = review
        post.save(update_fields=["review"])
        delta = int(review == Review.PUBLISHED) - int(old == Review.PUBLISHED)
        changes: dict[str, Any] = {}
        if post.is_opening:
            changes["review"] = review
            if delta and not thread.is_deleted:
                touch_category(
                    thread.category_id,
                    thread_count=F("thread_count") + delta,
                    post_count=F("post_count") + delta * (thread.reply_count + 1),
                )
        elif delta and not post.is_deleted:
            changes["reply_count"] = F("reply_count") + delta
            touch_category(thread.category_id, post_count=F("post_count") + delta)
        else:
            touch_category(thread.category_id)
        touch_thread(thread, **changes)
        events.publish(
            events.PostReviewed(
                thread_id=thread.pk, post_id=post.pk, author_id=post.author_id, old_review=old, new_review=review
            )
        )
    return post
