"""The Redis cache, which degrades to a cache that misses when Redis is unreachable.

Everything the site shows lives in the database; the cache only saves work.
So when Redis cannot be reached, every operation answers as if the key were
missing (`get` gives the default, `add` and `set` store nothing, `incr` raises
ValueError as for a missing key) and pages are built from the database,
slower but whole. Sessions (`cached_db`) read the database the same way.
Callers whose answer must not be "nothing stored", such as rate limits, ask
`unreachable` and count some other way, or have their keys kept in the
process's own memory until Redis is back (`local_while_unreachable`).

Short socket timeouts bound what one call to an unreachable or hung server
costs, and after a failure the cache skips Redis for `PAUSE_SECONDS`, so a
page with twenty cache calls pays for at most one. The warning is logged when
Redis goes away, then at most once every `WARN_EVERY_SECONDS` while it stays
away, and recovery is logged once.
"""

import logging
import pickle
import threading
import time
import zlib

import lz4.frame
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.utils.functional import cached_property
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
PAUSE_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0


class CompressingSerializer(django_redis.RedisSerializer):
    """Django's serializer, with large values compressed by LZ4.

    Cached fragments are HTML, which LZ4 shrinks several times over, so the
    same Redis holds several times as many; it decompresses a busy thread's
    page in a fiftieth of a millisecond, a quarter of zlib's time, and less
    than moving the page uncompressed out of Redis costs. A whole response
    (bytes, as a visitor's page is stored) is compressed as it is, not
    pickled. A compressed value starts with a byte no pickle or integer
    starts with; values zlib compressed before are still read.
    """

    MARK = b"L"
    BYTES_MARK = b"B"
    ZLIB_MARK = b"Z"
    LARGE = 1024

    def dumps(self, obj):
        if isinstance(obj, bytes) and len(obj) > self.LARGE:
            return self.BYTES_MARK + lz4.frame.compress(obj)
        data = super().dumps(obj)
        if isinstance(data, bytes) and len(data) > self.LARGE:
            return self.MARK + lz4.frame.compress(data)
        return data

    def loads(self, data):
        mark = data[:1]
        if mark == self.BYTES_MARK:
            return lz4.frame.decompress(memoryview(data)[1:])
        if mark == self.MARK:
            return pickle.loads(lz4.frame.decompress(memoryview(data)[1:]))  # noqa: S301 - our own cache's values
        if mark == self.ZLIB_MARK:
            return pickle.loads(zlib.decompress(data[1:]))  # noqa: S301 - as above
        return super().loads(data)


_INCR_EXISTING = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end return false"
)


_RAISE = (
    "local current = tonumber(redis.call('get', KEYS[1]))"
    " if current == nil or current < tonumber(ARGV[1]) then"
    " redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1 end return 0"
)


# A tally's count (KEYS[1]) in its window; the first count of a key also takes the window's next slot
# (KEYS[2] counts them) and writes the key there (ARGV[3] is the slots' key prefix, ARGV[4] the key as
# stored). All at once, so two processes never both take a slot for one key.
_TALLY = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end"
    " redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])"
    " if redis.call('exists', KEYS[2]) == 0 then redis.call('set', KEYS[2], 0, 'EX', ARGV[2]) end"
    " redis.call('set', ARGV[3] .. redis.call('incr', KEYS[2]), ARGV[4], 'EX', ARGV[2])"
    " return tonumber(ARGV[1])"
)


