"""A member's public profile: who they are, what they earned, and what they wrote that the reader may see."""

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from recognition import charts, selectors

TABS = {"threads": "Threads", "answers": "Answers and replies"}
# Part of the chart's cache key: a change to how the chart is drawn never serves one drawn the old way.
CHART_FORMAT = 1
CHART_SECONDS = 24 * 60 * 60


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


def profile(request, username):
    member = selectors.profile_member(username)
    if member is None:
        raise Http404("No such member")
    viewer = request.user
    tab = request.GET.get("tab")
    tab = tab if tab in TABS else "threads"
    threads = selectors.visible_threads_by(viewer, member)
    replies = selectors.visible_replies_by(viewer, member)
    if tab == "threads":
        page = Paginator(threads, selectors.PROFILE_THREADS_PER_PAGE).get_page(request.GET.get("page"))
        counts = {"threads": page.paginator.count, "answers": replies.count()}
    else:
        page = Paginator(replies, selectors.PROFILE_POSTS_PER_PAGE).get_page(request.GET.get("page"))
        counts = {"threads": threads.count(), "answers": page.paginator.count}
    accepted = selectors.accepted_answers_by(viewer, member)
    held = selectors.badges_held(member)
    return render(
        request,
        "recognition/profile.html",
        {
            "member": member,
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
