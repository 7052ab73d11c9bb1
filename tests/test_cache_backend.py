"""The Redis cache backend: Django's RedisCache, answering as a miss while Redis is unreachable.

Each test runs its own redis-server on a port the OS picked, and stops it.
"""

import logging
import pickle
import socket
import time
import zlib

import lz4.frame
import pytest

from config.cache import RedisCache
from tests.private_redis import running_redis, unreachable_url


@pytest.fixture
def redis_server(tmp_path):
    with running_redis(tmp_path) as server:
        yield server


def backend(url, **options):
    return RedisCache(url, {"KEY_PREFIX": "unit", "OPTIONS": options})


def test_works_like_djangos_redis_cache_while_redis_is_up(redis_server):
    cache = backend(redis_server.url)

    cache.set("colour", {"name": "amber"})
    assert cache.get("colour") == {"name": "amber"}
    assert cache.add("colour", "red") is False
    assert cache.add("count", 1) is True
    assert cache.incr("count") == 2
    assert cache.get_many(["colour", "count", "nothing"]) == {"colour": {"name": "amber"}, "count": 2}
    assert cache.set_many({"a": 1, "b": 2}) == []
    assert cache.delete("a") is True
    with pytest.raises(ValueError):
        cache.incr("never-set")
    assert cache.unreachable is False
    assert redis_server.stored_keys()


def test_incr_is_one_round_trip_that_keeps_the_timeout_and_never_creates_a_key(redis_server, monkeypatch):
    cache = backend(redis_server.url)
    cache.add("ticks", 1, timeout=100)
    client = cache._cache.get_client("ticks", write=True)
    commands = []
    send = client.execute_command
    monkeypatch.setattr(client, "execute_command", lambda *args, **kw: commands.append(args[0]) or send(*args, **kw))

    assert cache.incr("ticks", 5) == 6
    with pytest.raises(ValueError):
        cache.incr("never-set")

    assert commands == ["EVAL", "EVAL"]
    assert 0 < client.ttl(cache.make_key("ticks")) <= 100
    assert not client.exists(cache.make_key("never-set"))


def test_every_operation_answers_as_a_miss_when_redis_is_unreachable(redis_server):
    cache = backend(redis_server.url)
    cache.set("colour", "amber")
    redis_server.stop()

    assert cache.get("colour") is None
    assert cache.get("colour", "fallback") == "fallback"
    assert cache.get_many(["colour", "count"]) == {}
    assert cache.add("colour", "red") is False
    assert cache.set("colour", "red") is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.touch("colour") is False
    assert cache.has_key("colour") is False
    assert "colour" not in cache
    assert cache.delete("colour") is False
    assert cache.delete_many(["a", "b"]) is None
    assert cache.get_or_set("built", lambda: "from the database") == "from the database"
    with pytest.raises(ValueError):
        cache.incr("colour")
    with pytest.raises(ValueError):
        cache.decr("colour")
    assert cache.clear() is False
    assert cache.unreachable is True


def test_an_unreachable_redis_costs_milliseconds_per_page():
    cache = backend(unreachable_url())

    started = time.perf_counter()
    for n in range(50):
        cache.get(f"fragment:{n}")
    assert time.perf_counter() - started < 0.25
    assert cache.unreachable is True


def test_a_hung_redis_costs_one_timeout_then_is_skipped():
    with socket.socket() as hung:
        # Accepts connections in the kernel's backlog but never answers.
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        cache = backend(f"redis://127.0.0.1:{hung.getsockname()[1]}/0", socket_timeout=0.2)

        started = time.perf_counter()
        assert cache.get("fragment") is None
        first = time.perf_counter() - started
        for n in range(50):
            cache.get(f"fragment:{n}")
        rest = time.perf_counter() - started - first

    assert 0.15 < first < 1.0
    assert rest < 0.05


def test_redis_is_skipped_for_the_pause_after_a_failure_then_used_again(redis_server):
    cache = backend(redis_server.url, pause_seconds=0.5)
    redis_server.stop()
    cache.set("before", 1)
    redis_server.start()

    cache.set("during-the-pause", 1)
    assert redis_server.stored_keys() == []
    assert cache.unreachable is True

    time.sleep(0.6)
    cache.set("after-the-pause", 1)
    assert redis_server.stored_keys() == [b"unit:1:after-the-pause"]
    assert cache.get("after-the-pause") == 1
    assert cache.unreachable is False


def test_a_restarted_redis_is_used_at_once_despite_dead_pooled_connections(redis_server):
    cache = backend(redis_server.url)
    cache.set("before", 1)
    redis_server.stop()
    redis_server.start()

    cache.set("after", 2)

    assert cache.unreachable is False
    assert cache.get("after") == 2


