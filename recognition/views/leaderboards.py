"""The leaderboards: who helped most this week, this month and all time, overall or in one category."""

import time

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from community import caching
from recognition import selectors
from recognition.views.shared import render_people

# Boards are cached for a minute, keyed by period, category and the staff toggle (and the window's
# start, so a new week starts empty at once). Points arrive with every vote and accept all over the
# site, so no version could key a board's scores without being bumped by nearly every write; a board
# a minute behind is as good as a live one, and the viewer's own standing beside it is always read
# fresh. Who is shown is another matter: the site-wide list version, which moves whenever a member's
# name, picture, rank or markers change (community.caching), keys the board too, so those show at once.
LEADERBOARD_SECONDS = 60


def _time_slot(request, *args, **kwargs) -> str:
    return f"{int(time.time()) // LEADERBOARD_SECONDS}:{caching.list_version()}"


def _categories() -> list[dict]:
    def build():
        return [{"slug": slug, "label": label, "ids": ids} for slug, label, ids in selectors.category_choices()]

    return caching.remember("recognition:leaderboard-categories", build, LEADERBOARD_SECONDS)


def _board(period: str, category: dict | None, include_staff: bool) -> dict:
    start = selectors.period_start(period)
    key = ":".join(
        (
            "recognition:leaderboard",
            period,
            category["slug"] if category else "",
            str(int(include_staff)),
            start.isoformat() if start else "",
            str(caching.list_version()),
        )
    )

    def build():
        members = selectors.leaderboard(
            period, category_ids=category["ids"] if category else None, include_staff=include_staff
        )
        rows, position, previous = [], 0, None
        for n, member in enumerate(members, start=1):
            # Equal scores share a place (1, 2, 2, 4).
            if member.score != previous:
                position, previous = n, member.score
            rows.append({"position": position, "member": member, "score": member.score})
        html = render_to_string("recognition/partials/leaderboard_rows.html", {"rows": rows, "period": period})
        return {"html": html, "ids": [row["member"].pk for row in rows]}

    return caching.remember(key, build, LEADERBOARD_SECONDS)


@require_safe
@caching.anonymous_page(_time_slot, seconds=LEADERBOARD_SECONDS)
def leaderboard(request):
    period = request.GET.get("period")
    period = period if period in selectors.PERIODS else "week"
    include_staff = request.GET.get("staff") == "1"
    categories = _categories()
    category = next((c for c in categories if c["slug"] == request.GET.get("category")), None)
    board = _board(period, category, include_staff)
    viewer = request.user
    standing = None
    if viewer.is_authenticated and viewer.pk not in board["ids"]:
        standing = selectors.standing(
            viewer, period, category_ids=category["ids"] if category else None, include_staff=include_staff
        )
    start = selectors.period_start(period)
    context = {
        "period": period,
        "category": category,
        "include_staff": include_staff,
        "board_size": len(board["ids"]),
    }

    def shared():
        return {
            **context,
            "periods": selectors.PERIODS,
            "points": settings.RECOGNITION_POINTS,
            "period_label": selectors.PERIODS[period],
            "categories": categories,
            "board_html": mark_safe(board["html"]),  # noqa: S308 - our own template's output
        }

    key = ":".join(
        (
            "leaderboard",
            period,
            category["slug"] if category else "",
            str(int(include_staff)),
            start.isoformat() if start else "",
        )
    )
    return render_people(
        request,
        "recognition/leaderboard.html",
        key=key,
        shared=shared,
        personal={**context, "standing": standing, "on_board": viewer.is_authenticated and viewer.pk in board["ids"]},
    )
