from django.db import transaction

from community import counters, events
from community.models import Post, Review
from community.services._common import lock_thread


def set_review(post: Post, *, review: str, actor=None, reason: str = "") -> Post:
    """Publish, hold or hide a post (for a thread's opening post, the whole thread).

    Moderation decides and checks permission; this keeps the counters, which
    count only published posts, and the page versions right. `actor` and
    `reason` travel with the event, so the author can be told who and why.
    Locks the thread row (select_for_update), like every other write to a thread.
    """
    with transaction.atomic():
        thread = lock_thread(post.thread_id)
        post = Post.objects.select_for_update().get(pk=post.pk)
        old = post.review
        if old == review:
            return post
        post.review = review
        post.save(update_fields=["review"])
        if post.is_opening:
            counters.thread_reviewed(thread, review)
        elif not post.is_deleted and Review.PUBLISHED in (old, review):
            if review == Review.PUBLISHED:
                counters.reply_became_visible(thread)
            else:
                counters.reply_left_view(thread)
        events.publish(
            events.PostReviewed(
                thread_id=thread.pk,
                post_id=post.pk,
                author_id=post.author_id,
                old_review=old,
                new_review=review,
                actor_id=actor.pk if actor else None,
                reason=reason,
            )
        )
    return post
