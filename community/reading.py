"""How far each member has read each thread: noted in the cache by page views, written by beat in batches.

A page that shows a member replies past their position sets the new position
under `read:{member}:{thread}` and counts the pair in a tally
(community.tallies), which is how the flush learns which pairs to write: the
cache can't list its keys. Beat's `flush` drains the tally and writes each
batch of positions with one upsert that only ever moves a row forward, so a
flush run twice, or a page read out of order, changes nothing. Until the flush
the member's pages read the cached position with the row and take the larger.
Each move also moves the member's reading version (community.caching), which
keys their "N new" on lists where it is cached, so that is never older than
their last read.

A position is a post id. Replies to one thread are written under its row lock
(community.services), so their ids rise in the order they became visible:
"read through 120" means every reply up to post 120.
"""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction

from community import caching, tallies
from community.models import ReadPosition, Thread

READ_POSITIONS = "read-positions"
# Three parameters a row: well under SQLite's and PostgreSQL's limits on one statement.
BATCH = 300


def pending_key(member_id: int, thread_id: int) -> str:
    return f"read:{member_id}:{thread_id}"


def record(member_id: int, thread_id: int, through: int, *, position: int | None = None) -> None:
    """Note that the member has read the thread through post `through`, in the cache only.

    `position` is where the member stood as the page read it (the row and the
    cache together); without it the cache is asked. A position never moves
    back, so a page that shows nothing newer writes nothing.
    """
    key = pending_key(member_id, thread_id)
    if position is None:
        position = cache.get(key) or 0
    if through <= position:
        return
    caching.store(key, through, tallies.KEEP_SECONDS)
    # After the position (stores keep their order): whatever is cached under the new version was read after it moved.
    caching.member_read(member_id)
    tallies.count(READ_POSITIONS, f"{member_id}:{thread_id}")


def pending(member_id: int, thread_ids) -> dict[int, int]:
    """The positions in `thread_ids` the member has read to but the flush has not yet written, by thread id."""
    keys = {pending_key(member_id, pk): pk for pk in thread_ids}
    return {keys[key]: value for key, value in cache.get_many(list(keys)).items()} if keys else {}


_UPSERT = (
    "INSERT INTO {table} (user_id, thread_id, read_through) VALUES {rows}"
    " ON CONFLICT (user_id, thread_id) DO UPDATE SET read_through = excluded.read_through"
    " WHERE excluded.read_through > {table}.read_through"
)


def flush(now: float | None = None) -> int:
    """Write the positions noted in the tally's closed windows; how many were written.

    One upsert a batch, all in one transaction. If the write fails, the pairs
    are counted again, so the next run writes them (their positions wait in the cache).
    """
    pairs = list(tallies.drain(READ_POSITIONS, now))
    ids = [tuple(int(part) for part in pair.split(":")) for pair in pairs]
    found = cache.get_many([pending_key(*pair) for pair in ids]) if ids else {}
    rows = [(*pair, found[pending_key(*pair)]) for pair in ids if pending_key(*pair) in found]
    try:
        with transaction.atomic():
            for start in range(0, len(rows), BATCH):
                _upsert(rows[start : start + BATCH])
    except Exception:
        for pair in pairs:
            tallies.count(READ_POSITIONS, pair)
        raise
    return len(rows)


def _upsert(rows: list[tuple[int, int, int]]) -> None:
    # Members and threads are not deleted in the ordinary way, but an admin may: their positions go with them.
    threads = set(Thread.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", flat=True))
    members = set(get_user_model().objects.filter(pk__in={row[0] for row in rows}).values_list("pk", flat=True))
    rows = [row for row in rows if row[0] in members and row[1] in threads]
    if not rows:
        return
    sql = _UPSERT.format(table=ReadPosition._meta.db_table, rows=", ".join(["(%s, %s, %s)"] * len(rows)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