def test_an_outage_is_logged_once_and_so_is_the_recovery(redis_server, caplog):
    cache = backend(redis_server.url, pause_seconds=0)
    redis_server.stop()

    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for n in range(20):
            cache.get(f"fragment:{n}")
        redis_server.start()
        cache.get("fragment:0")

    messages = [record.getMessage() for record in caplog.records if record.name == "config.cache"]
    assert len(messages) == 2
    assert "unreachable" in messages[0] and redis_server.url in messages[0]
    assert "reachable again" in messages[1]


def test_listed_prefixes_are_kept_in_the_process_while_redis_is_unreachable(redis_server):
    cache = backend(redis_server.url, local_while_unreachable=["limits:"], pause_seconds=0.2)
    redis_server.stop()

    assert cache.add("limits:login:lock", True) is True
    assert cache.add("limits:login:lock", True) is False
    cache.set("limits:login", [1.0, 2.0])
    assert cache.get("limits:login") == [1.0, 2.0]
    assert cache.add("page:home", "html") is False
    assert cache.get("page:home") is None

    redis_server.start()
    time.sleep(0.3)
    assert cache.get("limits:login") is None  # back in Redis, which never saw it


def test_large_values_are_stored_compressed_and_read_back_whole(redis_server):
    cache = backend(redis_server.url)
    page = "<article>" + "A reply that says the same thing again. " * 400 + "</article>"
    response = page.encode()

    cache.set("page", page)
    cache.set("response", response)
    cache.set("small", "short")
    cache.set("counter", 7)
    cache.incr("counter")

    raw = cache._cache.get_client().get(cache.make_and_validate_key("page"))
    assert raw[:1] == b"L" and len(raw) < len(page) / 5
    # A whole response is compressed as it is sent, not pickled.
    raw = cache._cache.get_client().get(cache.make_and_validate_key("response"))
    assert raw[:1] == b"B" and lz4.frame.decompress(raw[1:]) == response
    assert cache.get("page") == page
    assert cache.get("response") == response
    assert cache.get_many(["page", "small"]) == {"page": page, "small": "short"}
    assert cache.get("counter") == 8


def test_a_value_zlib_compressed_before_is_still_read(redis_server):
    cache = backend(redis_server.url)
    page = "<p>An older copy.</p>" * 200

    cache._cache.get_client().set(cache.make_and_validate_key("page"), b"Z" + zlib.compress(pickle.dumps(page)))

    assert cache.get("page") == page


def test_one_redis_client_serves_every_call(redis_server):
    cache = backend(redis_server.url)

    cache.set("a", 1)
    first = cache._cache.get_client(write=True)
    cache.get_many(["a", "b"])
    cache.incr("a")

    assert cache._cache.get_client() is first is cache._cache.get_client(write=True)
    assert cache.get("a") == 2


def test_incr_many_is_one_round_trip_that_creates_no_key(redis_server, monkeypatch):
    cache = backend(redis_server.url)
    cache.add("a", 1, timeout=100)
    cache.add("b", 10)
    client = cache._cache.get_client("a", write=True)
    trips = []
    send, pipeline = client.execute_command, client.pipeline
    monkeypatch.setattr(client, "execute_command", lambda *args, **kw: trips.append(args[0]) or send(*args, **kw))

    def counted_pipeline(*args, **kwargs):
        pipe = pipeline(*args, **kwargs)
        execute = pipe.execute
        pipe.execute = lambda: trips.append(f"pipeline of {len(pipe.command_stack)}") or execute()
        return pipe

    monkeypatch.setattr(client, "pipeline", counted_pipeline)

    assert cache.incr_many({"a": 2, "b": 5, "missing": 1}) == {"a": 3, "b": 15, "missing": None}

    assert trips == ["pipeline of 3"]
    assert 0 < client.ttl(cache.make_key("a")) <= 100
    assert not client.exists(cache.make_key("missing"))


def test_incr_many_counts_every_key_as_missing_while_redis_is_unreachable():
    cache = backend(unreachable_url())

    assert cache.incr_many({"a": 1, "b": 2}) == {"a": None, "b": None}


def test_raise_many_never_lowers_a_number_and_is_one_round_trip(redis_server):
    cache = backend(redis_server.url)
    cache.set("v:1", 5)

    cache.raise_many({"v:1": 3, "v:2": 7}, timeout=100)
    cache.raise_many({"v:1": 9}, timeout=100)

    assert cache.get_many(["v:1", "v:2"]) == {"v:1": 9, "v:2": 7}
    assert 0 < cache._cache.get_client().ttl(cache.make_and_validate_key("v:2")) <= 100


def test_raise_many_stores_nothing_and_raises_nothing_while_redis_is_unreachable():
    cache = backend(unreachable_url())

    cache.raise_many({"v:1": 3}, timeout=100)

    assert cache.get("v:1") is None
