"""Members flag posts; enough weight of flags hides a post until a moderator decides."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from community.models import Post, Review, Thread
from community.permissions import can_view_post, is_moderator
from community.services.review import set_review
from moderation import audit, events, permissions, screening
from moderation.models import Flag, ReviewItem

ALREADY_FLAGGED = "You have already flagged this post. A moderator will look at it."
AUTO_HIDE_REASON = "Several members flagged it, so it is hidden until a moderator looks at it."


def flag_weight(user, *, thread: Thread) -> int:
    """How much one flag by `user` counts: moderators of the thread's category count most."""
    if is_moderator(user, thread.category):
        return settings.MODERATION_MODERATOR_FLAG_WEIGHT
    return settings.MODERATION_FLAG_WEIGHTS.get(user.trust_level, 1)


def clean_flag(*, reason: str, text: str) -> tuple[str, str]:
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": "Choose a reason."})
    text = " ".join((text or "").split())
    if reason in Flag.NEEDS_TEXT and not text:
        raise ValidationError({"text": "Say what a moderator should look at."})
    limit: int = Flag._meta.get_field("text").max_length or 0
    if len(text) > limit:
        raise ValidationError({"text": f"Keep it under {limit} characters (it has {len(text)})."})
    return reason, text


def flag_post(actor, *, post: Post, reason: str, text: str = "") -> Flag:
    """Flag `post` once, putting it in the review queue; hide it when the pending flags weigh enough.

    Locks the thread row (select_for_update) first, as every write to a thread
    does, then the post's open review item, so flags on one post are counted
    one after another and the auto-hide threshold is crossed exactly once.
    The daily flag allowance is counted last, so a refused flag doesn't use it up.
    """
    reason, text = clean_flag(reason=reason, text=text)
    with transaction.atomic():
        # Only the thread row: flags need not queue behind every write to the category.
        thread = Thread.objects.select_for_update(of=("self",)).select_related("category").get(pk=post.thread_id)
        post = Post.objects.get(pk=post.pk)
        # Visibility first: a refusal's reason would tell a stranger what state the post is in.
        if not can_view_post(actor, post, thread):
            raise PermissionDenied("That post isn't there any more.")
        if refusal := permissions.flag_refusal(actor, post, thread):
            raise PermissionDenied(refusal)
        if Flag.objects.filter(post=post, flagger=actor).exists():
            raise ValidationError(ALREADY_FLAGGED)
        screening.check_rate(user_id=actor.pk, trust_level=actor.trust_level, action="flag")
        weight = flag_weight(actor, thread=thread)
        item = _open_item(post, thread)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    item=item, post=post, flagger=actor, reason=reason, text=text, weight=weight
                )
        except IntegrityError:
            raise ValidationError(ALREADY_FLAGGED) from None
        ReviewItem.objects.filter(pk=item.pk).update(flag_weight=F("flag_weight") + weight)
        item.refresh_from_db(fields=["flag_weight"])
        # An open item's flags are all pending: flags are decided together with their item.
        if (
            item.flag_weight >= settings.MODERATION_AUTO_HIDE_WEIGHT
            and post.review == Review.PUBLISHED
            and not post.is_deleted
        ):
            set_review(post, review=Review.HIDDEN, reason=AUTO_HIDE_REASON)
            item.auto_hidden = True
            item.save(update_fields=["auto_hidden"])
            audit.post_auto_hidden(post, weight=item.flag_weight)
        events.queue_changed(item.category_id)
    return flag


def flag_thread(actor, *, thread: Thread, reason: str, text: str = "") -> Flag:
    """A thread is flagged through its opening post."""
    if thread.opening_post is None:
        raise ValidationError("That thread was merged into another one; flag that one instead.")
    return flag_post(actor, post=thread.opening_post, reason=reason, text=text)


def _open_item(post: Post, thread: Thread) -> ReviewItem:
    """The post's open review item, locked; created if there is none.

    The unique constraint on open items settles a race between two first
    flags (or a flag and a hold): the loser's insert fails and it takes the
    winner's row instead.
    """
    item = ReviewItem.objects.select_for_update().filter(post=post, status=ReviewItem.Status.OPEN).first()
    if item is not None:
        return item
    try:
        with transaction.atomic():
            return ReviewItem.objects.create(post=post, category_id=thread.category_id)
    except IntegrityError:
        return ReviewItem.objects.select_for_update().get(post=post, status=ReviewItem.Status.OPEN)
