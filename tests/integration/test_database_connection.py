"""The PostgreSQL backend: the health check skipped for a connection just proven, and the prepared reads."""

import re

import pytest
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connection, connections

from config import postgresql
from config.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checks(monkeypatch):
    """Each health check the connection makes, and a connection that is persistent and checked."""
    made = []
    usable = DatabaseWrapper.is_usable
    monkeypatch.setattr(DatabaseWrapper, "is_usable", lambda self: made.append(1) or usable(self))
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()
    connection.ensure_connection()
    return made


def a_request():
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    request_finished.send(sender=None)


def test_the_engine_is_this_backend():
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_connection_that_just_served_a_request_is_not_checked_again(checks):
    a_request()
    first = len(checks)
    a_request()
    a_request()

    assert first == 1 and len(checks) == 1


def test_a_connection_idle_past_the_window_is_checked(checks, monkeypatch):
    a_request()
    connection.proven_at -= 2 * postgresql.base.PROVEN_SECONDS
    a_request()

    assert len(checks) == 2


def test_a_connection_that_failed_is_checked_and_a_dead_one_replaced(checks):
    a_request()
    request_started.send(sender=None)
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    request_finished.send(sender=None)

    killed = connection.connection
    checked = len(checks)
    a_request()

    # Django's own end-of-request check found it dead and closed it; the next request connected afresh.
    assert checked == 2 and connection.connection is not killed
    assert not connection.errors_occurred


# Prepared reads.


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_prepared_reads_are_prepared_on_the_connection_and_nothing_else_is(member, category):
    from community import selectors
    from tests.builders import build_thread

    thread = build_thread(member, category=category)
    connection.close()
    for _ in range(3):
        values = selectors._thread_values(thread.pk)
        selectors.thread_state(thread.pk, member)
        with connection.cursor() as cursor:
            cursor.execute("SELECT title FROM community_thread WHERE id = %s", [thread.pk])

    # The header's read (the thread with its shown posts, its tags and whether an FAQ article came from
    # it) and the member's state, once each.
    statements = prepared_statements()
    assert len(statements) == 2, statements
    assert all(re.search(r'FROM "?community_thread"?\s', statement) for statement in statements)
    assert sum("UNION ALL" in statement for statement in statements) == 1
    assert not any(statement.startswith("SELECT title") for statement in statements)
    assert values["thread"]["opening_post_id"] == thread.opening_post_id
    assert [post["id"] for post, _author in values["posts"]] == [thread.opening_post_id]


def test_prepared_reads_can_be_turned_off_for_a_pooler(settings, member, category):
    from community import selectors
    from tests.builders import build_thread

    settings.PREPARED_READS = False
    thread = build_thread(member, category=category)
    connection.close()
    assert selectors._thread_values(thread.pk) is not None

    assert prepared_statements() == []
