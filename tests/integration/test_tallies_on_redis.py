"""community.tallies on Redis: a batch of counts, with its new keys' slots, is one round trip."""

import pytest
from django.core.cache import cache
from redis.connection import Connection

from community import tallies

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_a_batch_of_new_keys_costs_one_round_trip_and_each_takes_one_slot(monkeypatch):
    start = tallies.time.time()
    tallies.discard_gathered()
    for key in range(20):
        tallies.count_soon("redis-views", key)
        tallies.count_soon("redis-views", key)
    sent = []
    send = Connection.send_packed_command
    monkeypatch.setattr(Connection, "send_packed_command", lambda *a, **k: sent.append(1) or send(*a, **k))
    tallies.flush()

    assert len(sent) == 1
    assert cache.get(f"tally:redis-views:{tallies._window(start)}:slots") == 20
    assert tallies.drain("redis-views", now=start + 10 * tallies.WINDOW_SECONDS) == dict.fromkeys(range(20), 2)
