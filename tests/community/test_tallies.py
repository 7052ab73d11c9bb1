"""Counts gathered in the cache and drained in batches (community.tallies)."""

import pytest
from django.core.cache import cache

from community import tallies

LATER = 10 * tallies.WINDOW_SECONDS


@pytest.fixture
def clock(monkeypatch):
    """The process's clock for gathering, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(tallies.time, "monotonic", lambda: now[0])
    return now


def test_counts_made_soon_wait_in_the_process_until_a_second_has_passed(clock):
    tallies.count_soon("views", 7)
    tallies.count_soon("views", 7)
    tallies.count_soon("views", 8)

    assert tallies.drain("views", now=tallies.time.time() + LATER) == {7: 2, 8: 1}


def test_counts_made_soon_reach_the_cache_by_themselves_once_a_second_has_passed(clock, monkeypatch):
    sent = []
    add = tallies._add
    monkeypatch.setattr(tallies, "_add", lambda counts: sent.append(dict(counts)) or add(counts))

    tallies.count_soon("views", 7)
    clock[0] += 0.5
    tallies.count_soon("views", 7)
    assert sent == []
    clock[0] += 0.6
    tallies.count_soon("views", 9)

    assert sent == [{("views", 7): 2, ("views", 9): 1}]
    assert cache.get(f"tally:views:{tallies._window()}:7") == 2


def test_many_keys_are_sent_at_once_before_the_second_is_up(clock, monkeypatch):
    monkeypatch.setattr(tallies, "FLUSH_KEYS", 3)
    for key in (1, 2, 3):
        tallies.count_soon("views", key)

    assert {cache.get(f"tally:views:{tallies._window()}:{key}") for key in (1, 2, 3)} == {1}


def test_a_count_sent_late_lands_in_the_window_open_when_it_is_sent_and_is_drained_once(clock, monkeypatch):
    start = tallies.time.time()
    tallies.count_soon("views", 5)
    monkeypatch.setattr(tallies.time, "time", lambda: start + 3 * tallies.WINDOW_SECONDS)
    tallies.flush()

    assert cache.get(f"tally:views:{tallies._window()}:5") == 1
    assert tallies.drain("views", now=start + LATER) == {5: 1}
    assert tallies.drain("views", now=start + LATER) == {}


def test_counts_made_now_and_soon_add_up(clock):
    tallies.count("views", 4)
    tallies.count_soon("views", 4)

    assert tallies.drain("views", now=tallies.time.time() + LATER) == {4: 2}


def test_a_first_count_as_the_minute_turns_notes_its_key_in_the_window_that_holds_it(monkeypatch):
    start = tallies.time.time()
    windows = iter([tallies._window(start), tallies._window(start) + 1])
    monkeypatch.setattr(tallies, "_window", lambda now=None: next(windows) if now is None else int(now // 60))

    tallies.count("views", 3)

    assert tallies.drain("views", now=start + LATER) == {3: 1}


def test_new_keys_and_known_ones_sent_together_each_get_one_slot_and_their_whole_count(clock):
    start = tallies.time.time()
    tallies.count("views", 1)
    tallies.count("views", "token-a")
    for key in [1, 2, 3, "token-a", "token-b", 2]:
        tallies.count_soon("views", key)
    tallies.flush()
    tallies.count("views", 3)

    assert tallies.drain("views", now=start + LATER) == {1: 2, 2: 2, 3: 2, "token-a": 2, "token-b": 1}
    assert cache.get(f"tally:views:{tallies._window(start)}:slots") == 5