class SharedClient(django_redis.RedisCacheClient):
    """Django's Redis client, keeping one redis-py client per connection pool.

    Django builds a new `redis.Redis` for every cache call; redis-py 8 fills a
    table of about 170 response callbacks each time, which cost a tenth of a
    cached page. A redis-py client is safe to share between threads, and its
    pool hands each call its own connection.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def incr(self, key, delta):
        # Django asks EXISTS, then INCRBY: two round trips, and a key that expires between them comes
        # back without its timeout. One script does both at once.
        value = self.get_client(key, write=True).eval(_INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def incr_many(self, deltas: dict) -> dict:
        """`incr` for several keys in one round trip: each key's new value, or None where it was missing."""
        return self._each(_INCR_EXISTING, {key: (delta,) for key, delta in deltas.items()})

    def raise_many(self, values: dict, timeout: int) -> None:
        """Set each key to its number unless it holds a larger one already, in one round trip."""
        self._each(_RAISE, {key: (int(value), timeout) for key, value in values.items()})

    def set_each(
        self,
        items: list[tuple[str, object, int | None]],
        raises: tuple[dict, int] | None = None,
        tallies: tuple[list, int] | None = None,
    ) -> None:
        """Each (key, value, timeout) set in order, then `raises` (`raise_many`'s values and timeout), then
        `tallies` (`tally_many`'s counts and timeout), in one round trip."""
        pipe = self.get_client(write=True).pipeline(transaction=False)
        for key, value, timeout in items:
            pipe.set(key, self._serializer.dumps(value), ex=timeout)
        if raises is not None:
            values, timeout = raises
            for key, value in values.items():
                pipe.eval(_RAISE, 1, key, int(value), timeout)
        if tallies is not None:
            self._tally(pipe, *tallies)
        pipe.execute()

    def tally_many(self, counts: list[tuple[str, str, str, int, object]], timeout: int) -> None:
        """Each (count key, slots key, slot key prefix, n, key) counted by `_TALLY`, in one round trip."""
        pipe = self.get_client(write=True).pipeline(transaction=False)
        self._tally(pipe, counts, timeout)
        pipe.execute()

    def _tally(self, pipe, counts: list[tuple[str, str, str, int, object]], timeout: int) -> None:
        for count_key, slots_key, slot_prefix, n, key in counts:
            pipe.eval(_TALLY, 2, count_key, slots_key, n, timeout, slot_prefix, self._serializer.dumps(key))

    def _each(self, script: str, arguments: dict) -> dict:
        """`script` run on each key with its arguments, in one pipeline: each key's answer."""
        pipe = self.get_client(write=True).pipeline(transaction=False)
        for key, args in arguments.items():
            pipe.eval(script, 1, key, *args)
        return dict(zip(arguments, pipe.execute(), strict=True))

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


CLIENT_DEFAULTS = {
    "serializer": CompressingSerializer,
    "socket_connect_timeout": 0.25,
    "socket_timeout": 0.5,
    # One immediate retry on a fresh connection: after Redis restarts, each
    # pooled connection is dead once, and that alone must not count as an
    # outage. Timeouts are not retried, so a hung server costs one timeout.
    "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
}


