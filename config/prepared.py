"""Queries compiled to SQL once per process and run again with new parameters.

Turning a queryset into SQL costs Django a millisecond or more for a query
with joins, longer than PostgreSQL takes to answer a small indexed read. An
uncached thread page runs a few such reads, always of the same shape with
different ids. A `PreparedValues` builds its `.values()` queryset once, with
markers where the arguments go, keeps the SQL, the column names and the
database converters, and afterwards only executes. The queryset stays the one
description of the query, so a new field or a changed filter needs no SQL
written by hand.
"""

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# Ids no row has, and which no constant in a query would equal.
_MARKER_BASE = -(2**40)


def prepared_cursor(using: str = "default", *, binary: bool = False):
    """A cursor whose statements PostgreSQL (config.postgresql) prepares once per connection; elsewhere a plain one.

    For small reads of a fixed shape run on every page, whose planning costs
    more than their running, and whose one generic plan suits any arguments.
    With `binary`, PostgreSQL sends the rows in its binary format (see
    `binary_rows`).
    """
    connection = connections[using]
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared(binary=binary) if prepared is not None else connection.cursor()


def binary_rows(connection, columns) -> bool:
    """Whether a query's rows may come in PostgreSQL's binary format: every column of a type whose binary
    loader gives what the text one does (config.postgresql.base.BINARY_TYPES)."""
    types = getattr(connection.ops, "binary_types", frozenset())
    return all((column.output_field.db_type(connection) or "").split("(")[0] in types for column in columns)


def _hashable(value) -> bool:
    return isinstance(value, int | str)


class PreparedValues:
    """`build(*markers)` must return a `.values()` queryset whose only parameters depending on the call are those
    markers, each used as a plain value (`pk=`, `pk__in=[...]`, `slug=`, a user id in an `Exists`). Calling it
    with the arguments runs that query and answers a list of dicts, as iterating the queryset would.
    """

    def __init__(self, build: Callable[..., QuerySet], arity: int = 1):
        self._build = build
        self._arity = arity
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        markers = [_MARKER_BASE - i for i in range(self._arity)]
        queryset = self._build(*markers)
        query = queryset.query
        if queryset._fields is None or query.extra_select:
            raise ValueError("PreparedValues needs a .values() queryset, without extra()")
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # A marker given for a text field (a slug, say) comes back as its text.
        places = {marker: n for n, marker in enumerate(markers)} | {str(m): n for n, m in enumerate(markers)}
        slots = [(places[param], None) if _hashable(param) and param in places else (None, param) for param in params]
        used = {slot for slot, _ in slots if slot is not None}
        if used != set(range(self._arity)):
            raise ValueError("every marker must appear in the query's parameters as given")
        columns = [column for column, _, _ in compiler.select]
        converters = compiler.get_converters(columns)
        # The names in the order Django's ValuesIterable gives them.
        names = tuple(query.selected) if query.selected else (*query.values_select, *query.annotation_select)
        compiled = (sql, slots, names, compiler, converters, binary_rows(compiler.connection, columns))
        self._compiled[alias] = compiled
        return compiled

    def __call__(self, *args, using: str = "default") -> list[dict]:
        sql, slots, names, compiler, converters, binary = self._compiled.get(using) or self._compile(using)
        params = [args[slot] if slot is not None else constant for slot, constant in slots]
        with prepared_cursor(using, binary=binary) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]
