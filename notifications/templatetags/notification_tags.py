import functools

from django import template
from django.urls import get_script_prefix, reverse

from community import caching
from notifications import selectors

register = template.Library()


@functools.cache
def _list_url(script_prefix: str) -> str:
    return reverse("notifications:list")


@register.simple_tag(takes_context=True)
def notification_bell(context, user) -> dict:
    """The header bell: where it leads and how many are unread, counted once per change to the member's inbox.

    On a shared page (community.caching.render_shared) the count comes with the page's own cache read.
    """
    # A short life bounds what no event announces (a thread deleted with its notifications).
    count = caching.member_remember(
        caching.INBOX,
        user.pk,
        caching.BELL,
        lambda: selectors.unread_count(user),
        fetched=context.get(caching.PREFETCHED),
    )
    shown = f"{selectors.UNREAD_SHOWN}+" if count > selectors.UNREAD_SHOWN else str(count)
    return {"url": _list_url(get_script_prefix()), "count": count, "shown": shown}


@register.simple_tag
def mutes(user, member) -> bool:
    """Whether the signed-in `user` muted `member` (for the profile's mute button)."""
    return selectors.mutes(user, member)
