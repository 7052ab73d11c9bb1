"""Random threads: requests spread evenly over 2,000 threads of about ten replies, from an empty cache and warm.

A fixed page is served from the cache after its first request, which says
little about a community whose readers arrive from search engines and links
spread over thousands of threads. Here every request picks one of the mix's
threads at random. The cold runs start with the cache's keys removed (each
gunicorn process stays up, as after a Redis restart or eviction) and last
COLD_SECONDS, whatever BENCH_DURATION says, so that most of their requests
build their page; the warm runs follow a pass that reads every thread of the
mix once as a visitor and once as the member.

Only the page cache starts empty. The database's files are read once into
the operating system's cache first, as on a server that has been up: the
seed writes them long before, and a machine that has since dropped them from
memory would otherwise measure the disk on the first cold run (on the 2-core
bench machine the visitors' first run went from 505 to 597 requests/s with
the files read first; the same run repeated went on from there).
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.harness import (
    CONNECTIONS,
    ProcessCpu,
    cache_prefix,
    cache_redis,
    cookies_set,
    empty_cache,
    fetch,
    load_line,
    say,
    session_key,
    signed_in_as,
    wrk,
)

MIX_SIZE = 2_000
REPLIES = 10
# Threads of exactly REPLIES replies kept out of the mix, so that bench.memory can
# watch what one visit to a thread adds to a cache that has never seen it.
SPARE = 20
WARM_PASS_SECONDS = 300
# A cold run is over before most of its requests could find their page in the cache: at 500
# requests a second, 2,000 threads are mostly seen within ten seconds, and a longer run measures
# a warm cache. Each cold run reports the share of its requests that built their page.
COLD_SECONDS = 4


@dataclass
class Threads:
    paths: list[str]
    spare: list[str]
    reply_counts: tuple[int, int, float]  # lowest, highest, mean in the mix


def choose() -> Threads:
    """The published bench threads whose reply count is nearest REPLIES, the hot question aside."""
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import F
    from django.db.models.functions import Abs
    from django.urls import reverse

    from community.management.commands.seed_bench import CATEGORY_PREFIX, HOT_TITLE
    from community.models import Thread
    from community.permissions import visible_threads

    bench_threads = Thread.objects.filter(category__slug__startswith=CATEGORY_PREFIX).exclude(title=HOT_TITLE)
    rows = list(
        visible_threads(AnonymousUser(), bench_threads)
        .annotate(distance=Abs(F("reply_count") - REPLIES))
        .order_by("distance", "pk")
        .values_list("pk", "slug", "reply_count")[: MIX_SIZE + SPARE]
    )
    urls = [reverse("community:thread", kwargs={"pk": pk, "slug": slug}) for pk, slug, _ in rows]
    counts = [count for _, _, count in rows[SPARE:]]
    return Threads(
        paths=urls[SPARE:],
        spare=urls[:SPARE],
        reply_counts=(min(counts), max(counts), round(sum(counts) / len(counts), 1)),
    )


def run(server, cookie, member_name, threads: Threads) -> dict:
    """The cold runs, a pass that reads every thread, then the warm runs; each as visitor and as member."""
    redis = cache_redis()
    if redis is None:
        say("  random threads: skipped, they need REDIS_URL to start from an empty cache")
        return {"rows": []}
    low, high, mean = threads.reply_counts
    say(f"  random threads: {len(threads.paths):,} threads of {low}-{high} replies (mean {mean})")
    found = {"threads": len(threads.paths), "reply_counts": {"min": low, "max": high, "mean": mean}, "rows": []}
    found["database_files"] = read_database_files()
    rows = found["rows"]
    for who in ("anonymous", "member"):
        removed = empty_cache(redis)
        if who == "anonymous":
            found["used_memory_empty"] = redis.info("memory")["used_memory"]
        sent = cookie if who == "member" else None
        row = {"page": "random, cold", "who": who, "status": 200, "emptied_keys": removed}
        if sent and not _session_in_database(cookie):
            row["error"] = "the member's session is not in the database, so an empty cache signs them out"
        else:
            cpu = ProcessCpu().start()
            row.update(wrk(server.base + "/", sent, duration=COLD_SECONDS, paths=threads.paths))
            row["cpu_seconds"] = cpu.stop()
            row["pages_built"] = pages_built(redis, who)
            if sent and not signed_in_as(fetch(server.base + threads.paths[0], cookie=sent)[2], member_name):
                row = {**row, "error": "the member was signed out when the cache was emptied; run not counted"}
                row.pop("rps")
        rows.append(row)
        say(f"  gunicorn  {row['page']:<16} {who:<9} {load_line(row)}")
        if "pages_built" in row:
            say(
                f"    {row['pages_built']:,} of its {row['requests']:,} requests built their page "
                f"({row['pages_built'] / row['requests']:.0%}); the rest found it in the cache"
            )
            if row.get("cpu_seconds"):
                spent = ", ".join(
                    f"{group} {seconds / row['requests'] * 1000:.2f}" for group, seconds in row["cpu_seconds"].items()
                )
                say(f"    CPU per request, ms: {spent}")

    found["warm_pass"] = warm(server, cookie, threads.paths)
    passed = found["warm_pass"]
    say(
        f"  read every thread once as visitor and member: {passed['requests']:,} of {passed['of']:,} requests in "
        f"{passed['seconds']:.0f} s ({passed['failed']} failed)"
    )
    if passed["visitor_pages_setting_cookies"]:
        say(
            f"  {passed['visitor_pages_setting_cookies']:,} of the visitors' pages set a cookie: "
            "the cache does not keep those pages whole, so they are built for every visitor"
        )
    for who in ("anonymous", "member"):
        sent = cookie if who == "member" else None
        row = {"page": "random, warm", "who": who, "status": 200}
        row.update(wrk(server.base + "/", sent, paths=threads.paths))
        rows.append(row)
        say(f"  gunicorn  {row['page']:<16} {who:<9} {load_line(row)}")
    found["used_memory_warm"] = redis.info("memory")["used_memory"]
    return found


def read_database_files() -> dict | None:
    """Read every table and index of PostgreSQL's database once (pg_prewarm, 'read') into the OS's cache.

    'read' leaves PostgreSQL's shared buffers as they were: the cold runs still
    find there only what the page runs before them left.
    """
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        return None
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) * current_setting('block_size')::bigint"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'i', 't', 'm')"
            )
            (read,) = cursor.fetchone()
    except DatabaseError as error:
        say(f"  the database's files were not read first (pg_prewarm: {error}); the first cold run may read the disk")
        return {"error": str(error)}
    finally:
        connection.close()
    seconds = time.monotonic() - started
    say(f"  read the database's files into the OS's cache first: {read / 2**20:,.0f} MB in {seconds:.1f} s")
    return {"bytes": int(read), "seconds": round(seconds, 1)}


def pages_built(redis, who) -> int:
    """How many thread pages the run stored: each one a request that found none in the emptied cache.

    A run from an empty cache warms it as it goes, so its figure means little
    without the share of its requests that missed.
    """
    # A visitor's whole page, or the shared rendering members' pages are joined from.
    stored = "page:*:thread_detail:*" if who == "anonymous" else "shared:*:thread:*"
    return sum(1 for _ in redis.scan_iter(match=f"{cache_prefix()}{stored}", count=1000))


def _session_in_database(cookie) -> bool:
    """cached_db sessions are kept in the database too: emptying the cache must not sign anyone out."""
    from django.contrib.sessions.models import Session
    from django.db import connection

    try:
        return Session.objects.filter(session_key=session_key(cookie)).exists()
    finally:
        connection.close()


def warm(server, cookie, paths) -> dict:
    """Each path once as a visitor and once as the member, CONNECTIONS at a time, within WARM_PASS_SECONDS.

    Also counts the visitors' pages that set a cookie: the cache never keeps those whole.
    """
    started = time.monotonic()
    deadline = started + WARM_PASS_SECONDS
    requests = [(path, None) for path in paths] + [(path, cookie) for path in paths]

    def read(request):
        if time.monotonic() > deadline:
            return None
        path, sent = request
        status, headers, _ = fetch(server.base + path, cookie=sent)
        return status, sent is None and bool(cookies_set(headers))

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        done = [answer for answer in pool.map(read, requests) if answer is not None]
    return {
        "requests": len(done),
        "of": len(requests),
        "failed": sum(status != 200 for status, _ in done),
        "visitor_pages_setting_cookies": sum(sets_cookie for _, sets_cookie in done),
        "seconds": round(time.monotonic() - started, 1),
    }
