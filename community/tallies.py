"""Counts gathered in the shared cache and drained in batches, so a page view never writes a row.

A count lands in the current minute's window: one `incr` per event, plus,
the first time a key is seen in a window, one slot recording which key it
was, since the cache can't list its keys (on Redis, one script does both, for
all the counts sent at once). A periodic task `drain`s the
windows that have closed (one minute of margin for counts still in flight)
and its caller writes the totals in a few statements. While the cache is unreachable the
counts are lost, never the page: they are signals, not ledgers.

Counts made on every page view (`count_soon`) are gathered in the process
for up to `FLUSH_SECONDS` and added in one round trip, into the window open
when they are sent, so a busy page pays for no round trip of its own. A
process that dies uncleanly loses at most that last second of them.
"""

import atexit
import threading
import time

from django.core.cache import cache

from community import caching

# Thread pages read; the FAQ's candidate ranking drains them.
THREAD_VIEWS = "thread-views"
WINDOW_SECONDS = 60
KEEP_SECONDS = 24 * 60 * 60
MAX_WINDOWS = KEEP_SECONDS // WINDOW_SECONDS


def _window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


FLUSH_SECONDS = 1.0
FLUSH_KEYS = 500


def _incr(key: str, delta: int = 1) -> int | None:
    try:
        return cache.incr(key, delta)
    except ValueError:
        return None


def _incr_many(deltas: dict[str, int]) -> dict[str, int | None]:
    many = getattr(cache, "incr_many", None)
    if many is not None:
        return many(deltas)
    return {key: _incr(key, delta) for key, delta in deltas.items()}


def count(name: str, key: int | str) -> None:
    """Count one event about `key` (a thread id, a visit token) in the tally `name`, now."""
    _add({(name, key): 1})


def _add(counts: dict[tuple[str, int | str], int]) -> None:
    window = _window()
    tally_many = getattr(cache, "tally_many", None)
    if tally_many is not None:
        # Redis (config.cache): every count, and every new key's slot, in one round trip; a page's
        # own counts go in the round trip of the writes it gathers.
        windowed = {(f"tally:{name}:{window}", key): n for (name, key), n in counts.items()}
        if not caching.gather_tallies(windowed, KEEP_SECONDS):
            tally_many(windowed, KEEP_SECONDS)
        return
    keys = {f"tally:{name}:{window}:{key}": (name, key, n) for (name, key), n in counts.items()}
    found = _incr_many({count_key: n for count_key, (_name, _key, n) in keys.items()})
    for count_key, value in found.items():
        if value is None:
            name, key, n = keys[count_key]
            _start(f"tally:{name}:{window}", key, n)


def _start(prefix: str, key: int | str, n: int) -> None:
    """The first count of `key` in the window `prefix` names: note which key it was, in its next slot."""
    if not cache.add(f"{prefix}:{key}", n, KEEP_SECONDS):
        _incr(f"{prefix}:{key}", n)  # another process added it first
        return
    cache.add(f"{prefix}:slots", 0, KEEP_SECONDS)
    slot = _incr(f"{prefix}:slots")
    if slot is not None:
        cache.set(f"{prefix}:slot:{slot}", key, KEEP_SECONDS)


class _Gathered:
    """The counts this process has made with `count_soon` and not yet sent; shared by its threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, int | str], int] = {}
        self.since = 0.0

    def add(self, name: str, key: int | str) -> bool:
        """Gather one count; whether it is time to send them."""
        with self.lock:
            if not self.counts:
                self.since = time.monotonic()
            self.counts[name, key] = self.counts.get((name, key), 0) + 1
            return len(self.counts) >= FLUSH_KEYS or time.monotonic() - self.since >= FLUSH_SECONDS

    def take(self) -> dict:
        with self.lock:
            counts, self.counts = self.counts, {}
            return counts


_gathered = _Gathered()


def count_soon(name: str, key: int | str) -> None:
    """Count one event, sent with the others this process gathers within `FLUSH_SECONDS`."""
    if _gathered.add(name, key):
        flush()


def flush() -> None:
    """Send the counts this process has gathered."""
    counts = _gathered.take()
    if counts:
        _add(counts)


def discard_gathered() -> None:
    """Forget what this process has gathered and not sent (for a test starting afresh)."""
    _gathered.take()


atexit.register(flush)


def drain(name: str, now: float | None = None) -> dict:
    """The totals per key of every closed window not drained before; each window is drained once.

    Called by one periodic task per tally (beat runs each schedule once), so
    the mark of the last window drained needs no lock. What this process has
    gathered is sent first.
    """
    flush()
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
