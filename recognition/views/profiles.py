"""A member's public profile: who they are, what they earned, and what they wrote that the reader may see."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from community import caching, permissions
from recognition import charts, selectors

TABS = {"threads": "Threads", "answers": "Answers and replies"}
# Part of the chart's cache key: a change to how the chart is drawn never serves one drawn the old way.
CHART_FORMAT = 1
CHART_SECONDS = 24 * 60 * 60
# The profile body is keyed by everything it shows (see _body_key), so this only bounds what no key
# names: a category renamed in a profile's "top categories", say.
BODY_SECONDS = 5 * 60
MAX_PAGE = 1000


def _chart(member) -> dict | None:
    """The reputation chart, built once per new ledger line (and per day, as its last point is today).

    Keyed by the member's newest ledger line: any points written, reversals
    included, give a new key, so the chart is never older than the ledger.
    """
    if member.last_points_id is None:
        return None
    today = timezone.localdate()
    key = f"recognition:chart:{CHART_FORMAT}:{member.pk}:{member.last_points_id}:{today.isoformat()}"
    chart = cache.get(key)
    if chart is None:
        chart = charts.reputation_chart(selectors.reputation_by_day(member), today)
        cache.set(key, chart, CHART_SECONDS)
    return chart


def _page_number(request) -> int:
    # Capped, so made-up page numbers can't fill the cache with copies of the last page.
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1


def _body_key(member, tab: str, page: int) -> str:
    """What the shared profile body is made of: the member's shown fields, ledger, badges and posts, and the day."""
    shown = repr([getattr(member, name) for name in selectors.PROFILE_FIELDS]).encode()
    parts = (
        member.pk,
        hashlib.sha256(shown).hexdigest()[:16],
        member.last_points_id,
        member.last_award_id,
        member.award_count,
        member.post_count,
        member.threads_version,
        timezone.localdate().isoformat(),
        tab,
        page,
    )
    return "recognition:profile:" + ":".join(str(part) for part in parts)


def _body(viewer, member, tab: str, page_number: int, *, is_self: bool) -> str:
    threads = selectors.visible_threads_by(viewer, member)
    replies = selectors.visible_replies_by(viewer, member)
    if tab == "threads":
        page = Paginator(threads, selectors.PROFILE_THREADS_PER_PAGE).get_page(page_number)
        counts = {"threads": page.paginator.count, "answers": replies.count()}
    else:
        page = Paginator(replies, selectors.PROFILE_POSTS_PER_PAGE).get_page(page_number)
        counts = {"threads": threads.count(), "answers": page.paginator.count}
    accepted = selectors.accepted_answers_by(viewer, member)
    held = selectors.badges_held(member)
    return render_to_string(
        "recognition/partials/profile_body.html",
        {
            "member": member,
            "is_self": is_self,
            "SITE_NAME": settings.SITE_NAME,
            "chart": _chart(member),
            "badges_by_tier": held,
            "badge_count": sum(badge.count for tier in held.values() for badge in tier),
            "accepted": list(accepted[: selectors.ACCEPTED_SHOWN]),
            "accepted_count": accepted.count(),
            "tabs": [(key, label, counts[key]) for key, label in TABS.items()],
            "counts": counts,
            "tab": tab,
            "page_obj": page,
            "top_categories": selectors.top_categories(viewer, member),
            "activity": selectors.recent_activity(viewer, member),
        },
    )


def _tab_and_page(request) -> tuple[str, int]:
    tab = request.GET.get("tab")
    return (tab if tab in TABS else "threads"), _page_number(request)


def _visitors_version(request, username) -> str | None:
    """The shared profile's key, so a visitor's whole page is as exact as a member's: one query."""
    member = selectors.profile_member(username)
    return None if member is None else _body_key(member, *_tab_and_page(request))


@require_safe
@caching.anonymous_page(_visitors_version, seconds=BODY_SECONDS)
def profile(request, username):
    member = selectors.profile_member(username)
    if member is None:
        raise Http404("No such member")
    viewer = request.user
    tab, page = _tab_and_page(request)
    is_self = permissions.is_member(viewer) and viewer.pk == member.pk
    if is_self or permissions.is_moderator(viewer):
        # The member sees their own held posts, moderators those in their categories: theirs alone.
        body = _body(viewer, member, tab, page, is_self=is_self)
        return render(request, "recognition/profile.html", {"member": member, "body": mark_safe(body)})  # noqa: S308 - our own template's output

    # Everyone else sees what visitors see, so they share one rendering.
    def shared():
        body = _body(None, member, tab, page, is_self=False)
        return {"member": member, "body": mark_safe(body)}  # noqa: S308 - our own template's output

    return caching.render_shared(
        request,
        "recognition/profile.html",
        shared=shared,
        # The mute button's region (notifications) names the member too.
        personal={"member": member},
        key=_body_key(member, tab, page),
        seconds=BODY_SECONDS,
    )
