"""Read positions: noted in the cache by page views, written by beat in batches that only move forward."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import caching, reading, tallies
from community.models import ReadPosition
from community.tasks import flush_read_positions
from tests.builders import build_member, build_thread

pytestmark = pytest.mark.django_db


class Clock:
    """The tallies' time, moved on by hand: `later()` is a moment when every window counted so far has closed."""

    def __init__(self):
        self.now = time.time()

    def window(self, now=None):
        return int((self.now if now is None else now) // tallies.WINDOW_SECONDS)

    def later(self) -> float:
        self.now += 3 * tallies.WINDOW_SECONDS
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(tallies, "_window", clock.window)
    return clock


def positions() -> dict:
    return {(row.user_id, row.thread_id): row.read_through for row in ReadPosition.objects.all()}


def test_recording_writes_no_row_until_the_flush(member, question, clock):
    with CaptureQueriesContext(connection) as queries:
        reading.record(member.pk, question.pk, 120)

    assert len(queries) == 0
    assert not ReadPosition.objects.exists()
    assert reading.pending(member.pk, [question.pk]) == {question.pk: 120}

    assert reading.flush(clock.later()) == 1
    assert positions() == {(member.pk, question.pk): 120}


def test_flush_waits_for_the_window_to_close(member, question):
    reading.record(member.pk, question.pk, 120)

    assert reading.flush() == 0
    assert not ReadPosition.objects.exists()


def test_flushing_twice_changes_nothing(member, question, clock):
    reading.record(member.pk, question.pk, 120)
    reading.flush(clock.later())

    assert reading.flush(clock.later()) == 0
    assert positions() == {(member.pk, question.pk): 120}


def test_a_position_never_moves_back(member, question, clock):
    reading.record(member.pk, question.pk, 300)
    reading.flush(clock.later())
    # The cached position is gone (evicted, or a day old) and an older page is read.
    reading.cache.delete(reading.pending_key(member.pk, question.pk))
    reading.record(member.pk, question.pk, 100)
    assert reading.pending(member.pk, [question.pk]) == {question.pk: 100}

    reading.flush(clock.later())

    assert positions() == {(member.pk, question.pk): 300}


def test_recording_an_older_post_leaves_the_cached_position(member, question):
    reading.record(member.pk, question.pk, 300)
    reading.record(member.pk, question.pk, 100)
    reading.record(member.pk, question.pk, 200, position=300)

    assert reading.pending(member.pk, [question.pk]) == {question.pk: 300}


def test_a_later_position_moves_the_row_forward(member, question, clock):
    reading.record(member.pk, question.pk, 100)
    reading.flush(clock.later())
    reading.record(member.pk, question.pk, 250)

    reading.flush(clock.later())

    assert positions() == {(member.pk, question.pk): 250}


def test_positions_are_written_one_upsert_a_batch(member, category, monkeypatch, clock):
    monkeypatch.setattr(reading, "BATCH", 3)
    threads = [build_thread(member, category=category, title=f"Thread number {i} to read") for i in range(4)]
    readers = [member, build_member()]
    for reader in readers:
        for n, thread in enumerate(threads):
            reading.record(reader.pk, thread.pk, 10 + n)

    with CaptureQueriesContext(connection) as queries:
        assert reading.flush(clock.later()) == 8

    upserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(upserts) == 3  # 8 positions in batches of 3
    assert positions() == {(r.pk, t.pk): 10 + n for r in readers for n, t in enumerate(threads)}


def test_a_failed_flush_leaves_its_positions_for_the_next(member, question, monkeypatch, clock):
    reading.record(member.pk, question.pk, 120)

    def broken(rows):
        raise RuntimeError("database away")

    upsert = reading._upsert
    monkeypatch.setattr(reading, "_upsert", broken)
    with pytest.raises(RuntimeError):
        reading.flush(clock.later())
    monkeypatch.setattr(reading, "_upsert", upsert)

    assert not ReadPosition.objects.exists()
    assert reading.flush(clock.later()) == 1
    assert positions() == {(member.pk, question.pk): 120}


def test_positions_of_threads_or_members_since_deleted_are_dropped(member, question, clock):
    reading.record(member.pk, question.pk + 1000, 50)
    reading.record(member.pk + 1000, question.pk, 50)
    reading.record(member.pk, question.pk, 60)

    reading.flush(clock.later())

    assert positions() == {(member.pk, question.pk): 60}


def test_beat_flushes_read_positions(member, question):
    from config.celery import app

    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    reading.record(member.pk, question.pk, 120)

    assert "community.tasks.flush_read_positions" in schedule
    assert flush_read_positions.apply(kwargs={}).get() == 0  # the window is still open
    assert not ReadPosition.objects.exists()


def test_the_members_version_moves_only_when_a_position_does(member, other_member, question):
    mine, theirs = (
        caching.member_version(caching.READING, member.pk),
        caching.member_version(caching.READING, other_member.pk),
    )

    reading.record(member.pk, question.pk, 120)
    moved = caching.member_version(caching.READING, member.pk)
    reading.record(member.pk, question.pk, 100)

    assert moved != mine
    assert caching.member_version(caching.READING, member.pk) == moved
    assert caching.member_version(caching.READING, other_member.pk) == theirs