class _Breaker:
    """Whether to skip Redis for now; one per server list, shared by the process's threads."""

    def __init__(self, pause: float):
        self.pause = pause
        self.lock = threading.Lock()
        self.down = False
        self.skip_until = 0.0
        self.warned_at = 0.0

    def skipping(self) -> bool:
        return self.down and time.monotonic() < self.skip_until

    def failed(self, servers, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.skip_until = now + self.pause
            if self.down and now - self.warned_at < WARN_EVERY_SECONDS:
                return
            self.down, self.warned_at = True, now
        logger.warning(
            "Redis cache at %s is unreachable (%s: %s); serving from the database",
            servers,
            type(error).__name__,
            error,
        )

    def succeeded(self, servers) -> None:
        if not self.down:
            return
        with self.lock:
            was_down, self.down = self.down, False
        if was_down:
            logger.warning("Redis cache at %s is reachable again", servers)


_breakers: dict[tuple, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(servers, pause: float) -> _Breaker:
    key = (tuple(servers), pause)
    with _breakers_lock:
        return _breakers.setdefault(key, _Breaker(pause))


_MISSING = object()


class RedisCache(django_redis.RedisCache):
    """Django's RedisCache, answering as a miss while Redis is unreachable.

    OPTIONS are the redis client's, with short timeouts by default, plus
    `pause_seconds` (how long to skip Redis after a failure) and
    `local_while_unreachable`: key prefixes that are kept in this process's
    memory meanwhile instead of missing, for callers that cannot work with a
    cache that stores nothing.
    """

    def __init__(self, server, params):
        options = {**CLIENT_DEFAULTS, **params.get("OPTIONS", {})}
        pause = float(options.pop("pause_seconds", PAUSE_SECONDS))
        self._local_prefixes = tuple(options.pop("local_while_unreachable", ()))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = SharedClient
        self._breaker = _breaker_for(self._servers, pause)

    @cached_property
    def _local(self):
        # Room for every address and account trying to sign in during an outage.
        return LocMemCache(f"unreachable:{self._servers}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})

    @property
    def unreachable(self) -> bool:
        """True from a failed call until the next one that reaches Redis."""
        return self._breaker.down

    def _call(self, name, *args, miss=None):
        if not self._breaker.skipping():
            try:
                own = self._many.get(name)
                result = own(self, *args) if own else getattr(super(), name)(*args)
            except UNREACHABLE as error:
                self._breaker.failed(self._servers, error)
            else:
                self._breaker.succeeded(self._servers)
                return result
        if self._local_prefixes and args and isinstance(args[0], str) and args[0].startswith(self._local_prefixes):
            return getattr(self._local, name)(*args)
        return miss

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version, miss=False)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version, miss=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version, miss=False)

    def delete(self, key, version=None):
        return self._call("delete", key, version, miss=False)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version, miss=False)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", key, delta, version, miss=_MISSING)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found: the cache is unreachable.")
        return result

    def incr_many(self, deltas: dict, version=None) -> dict:
        """Add each delta to its key in one round trip: the new values, None where a key was missing.

        While Redis is unreachable every key counts as missing.
        """
        return self._call("incr_many", deltas, version, miss=dict.fromkeys(deltas))

    def _incr_many(self, deltas, version):
        made = {self.make_and_validate_key(key, version=version): key for key in deltas}
        values = self._cache.incr_many({key: deltas[name] for key, name in made.items()})
        return {made[key]: value for key, value in values.items()}

    def raise_many(self, values: dict, timeout: int, version=None) -> None:
        """Set each key to its number unless it already holds a larger one: for copies of numbers
        that only grow (a thread's version), written by racing processes in any order."""
        self._call("raise_many", values, timeout, version)

    def _raise_many(self, values, timeout, version):
        made = {self.make_and_validate_key(key, version=version): n for key, n in values.items()}
        self._cache.raise_many(made, timeout)

    def set_each(
        self,
        items: list,
        version=None,
        *,
        raises: tuple[dict, int] | None = None,
        tallies: tuple[dict, int] | None = None,
    ) -> None:
        """`set` for each (key, value, timeout), in that order, in one round trip: writes of differing lifetimes.

        `raises`, `raise_many`'s (values, timeout), go in the same round trip, after them, and then
        `tallies`, `tally_many`'s (counts, timeout).
        """
        self._call("set_each", items, version, raises, tallies)

    def _set_each(self, items, version, raises, tallies):
        made = [
            (self.make_and_validate_key(key, version=version), value, self.get_backend_timeout(timeout))
            for key, value, timeout in items
        ]
        if raises is not None:
            values, timeout = raises
            raises = ({self.make_and_validate_key(key, version=version): n for key, n in values.items()}, timeout)
        if tallies is not None:
            counts, timeout = tallies
            tallies = (self._tally_entries(counts, version), timeout)
        self._cache.set_each(made, raises, tallies)

    def tally_many(self, counts: dict, timeout: int, version=None) -> None:
        """Add each count to community.tallies' window, `{(window prefix, key): n}`, in one round trip.

        Where a key is new to its window, it also takes the window's next slot,
        as community.tallies does in several steps on other caches.
        """
        self._call("tally_many", counts, timeout, version)

    def _tally_many(self, counts, timeout, version):
        self._cache.tally_many(self._tally_entries(counts, version), timeout)

    def _tally_entries(self, counts: dict, version) -> list[tuple[str, str, str, int, object]]:
        entries = []
        for (prefix, key), n in counts.items():
            slots = self.make_and_validate_key(f"{prefix}:slots", version=version)
            # With Django's key function, the slot key prefix is the slots key's with "slot:" for "slots".
            slot_prefix = slots.removesuffix("slots") + "slot:"
            count_key = self.make_and_validate_key(f"{prefix}:{key}", version=version)
            entries.append((count_key, slots, slot_prefix, n, key))
        return entries

    # The operations Django's RedisCache lacks, run through the same failure handling.
    _many = {"incr_many": _incr_many, "raise_many": _raise_many, "tally_many": _tally_many, "set_each": _set_each}

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version, miss={})

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that were not stored.
        return self._call("set_many", data, timeout, version, miss=list(data))

    def delete_many(self, keys, version=None):
        self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear", miss=False)
