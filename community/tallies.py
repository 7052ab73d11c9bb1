"""Counts gathered in the shared cache and drained in batches, so a page view never writes a row.

A count lands in the current minute's window: one `incr` per event, plus,
the first time a key is seen in a window, one slot recording which key it
was, since the cache can't list its keys. A periodic task `drain`s the
windows that have closed (one minute of margin for counts still in flight)
and its caller writes the totals in a few statements. While the cache is unreachable the
counts are lost, never the page: they are signals, not ledgers.
"""

import time

from django.core.cache import cache

# Thread pages read; the FAQ's candidate ranking drains them.
THREAD_VIEWS = "thread-views"
WINDOW_SECONDS = 60
KEEP_SECONDS = 24 * 60 * 60
MAX_WINDOWS = KEEP_SECONDS // WINDOW_SECONDS


def _window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


def _incr(key: str) -> int | None:
    try:
        return cache.incr(key)
    except ValueError:
        return None


def count(name: str, key: int | str) -> None:
    """Count one event about `key` (a thread id, a visit token) in the tally `name`."""
    prefix = f"tally:{name}:{_window()}"
    if _incr(f"{prefix}:{key}") is not None:
        return
    if not cache.add(f"{prefix}:{key}", 1, KEEP_SECONDS):
        _incr(f"{prefix}:{key}")  # another process added it first
        return
    cache.add(f"{prefix}:slots", 0, KEEP_SECONDS)
    slot = _incr(f"{prefix}:slots")
    if slot is not None:
        cache.set(f"{prefix}:slot:{slot}", key, KEEP_SECONDS)


def drain(name: str, now: float | None = None) -> dict:
    """The totals per key of every closed window not drained before; each window is drained once.

    Called by one periodic task per tally (beat runs each schedule once), so
    the mark of the last window drained needs no lock.
    """
    closed = _window(now) - 2
    mark = f"tally:{name}:drained-through"
    first = max(cache.get(mark, closed - MAX_WINDOWS), closed - MAX_WINDOWS) + 1
    windows = range(first, closed + 1)
    if not windows:
        return {}
    slot_counts = cache.get_many([f"tally:{name}:{window}:slots" for window in windows])
    slot_keys = [
        f"tally:{name}:{window}:slot:{slot}"
        for window in windows
        for slot in range(1, slot_counts.get(f"tally:{name}:{window}:slots", 0) + 1)
    ]
    keys = cache.get_many(slot_keys) if slot_keys else {}
    count_keys = {f"{slot_key.rsplit(':slot:', 1)[0]}:{key}": key for slot_key, key in keys.items()}
    totals: dict = {}
    for count_key, value in (cache.get_many(list(count_keys)) if count_keys else {}).items():
        totals[count_keys[count_key]] = totals.get(count_keys[count_key], 0) + value
    cache.set(mark, closed, KEEP_SECONDS)
    return totals
