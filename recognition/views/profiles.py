"""A member's public profile: who they are, what they earned, and what they wrote that the reader may see."""

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
    last_line = selectors.last_points_id(member)
    if last_line is None:
        return None
    today = timezone.localdate()
    key = f"recognition:chart:{CHART_FORMAT}:{member.pk}:{last_line}:{today.isoformat()}"
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


def _owner_key(username: str) -> str:
    return f"recognition:profile-member:{username.lower()}"


def _member_id(username: str) -> int | None:
    """Whose profile a username names, remembered for as long as a profile body is kept.

    A member renamed, banned or deactivated within that time moves to a new
    profile version, so their old page is not served; it is rendered again,
    which finds the username's true owner (or nobody: 404), and remembers them.
    """
    member_id = cache.get(_owner_key(username))
    if member_id is None:
        member = selectors.profile_member(username)
        if member is None:
            return None
        member_id = member.pk
        cache.set(_owner_key(username), member_id, BODY_SECONDS)
    return member_id


def _body_key(member_id: int, tab: str, page: int) -> str:
    """What the shared profile body is made of: the member's profile version (community.caching moves it
    whenever anything the profile shows about them changes), the day, the tab and the page."""
    version = caching.member_version(caching.PROFILE, member_id)
    parts = (member_id, version, timezone.localdate().isoformat(), tab, page)
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
    """The shared profile's key, so a visitor's whole page is as exact as a member's, read from the cache alone."""
    member_id = _member_id(username)
    return None if member_id is None else _body_key(member_id, *_tab_and_page(request))


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

    key = _body_key(member.pk, tab, page)
    if getattr(request, "page_version", None) is not None:
        # A visitor's copy is stored under its owner's version, and the name remembered as theirs, in the
        # page's round trip: the owner found here, not the one remembered if the name has changed hands since.
        request.page_version = key
        caching.store(_owner_key(username), member.pk, BODY_SECONDS)

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
        key=key,
        seconds=BODY_SECONDS,
    )
