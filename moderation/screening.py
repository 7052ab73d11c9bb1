"""The verdict on a member's write, asked for by community services before they save it.

This is the one place `community` calls into `moderation`, so it takes plain
values (ids, trust level, text) and imports only Django, `accounts` and this
app's own models. A verdict either lets the text through (perhaps censored),
holds it for review, or refuses it with a message the author can act on.
Limits are counted in the shared cache, so they hold across every process.
While the cache is unreachable they are counted from the member's own rows in
the database instead: an outage makes posting slower, never unlimited.
Duplicates are always looked for among the member's saved posts, so only
text that was actually posted counts.
"""

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from moderation.models import ContentFilter

logger = logging.getLogger(__name__)

FILTERS_KEY = "moderation:filters"
CENSORED = "■■■"
# Bare addresses and Markdown links alike: what a spammer would post.
LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


class RateLimited(ValidationError):
    """Refused for now; `retry_after` says in how many seconds the member may try again.

    A limit is about the member, not about what they wrote, so it names no
    field unless the caller's form has one the limit really concerns.
    """

    def __init__(self, message: str, retry_after: int, field: str | None = None):
        super().__init__({field: message} if field else message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Verdict:
    text: str
    hold: str = ""  # why the write waits for a moderator; empty means publish now

    @property
    def held(self) -> bool:
        return bool(self.hold)


ACTIONS = {"post": "reply", "thread": "start a thread", "vote": "vote", "flag": "flag"}


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 90 * 60:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minutes"
    hours = math.ceil(seconds / 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


# Where each limited action leaves rows: (model, member field, other lookups).
# Named, not imported, because community imports this module.
RECORDED_AS = {
    "post": [("community.Post", "author", {"parent__isnull": False})],
    "thread": [("community.Thread", "author", {})],
    "vote": [
        ("community.HelpfulVote", "voter", {}),
        ("community.IdeaVote", "voter", {}),
        ("community.MeToo", "member", {}),
    ],
    "flag": [("moderation.Flag", "flagger", {})],
}


def _cache_unreachable() -> bool:
    # Only the Redis cache (config/cache.py) can be unreachable; locmem never is.
    return getattr(cache, "unreachable", False)


def check_rate(*, user_id: int, trust_level: int, action: str) -> None:
    """Count one `action` by the member, or raise RateLimited if their trust level's limits are used up.

    A limit of one per N seconds is a key added for N seconds, so posts are
    truly spaced; larger counts use a fixed window counted with an atomic incr.
    When the cache can't be reached, the same limits are counted from the
    member's rows over a sliding window, which is never looser.
    """
    limits = settings.MODERATION_RATE_LIMITS.get(action, {})
    rules = limits.get(trust_level, [])
    now = time.time()
    for count, seconds in rules:
        wait = _wait_counted_in_cache(action, user_id, count, seconds, now)
        if _cache_unreachable():
            wait = _wait_counted_in_database(action, user_id, count, seconds, now)
        if not wait:
            continue
        again = f"You can {ACTIONS.get(action, action)} again in {_wait_text(wait)}."
        if count == 1:
            raise RateLimited(again, wait)
        period = "today" if seconds >= 86_400 else f"in {_wait_text(seconds)}"
        raise RateLimited(f"You have reached the limit of {count} {_noun(action, count)} {period}. {again}", wait)


def _wait_counted_in_cache(action: str, user_id: int, count: int, seconds: int, now: float) -> int:
    """Seconds until the member may act again (0: now), counting this attempt."""
    if count == 1:
        key = f"rate:{action}:{user_id}:{seconds}"
        if cache.add(key, now, seconds):
            return 0
        since = cache.get(key, now)
        return max(1, math.ceil(since + seconds - now))
    window = int(now // seconds)
    key = f"rate:{action}:{user_id}:{seconds}:{window}"
    cache.add(key, 0, seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, seconds)
        used = 1
    return 0 if used <= count else max(1, math.ceil((window + 1) * seconds - now))


def _wait_counted_in_database(action: str, user_id: int, count: int, seconds: int, now: float) -> int:
    """Seconds until the member may act again (0: now), from the rows their earlier actions left."""
    since = datetime.fromtimestamp(now - seconds, tz=UTC)
    times = []
    for label, member_field, lookups in RECORDED_AS[action]:
        rows = apps.get_model(label).objects.filter(**{member_field: user_id, "created_at__gte": since}, **lookups)
        times += [
            stamp.timestamp() for stamp in rows.order_by("-created_at").values_list("created_at", flat=True)[:count]
        ]
    if len(times) < count:
        return 0
    # Another is allowed once the count-th newest has left the window.
    oldest_counted = sorted(times, reverse=True)[count - 1]
    return max(1, math.ceil(oldest_counted + seconds - now))


def _noun(action: str, count: int) -> str:
    nouns = {"post": "replies", "thread": "threads", "vote": "votes", "flag": "flags"}
    return nouns.get(action, "actions")


def active_filters() -> list[tuple[str, bool, str, str]]:
    """(pattern, is_regex, action, message) for every active filter, cached until one changes."""
    filters = cache.get(FILTERS_KEY)
    if filters is None:
        filters = list(
            ContentFilter.objects.filter(is_active=True).values_list("pattern", "is_regex", "action", "message")
        )
        cache.set(FILTERS_KEY, filters, 60 * 60)
    return filters


def forget_filters() -> None:
    """Called after a filter changes, so the next write reads the new list."""
    cache.delete(FILTERS_KEY)


@lru_cache(maxsize=512)
def compile_filter(pattern: str, is_regex: bool) -> re.Pattern:
    if is_regex:
        return re.compile(pattern, re.IGNORECASE)
    # A plain word matches whole words only, so "ass" does not catch "class".
    return re.compile(rf"(?<!\w){re.escape(pattern)}(?!\w)", re.IGNORECASE)


def screen_text(*, text: str, field: str = "body") -> Verdict:
    """Apply the content filters: block raises, censor rewrites, hold marks the verdict."""
    hold = ""
    for pattern, is_regex, action, message in active_filters():
        try:
            matcher = compile_filter(pattern, is_regex)
        except re.error:
            # The admin refuses such patterns; one saved some other way must not stop all posting.
            logger.warning("Skipping content filter with an invalid pattern: %r", pattern)
            continue
        if not matcher.search(text):
            continue
        if action == ContentFilter.Action.BLOCK:
            raise ValidationError({field: message or "This contains words that aren't allowed here."})
        if action == ContentFilter.Action.CENSOR:
            text = matcher.sub(CENSORED, text)
        elif not hold:
            hold = f"Matched the filter “{pattern}”"
    return Verdict(text=text, hold=hold)


def screen_post(
    *,
    author_id: int,
    trust_level: int,
    exempt: bool,
    text: str,
    action: str,
    field: str = "body",
) -> Verdict:
    """The verdict on a new reply (action "post") or thread ("thread") before it is saved.

    `exempt` is for moderators and staff, whom no limit or hold applies to.
    Order matters: the checks a member can fix come first, and the rate limit
    is counted last, so a refused attempt doesn't use up the allowance.
    Only a content filter's refusal names `field`: the link limit, a repeat
    and the rate limit are rules about the member's posting, not a fault in
    the text, so a form shows them above itself rather than on the field.
    """
    if exempt:
        return Verdict(text=text)
    limit = settings.MODERATION_LINK_LIMITS.get(trust_level)
    if limit is not None and len(LINK.findall(text)) > limit:
        raise ValidationError(f"New members can post at most {limit} link{'s' if limit != 1 else ''} at a time.")
    verdict = screen_text(text=text, field=field)
    _refuse_duplicate(author_id, verdict.text)
    check_rate(user_id=author_id, trust_level=trust_level, action=action)
    if not verdict.held and trust_level < settings.MODERATION_PREMODERATE_BELOW:
        verdict = Verdict(text=verdict.text, hold="Posted by a new member")
    return verdict


def _refuse_duplicate(author_id: int, text: str) -> None:
    """Refuse a text the member already has a saved post of, from the last few minutes.

    Only saved posts count: an attempt refused after this check (by the rate
    limit, or a transaction that rolls back) reserves nothing, so resending it
    once the limit has passed goes through. Two identical posts sent at the
    same instant both pass here; the rate limit, counted atomically in the
    cache, is what spaces them.
    """
    seconds = settings.MODERATION_DUPLICATE_SECONDS
    if not seconds:
        return
    digest = _digest(text)
    since = datetime.fromtimestamp(time.time() - seconds, tz=UTC)
    recent = apps.get_model("community.Post").objects.filter(author=author_id, created_at__gte=since)
    if any(_digest(body) == digest for body in recent.values_list("body", flat=True)):
        raise ValidationError(f"You posted this same text in the last {_wait_text(seconds)}.")


def _digest(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).casefold().encode()).hexdigest()[:32]
