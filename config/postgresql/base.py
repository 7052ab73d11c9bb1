"""Django's PostgreSQL backend, checking a persistent connection only when it has been idle.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of
every request: on a busy page that costs a round trip as long as the page's
own query. A connection that ended a request cleanly within the last
`PROVEN_SECONDS` is taken as usable instead, which is what the check would
have found. The check still runs after an idle spell, when a firewall or a
server restart is most likely to have dropped the connection, and after any
error, through Django's own `close_if_unusable_or_obsolete`.

`prepared_cursor()` gives the cursor config.prepared's reads run on: their
statements are prepared once per connection, so PostgreSQL stops planning
the same small indexed reads (an uncached thread page's header planned for
0.6 ms and ran for 0.2; a member's state in a thread, 0.3 and 0.05). Only
those reads: prepared statements get PostgreSQL's generic plan after five
runs, which for other queries can be far worse than a fresh one (settings.py
says which). PREPARED_READS=false turns them off, for a pooler in
transaction mode, which cannot keep a session's statements.

Those reads may ask for their rows in PostgreSQL's binary format
(`prepared_cursor(binary=True)`, chosen by config.prepared for columns of
the types `BINARY_TYPES` names): numbers and times then arrive as machine
values, with nothing for PostgreSQL to format or psycopg to parse (a tenth of
a millisecond on an uncached thread page's two reads). `jsonb` still reaches
Django as text, as its own loader hands it over, for JSONField to decode.
"""

import functools
import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django.db.backends.postgresql import base
from psycopg import DataError, adapt, pq

PROVEN_SECONDS = 1.0

# Column types whose binary loaders give what Django's text ones give (timestamps with a time zone, with
# USE_TZ, in the session's zone, as Django's loader sets it). Others, such as tsvector, load as bytes.
BINARY_TYPES = frozenset(
    {"bigint", "boolean", "date", "double precision", "integer", "jsonb", "smallint", "text", "uuid", "varchar"}
    | {"timestamp with time zone"}
)


class PreparingCursor(base.ServerBindingCursor):
    """psycopg's server-side binding, with every statement prepared on the connection."""

    binary_rows = False

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=self.binary_rows)


class BinaryPreparingCursor(PreparingCursor):
    """A PreparingCursor whose rows come in the binary format."""

    binary_rows = True


class JsonbTextBinaryLoader(adapt.Loader):
    """`jsonb` in the binary format as its text, which is what Django's loader gives JSONField for the text format."""

    format = pq.Format.BINARY

    def load(self, data):
        # The binary format is a version byte, 1, before the document's text.
        if data[:1] != b"\x01":
            raise DataError("unknown jsonb binary format")
        return bytes(data[1:]).decode()


@functools.cache
def _with_binary_loaders(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    adapters = adapt.AdaptersMap(template)
    adapters.register_loader("jsonb", JsonbTextBinaryLoader)
    return adapters


class DatabaseOperations(base.DatabaseOperations):
    binary_types = BINARY_TYPES

    def last_executed_query(self, cursor, sql, params):
        # A prepared statement is sent by name: the text Django logs is composed here instead.
        if isinstance(cursor, PreparingCursor):
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    proven_at = float("-inf")

    def get_connection_params(self):
        params = super().get_connection_params()
        if settings.PREPARED_READS:
            # psycopg prepares nothing with no threshold, even when asked; this one is never reached,
            # so only what PreparingCursor asks for is prepared (Django's own cursors bind on the client).
            params["prepare_threshold"] = 2**31
            params["context"] = _with_binary_loaders(params["context"])
        return params

    def prepared_cursor(self, *, binary: bool = False):
        """A cursor (with Django's logging and wrappers) whose statements are prepared; a plain one if turned off.

        With `binary`, its rows come in the binary format: only for columns of the BINARY_TYPES, and with USE_TZ.
        """
        if not settings.PREPARED_READS:
            return self.cursor()
        self.ensure_connection()
        cursor_class = BinaryPreparingCursor if binary and settings.USE_TZ else PreparingCursor
        return self._prepare_cursor(cursor_class(self.connection))

    def close_if_health_check_failed(self):
        if self.connection is not None and time.monotonic() - self.proven_at < PROVEN_SECONDS:
            self.health_check_done = True
        super().close_if_health_check_failed()

    def close(self):
        self.proven_at = float("-inf")
        super().close()


def _prove_connections(**kwargs):
    for connection in connections.all(initialized_only=True):
        if (
            isinstance(connection, DatabaseWrapper)
            and connection.connection is not None
            and not connection.errors_occurred
            and not connection.in_atomic_block
        ):
            connection.proven_at = time.monotonic()


request_finished.connect(_prove_connections)
