"""Django's PostgreSQL backend, checking a persistent connection only when it has been idle.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of
every request: on a busy page that costs a round trip as long as the page's
own query. A connection that ended a request cleanly within the last
`PROVEN_SECONDS` is taken as usable instead, which is what the check would
have found. The check still runs after an idle spell, when a firewall or a
server restart is most likely to have dropped the connection, and after any
error, through Django's own `close_if_unusable_or_obsolete`.
"""

import time

from django.core.signals import request_finished
from django.db import connections
from django.db.backends.postgresql import base

PROVEN_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    proven_at = float("-inf")

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
