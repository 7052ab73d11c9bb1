"""A member's reputation over time, drawn as a small SVG on the server.

The chart is plain numbers and dates (no user text), built into a dict the
cache may hold and the template draws; the same figures fill the table that
screen readers read instead of the picture.
"""

import datetime
import math
from collections.abc import Iterable

WIDTH = 480
HEIGHT = 180
# Room for the value labels on the left and the date labels below.
LEFT = 44
RIGHT = 8
TOP = 12
BOTTOM = 28
DAILY_UP_TO = 62  # days shown day by day; longer histories by week, then by month
WEEKLY_UP_TO = 7 * 80


def _bucket_start(day: datetime.date, bucket: str) -> datetime.date:
    if bucket == "week":
        return day - datetime.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next(day: datetime.date, bucket: str) -> datetime.date:
    if bucket == "week":
        return day + datetime.timedelta(days=7)
    if bucket == "month":
        return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return day + datetime.timedelta(days=1)


def _nice_step(span: int, ticks: int = 4) -> int:
    raw = max(span / ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return max(int(factor * magnitude), 1)
    return int(10 * magnitude)


def _label(day: datetime.date, bucket: str) -> str:
    if bucket == "month":
        return day.strftime("%b %Y")
    return f"{day.day} {day.strftime('%b %Y')}"


def reputation_chart(days: Iterable[tuple[datetime.date, int]], today: datetime.date) -> dict | None:
    """The chart of a running total of `days` (points gained per day, oldest first) up to `today`; None if empty."""
    days = list(days)
    if not days:
        return None
    first = days[0][0]
    span = (today - first).days
    bucket = "day" if span <= DAILY_UP_TO else "week" if span <= WEEKLY_UP_TO else "month"

    # Running total at the end of each bucket, from the bucket before the first points (at zero) to today's.
    points: list[tuple[datetime.date, int]] = []
    start = _bucket_start(first, bucket)
    end = _bucket_start(today, bucket)
    total, index = 0, 0
    cursor = start
    while cursor <= end:
        following = _next(cursor, bucket)
        while index < len(days) and days[index][0] < following:
            total += days[index][1]
            index += 1
        points.append((cursor, total))
        cursor = following
    before = start - (_next(start, bucket) - start)
    points.insert(0, (before, 0))

    values = [value for _, value in points]
    low, high = min(0, *values), max(*values, 10)
    step = _nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(n: int) -> float:
        return round(LEFT + plot_w * n / (len(points) - 1), 1)

    def y(value: int) -> float:
        return round(TOP + plot_h * (high - value) / (high - low), 1)

    coords = [(x(n), y(value)) for n, (_, value) in enumerate(points)]
    line = "M" + " L".join(f"{cx},{cy}" for cx, cy in coords)
    baseline = y(max(low, 0))
    area = f"{line} L{coords[-1][0]},{baseline} L{coords[0][0]},{baseline} Z"
    y_ticks = [{"y": y(value), "label": f"{value:,}"} for value in range(low, high + 1, step)]
    label_at = sorted({0, len(points) // 2, len(points) - 1})
    last = len(points) - 1
    x_ticks = [
        {
            "x": x(n),
            "label": _label(points[n][0], bucket),
            "anchor": "start" if n == 0 else "end" if n == last else "middle",
        }
        for n in label_at
    ]
    best_day, best = max(days, key=lambda day: day[1])
    now = values[-1]
    summary = f"Reputation over time, by {bucket}: {now:,} points now, starting from 0 on {_label(first, 'day')}." + (
        f" The best day was {_label(best_day, 'day')}, with {best:+,} points." if best > 0 else ""
    )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bucket": bucket,
        "line": line,
        "area": area,
        "last": {"x": coords[-1][0], "y": coords[-1][1]},
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - 8,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "summary": summary,
        # The table names only the buckets where the total moved, and where it stands now.
        "rows": [
            {"label": _label(day, bucket), "value": value}
            for n, (day, value) in enumerate(points)
            if n > 0 and (value != points[n - 1][1] or n == last)
        ],
    }
