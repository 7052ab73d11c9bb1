from django.core.exceptions import PermissionDenied

from community import permissions
from community.models import Category, Subscription, Thread


def _follow(user, **target) -> Subscription:
    """Follow `target`: a muted one is watched again, as pressing Follow asks; a tracked one stays tracked."""
    subscription, _ = Subscription.objects.get_or_create(user=user, **target)
    if subscription.level == Subscription.Level.MUTED:
        subscription.level = Subscription.Level.WATCHING
        subscription.save(update_fields=["level"])
    return subscription


def follow_thread(user, *, thread: Thread) -> Subscription:
    if not permissions.is_member(user) or not permissions.can_view_thread(user, thread):
        raise PermissionDenied("Sign in to follow threads.")
    return _follow(user, thread=thread)


def unfollow_thread(user, *, thread: Thread) -> None:
    Subscription.objects.filter(user=user, thread=thread).delete()


def follow_category(user, *, category: Category) -> Subscription:
    if not permissions.is_member(user):
        raise PermissionDenied("Sign in to follow categories.")
    return _follow(user, category=category)


def unfollow_category(user, *, category: Category) -> None:
    Subscription.objects.filter(user=user, category=category).delete()


def auto_follow(user, thread: Thread) -> None:
    """Members follow what they start or reply to; runs in the caller's transaction."""
    Subscription.objects.get_or_create(user=user, thread=thread)
