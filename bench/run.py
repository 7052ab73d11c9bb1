"""`make bench`: serve Concierge like production and measure its pages under load.

Steps, all bounded in time:
1. collectstatic, migrate, `seed_bench`, `seed_bench_recognition` and
   `seed_bench_faq` (each skipped when its data exists);
2. in this process, with Django's test client: SQL queries, response bytes and
   a time breakdown (view and middleware Python, template Python, SQL) for
   each page, anonymous and signed in, plus pyinstrument profiles of the hot
   thread and the home page;
3. gunicorn (WSGI, 2 workers) on 127.0.0.1, loaded by `wrk` in a second
   process: each page (the discussion pages, the pages about people, the FAQ)
   anonymous and as a signed-in member, and a bare Django
   view (/_bench/ceiling/) through the full middleware stack as the ceiling;
   then, on the same server, random threads from an empty cache and warm
   (bench.mix), what the cache holds (bench.memory), and the hot thread's
   readers while a reply is posted every 100 ms (bench.writing);
4. uvicorn (ASGI, 2 workers) for the anonymous set, to compare the servers;
5. results in bench/results/<date>.json and tables on stdout, each figure
   with its target.

PostgreSQL and Redis are used when DATABASE_URL and REDIS_URL are set;
otherwise a SQLite file under var/bench/ (the random threads and the cache's
memory then are skipped: they need Redis). Tunable with BENCH_DURATION (seconds
per run, default 10), BENCH_CONNECTIONS (8), BENCH_THREADS (2), BENCH_WARMUP (2),
BENCH_WORKER_CLASS (sync), BENCH_SKIP_ASGI=1, BENCH_SKIP_PROFILE=1,
BENCH_SKIP_SCENARIOS=1 (the page tables only: no random threads, cache memory or
writing) and BENCH_SCALE (the seed's size, for a fresh database; default 1.0).
"""

import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import memory, mix, notifications, writing
from bench.harness import (
    CONNECTIONS,
    DURATION,
    RESULTS,
    ROOT,
    THREADS,
    WARMUP,
    fetch,
    load_line,
    run,
    say,
    sign_in,
    verdict,
    wrk,
)

PYTHON = sys.executable
SKIP_SCENARIOS = os.environ.get("BENCH_SKIP_SCENARIOS") == "1"
BIN = Path(PYTHON).parent
WORKERS = 2
SEARCH_QUERY = "hub offline"

TARGETS = {
    # Shares of the ceiling's requests/s.
    "visitor_cached_fraction": 0.50,  # a visitor's page, served whole from the cache
    "member_fraction": 0.20,  # every member page, and the random mix once warm
    "cold_visitor_fraction": 0.20,  # the random mix from an empty cache
    "cold_member_fraction": 0.12,
    # The pages about people (profiles, leaderboards, badges, the team): the
    # design's targets for every page, which the discussion pages now exceed.
    "recognition_visitor_fraction": 0.25,
    "recognition_member_fraction": 0.10,
    "hot_p99_ms": 100,
    "search_p50_ms": 50,
    **writing.TARGETS,
    **memory.TARGETS,
}


def configure_environment():
    """The production switches, on a local address: no TLS, so no SSL redirect."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "BENCHMARK": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            os.environ.pop(name, None)


# 1. Data -----------------------------------------------------------------------


def collectstatic():
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], timeout=300)


def prepare():
    """Collect, migrate and seed; the seconds the community's seed and its recognition seed took."""
    manage = [PYTHON, "manage.py"]
    collectstatic()
    run([*manage, "migrate", "--noinput", "-v0"], timeout=300)
    started = time.monotonic()
    run([*manage, "seed_bench", "--scale", os.environ.get("BENCH_SCALE", "1.0")], timeout=1800)
    seeded = time.monotonic()
    # Points, badges, staff roles and super users, derived from the votes and answers above.
    run([*manage, "seed_bench_recognition"], timeout=1800)
    # FAQ articles promoted from answered questions, for the FAQ's pages.
    run([*manage, "seed_bench_faq"], timeout=600)
    return seeded - started, time.monotonic() - seeded


def analyse():
    """Fresh planner statistics: a migration that adds a column leaves it without any until autovacuum runs."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()


def find_pages():
    from community.management.commands.seed_bench import CATEGORY_PREFIX, HOT_TITLE
    from community.models import Thread

    hot = Thread.objects.get(title=HOT_TITLE)
    ten = (
        Thread.objects.filter(category__slug__startswith=CATEGORY_PREFIX, kind="question", reply_count=10)
        .filter(is_deleted=False)
        .order_by("pk")
        .first()
    )
    return [
        ("ceiling", "/_bench/ceiling/"),
        ("home", "/"),
        ("category", f"/c/{CATEGORY_PREFIX}hubs/"),
        ("hot thread", hot.get_absolute_url()),
        ("10-reply thread", ten.get_absolute_url()),
        ("search", "/search/?q=" + SEARCH_QUERY.replace(" ", "+")),
        *recognition_pages(),
        *faq_pages(),
    ]


# The FAQ's pages, held to the thread pages' targets (an article is cached as a thread is).
FAQ_PAGES = ("faq", "faq section", "faq article")


def faq_pages():
    """The FAQ's home, its first bench section and that section's first public article."""
    from django.urls import reverse

    from faq.management.commands.seed_bench_faq import busiest_article

    article = busiest_article()
    if article is None:
        return [("faq", reverse("faq:home"))]
    return [
        ("faq", reverse("faq:home")),
        ("faq section", article.section.get_absolute_url()),
        ("faq article", article.get_absolute_url()),
    ]


# Pages about people, held to the recognition targets; find_pages names them.
RECOGNITION_PAGES = ("profile", "leaderboard", "leaderboard, all", "badges", "badge", "team")


def recognition_pages():
    """The busiest member's profile, the leaderboards, the badges, the most held badge and the team."""
    from django.urls import reverse

    from accounts.models import User
    from community.management.commands.seed_bench import USERNAME_PREFIX
    from recognition.badge_selectors import holder_counts

    busiest = (
        User.objects.filter(username__startswith=USERNAME_PREFIX, is_active=True)
        .order_by("-reputation", "pk")
        .values_list("username", flat=True)
        .first()
    )
    counts = holder_counts()
    common = max(counts, key=lambda slug: (counts[slug], slug)) if counts else "first-answer"
    leaderboard = reverse("recognition:leaderboard")
    paths = [
        ("profile", reverse("recognition:profile", kwargs={"username": busiest})),
        ("leaderboard", leaderboard),  # this week's, the default
        ("leaderboard, all", leaderboard + "?period=all"),
        ("badges", reverse("recognition:badges")),
        ("badge", reverse("recognition:badge", kwargs={"slug": common})),
        ("team", reverse("recognition:team")),
    ]
    return paths


def hot_reply_path():
    """Where the reply form to the hot question's opening post is posted."""
    from django.urls import reverse

    from community.management.commands.seed_bench import HOT_TITLE
    from community.models import Thread

    opening = Thread.objects.filter(title=HOT_TITLE).values_list("opening_post_id", flat=True).get()
    return reverse("community:reply", kwargs={"pk": opening})


def dataset():
    import sqlite3

    from django.db import connection

    from community.models import Post, Thread

    connection.ensure_connection()
    version = connection.pg_version if connection.vendor == "postgresql" else sqlite3.sqlite_version
    return {
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "db_vendor": connection.vendor,
        "db_version": str(version),
    }


# 2. In-process: queries, bytes, time breakdown, profiles --------------------------


def member():
    from accounts.models import User
    from community.management.commands.seed_bench import BENCH_MEMBER

    return User.objects.get(username=BENCH_MEMBER)


def clients():
    from django.test import Client

    anonymous = Client(HTTP_HOST="127.0.0.1")
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(member())
    return {"anonymous": anonymous, "member": signed_in}


class Breakdown:
    """Splits a request's wall time into SQL, template rendering and everything else."""

    def __init__(self):
        self.depth = 0
        self.template = self.sql_in_template = self.sql_elsewhere = 0.0
        self.queries = 0

    def render(self, original):
        def wrapped(template, *args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                return original(template, *args, **kwargs)
            finally:
                self.depth -= 1
                if not self.depth:
                    self.template += time.perf_counter() - started

        return wrapped

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.queries += 1
            if self.depth:
                self.sql_in_template += spent
            else:
                self.sql_elsewhere += spent


def measure_in_process(pages, repeat=10):
    from django.db import connection
    from django.template.backends.django import Template

    rows = []
    original = Template.render
    for who, client in clients().items():
        for name, url in pages:
            row = {"page": name, "who": who, "url": url}
            try:
                first = client.get(url)
                row["status"] = first.status_code
                if first.status_code != 200:
                    row["error"] = f"HTTP {first.status_code}; not measured"
                    rows.append(row)
                    say(f"  in-process {name:<16} {who:<9} {_in_process_line(row)}")
                    continue
                row["bytes"] = len(first.content)
                walls, breakdown = [], Breakdown()
                Template.render = breakdown.render(original)
                try:
                    with connection.execute_wrapper(breakdown):
                        for _ in range(repeat):
                            started = time.perf_counter()
                            client.get(url)
                            walls.append(time.perf_counter() - started)
                finally:
                    Template.render = original
                total = sum(walls)
                sql = breakdown.sql_in_template + breakdown.sql_elsewhere
                row.update(
                    queries=breakdown.queries // repeat,
                    ms=round(statistics.median(walls) * 1000, 1),
                    sql_ms=round(sql * 1000 / repeat, 1),
                    template_python_ms=round((breakdown.template - breakdown.sql_in_template) * 1000 / repeat, 1),
                    view_python_ms=round((total - breakdown.template - breakdown.sql_elsewhere) * 1000 / repeat, 1),
                    sql_inside_templates_ms=round(breakdown.sql_in_template * 1000 / repeat, 1),
                )
            except Exception as error:  # a broken page is a result too, not the end of the run
                row["error"] = f"{type(error).__name__}: {error}"[:300]
            rows.append(row)
            say(f"  in-process {name:<16} {who:<9} {_in_process_line(row)}")
    connection.close()
    return rows


def _in_process_line(row):
    if "error" in row:
        return row["error"]
    return (
        f"{row['status']} {row['queries']:>3} queries {row['bytes'] / 1024:7.1f} KB {row['ms']:7.1f} ms "
        f"(sql {row['sql_ms']}, templates {row['template_python_ms']}, view+middleware {row['view_python_ms']})"
    )


def profile(pages, stamp, repeat=10):
    """pyinstrument call trees for the hot thread and the home page, saved as text."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        say("  pyinstrument is not installed (requirements-dev.txt); skipping profiles")
        return {}
    from django.db import connection

    saved = {}
    urls = dict(pages)
    for who, client in clients().items():
        for name in ("hot thread", "home"):
            client.get(urls[name])
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(repeat):
                client.get(urls[name])
            profiler.stop()
            path = RESULTS / f"{stamp}-profile-{name.replace(' ', '-')}-{who}.txt"
            path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
            saved[f"{name} ({who})"] = str(path.relative_to(ROOT))
    connection.close()
    return saved


# 3 and 4. Servers and load ---------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name, argv, port, env=None):
        self.name, self.argv, self.env = name, argv, {**os.environ, **(env or {})}
        self.base = f"http://127.0.0.1:{port}"

    def __enter__(self):
        collectstatic()  # again: the manifest must list every file the templates name now
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                if fetch(self.base + "/_bench/ceiling/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer within 60 s")

    def __exit__(self, *exc):
        # The server runs in its own session: stop exactly the group we started.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def gunicorn(port):
    worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
    # gthread's point is several requests per process; one thread each would be sync again.
    threads = int(os.environ.get("BENCH_WORKER_THREADS", "4")) if worker_class == "gthread" else 1
    return Server(
        f"gunicorn (WSGI, {WORKERS} {worker_class} workers" + (f", {threads} threads each)" if threads > 1 else ")"),
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={WORKERS}",
            f"--worker-class={worker_class}",
            f"--threads={threads}",
            "--log-level=warning",
            "--timeout=60",
        ],
        port,
    )


def uvicorn(port):
    return Server(
        f"uvicorn (ASGI, {WORKERS} workers)",
        [
            str(BIN / "uvicorn"),
            "config.asgi:application",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--workers={WORKERS}",
            "--lifespan=off",
            "--no-access-log",
            "--log-level=warning",
        ],
        port,
        # Under ASGI each request's sync code may run on a new thread, and
        # Django's persistent connections are per thread: they pile up until
        # PostgreSQL refuses clients. Django's docs say to turn them off there.
        env={"CONN_MAX_AGE": "0"},
    )


def load(server, pages, cookie, who_list):
    """Each page for each visitor, then the ceiling once more (if listed) to show how steady the machine was."""
    rows = []
    runs = [(who, name, url) for who in who_list for name, url in pages]
    if "ceiling" in dict(pages):
        runs.append(("anonymous", "ceiling again", dict(pages)["ceiling"]))
    for who, name, url in runs:
        sent = cookie if who == "member" else None
        status, _, _ = fetch(server.base + url, cookie=sent)
        row = {"page": name, "who": who, "status": status}
        if status != 200:
            row["error"] = f"HTTP {status} before the run; not loaded"
        else:
            if WARMUP:
                wrk(server.base + url, sent, duration=WARMUP)
            row.update(wrk(server.base + url, sent))
        rows.append(row)
        say(f"  {server.name.split()[0]:<9} {name:<16} {who:<9} {load_line(row)}")
    return rows


# 5. Report -------------------------------------------------------------------


def fractions(rows):
    """Each page's share of the anonymous ceiling, the mean of its runs before, between and after the pages."""
    ceilings = [r["rps"] for r in rows if r["page"].startswith("ceiling") and r["who"] == "anonymous"]
    ceilings = [rps for rps in ceilings if rps]
    if not ceilings:
        return None
    base = statistics.mean(ceilings)
    for row in rows:
        if "rps" in row:
            row["of_ceiling"] = round(row["rps"] / base, 3)
    return {"ceiling_rps": round(base, 1), "ceiling_drift": round((max(ceilings) - min(ceilings)) / max(ceilings), 3)}


def goal(row):
    """The share of the ceiling a row must reach, or None for a latency run."""
    if row["page"] == "search, 1 client":  # one client cannot fill two workers
        return None
    if row["page"] == "random, cold":
        return TARGETS["cold_member_fraction" if row["who"] == "member" else "cold_visitor_fraction"]
    if row["page"] in RECOGNITION_PAGES:
        return TARGETS["recognition_member_fraction" if row["who"] == "member" else "recognition_visitor_fraction"]
    return TARGETS["member_fraction" if row["who"] == "member" else "visitor_cached_fraction"]


def verdicts(rows):
    found = []
    for row in rows:
        if row["page"].startswith("ceiling") or "rps" not in row:
            continue
        checks = []
        if row.get("errors"):  # a non-2xx answer or a socket error under load: the page is not ok, however fast
            checks.append(f"{row['errors']} errors: {verdict(False)}")
        if (share := goal(row)) is not None:
            checks.append(f"{share:.0%} of ceiling: {verdict(row.get('of_ceiling', 0) >= share)}")
        if row["page"] == "hot thread":
            checks.append(f"p99 < {TARGETS['hot_p99_ms']} ms: {verdict(row['p99_ms'] < TARGETS['hot_p99_ms'])}")
        if row["page"] == "search, 1 client":
            checks.append(f"p50 < {TARGETS['search_p50_ms']} ms: {verdict(row['p50_ms'] < TARGETS['search_p50_ms'])}")
        row["targets"] = "; ".join(checks)
        found.append(row)
    return found


def table(load_rows, in_process):
    facts = {(r["page"], r["who"]): r for r in in_process}
    head = f"{'page':<16} {'who':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL':>4} {'KB':>6} {'ceil':>6}"
    head += "  targets"
    lines = [head, "-" * len(head)]
    for row in load_rows:
        fact = facts.get((row["page"].removesuffix(" again").removesuffix(" at end"), row["who"]), {})
        if "rps" not in row:
            lines.append(f"{row['page']:<16} {row['who']:<9} {row['error']}")
            continue
        size = f"{fact['bytes'] / 1024:6.1f}" if "bytes" in fact else ""
        lines.append(
            f"{row['page']:<16} {row['who']:<9} {row['rps']:8.1f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} "
            f"{fact.get('queries', ''):>4} {size:>6} {row.get('of_ceiling', 0):6.1%}  {row.get('targets', '')}"
        )
    return "\n".join(lines)


def scenarios(server, cookie, pages, report):
    """Random threads cold and warm, the cache's memory, and reading while writing, on `server`."""
    from community.management.commands.seed_bench import BENCH_MEMBER

    say("== random threads, from an empty cache and warm")
    threads = mix.choose()
    report["mix"] = mix.run(server, cookie, BENCH_MEMBER, threads)
    report["wsgi"]["results"] += report["mix"].pop("rows")
    report["wsgi"]["results"] += load(server, [("ceiling at end", dict(pages)["ceiling"])], None, ["anonymous"])

    say("== cache memory")
    used = {"empty": report["mix"].get("used_memory_empty"), "warm": report["mix"].get("used_memory_warm")}
    report["memory"] = memory.measure(server, cookie, threads.spare, mixed=len(threads.paths), used_memory=used)
    for line in memory.lines(report["memory"]):
        say(f"  {line}")

    say(f"== reading the hot thread while a reply is posted every {writing.WRITE_EVERY * 1000:.0f} ms")
    hot = dict(pages)["hot thread"]
    report["writing"] = writing.run(server, cookie, hot_path=hot, reply_path=hot_reply_path())


def git_commit():
    try:
        head = run(["git", "rev-parse", "--short", "HEAD"], timeout=10, capture_output=True, text=True).stdout
        dirty = run(["git", "status", "--porcelain"], timeout=10, capture_output=True, text=True).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.strip() + ("+dirty" if dirty.strip() else "")


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `make bench` installs it with apt-get, or install the Debian package wrk.")
    configure_environment()
    started = time.monotonic()
    load_before = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    say("== preparing: collectstatic, migrate, seed_bench, seed_bench_recognition")
    seed_seconds, recognition_seed_seconds = prepare()

    import django

    django.setup()
    from django.conf import settings

    analyse()
    pages = find_pages()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "django": django.get_version(),
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "session_engine": settings.SESSION_ENGINE,
            "load_average_before": [round(n, 2) for n in load_before],
        },
        "dataset": dataset(),
        "seed_seconds": round(seed_seconds, 1),
        "recognition_seed_seconds": round(recognition_seed_seconds, 1),
        "load": {"tool": "wrk", "duration_s": DURATION, "connections": CONNECTIONS, "threads": THREADS},
        "targets": TARGETS,
        "pages": dict(pages),
    }
    say(f"== in-process (Django test client, {report['dataset']['db_vendor']}, {report['machine']['cache']})")
    report["in_process"] = measure_in_process(pages)
    if os.environ.get("BENCH_SKIP_PROFILE") != "1":
        say("== profiling the hot thread and the home page (pyinstrument)")
        report["profiles"] = profile(pages, stamp)

    say(f"== WSGI under load: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s")
    with gunicorn(free_port()) as server:
        cookie = sign_in(server.base)
        report["wsgi"] = {"server": server.name, "results": load(server, pages, cookie, ["anonymous", "member"])}
        # Search latency as one visitor sees it, without eight clients queueing for two
        # workers, and with every query new, so the search itself runs each time.
        single = {"page": "search, 1 client", "who": "anonymous", "status": 200, "uncached": True}
        single.update(wrk(server.base + dict(pages)["search"], connections=1, unique=True))
        report["wsgi"]["results"].append(single)
        say(f"  {server.name.split()[0]:<9} {single['page']:<16} {'anonymous':<9} {load_line(single)}")

        if SKIP_SCENARIOS:
            say("== BENCH_SKIP_SCENARIOS=1: no random threads, cache memory or writing")
        else:
            scenarios(server, cookie, pages, report)
    report["wsgi"].update(fractions(report["wsgi"]["results"]) or {})
    verdicts(report["wsgi"]["results"])

    if os.environ.get("BENCH_SKIP_ASGI") != "1":
        say("== ASGI under load, anonymous pages")
        with uvicorn(free_port()) as server:
            report["asgi"] = {"server": server.name, "results": load(server, pages, None, ["anonymous"])}
        report["asgi"].update(fractions(report["asgi"]["results"]) or {})
        wsgi = {r["page"]: r.get("rps") for r in report["wsgi"]["results"] if r["who"] == "anonymous"}
        report["asgi"]["vs_wsgi"] = {
            r["page"]: round(r["rps"] / wsgi[r["page"]], 2)
            for r in report["asgi"]["results"]
            if r.get("rps") and wsgi.get(r["page"])
        }

    report["notifications"] = notifications.run()
    report["machine"]["load_average_at_end"] = [round(n, 2) for n in os.getloadavg()]
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")

    db = report["dataset"]
    say(
        f"\n== {report['wsgi']['server']}, {db['db_vendor']} ({db['threads']:,} threads, {db['posts']:,} posts), "
        f"{report['machine']['cache']} cache, {report['machine']['cores']} cores, wrk -c{CONNECTIONS} -d{DURATION}s"
    )
    say(table(report["wsgi"]["results"], report["in_process"]))
    if report.get("writing"):
        say(f"\n== the hot thread's readers (wrk -c{CONNECTIONS}) while a reply is posted every 100 ms")
        say(writing.table(report["writing"]))
    if "memory" in report:
        say("\n== cache memory (Redis MEMORY USAGE)")
        say("\n".join(memory.lines(report["memory"])))
    if "asgi" in report:
        say(f"\n== {report['asgi']['server']} (anonymous)")
        say(table(report["asgi"]["results"], report["in_process"]))
        ratios = report["asgi"]["vs_wsgi"].items()
        say("ASGI/WSGI req/s: " + ", ".join(f"{page} {ratio:.2f}x" for page, ratio in ratios))
    for phase in ("wsgi", "asgi"):
        drift = report.get(phase, {}).get("ceiling_drift", 0)
        if drift > 0.15:
            say(f"Note: the {phase.upper()} ceiling moved {drift:.0%} between its first and last run: a busy machine.")
    if load_before[0] > (os.cpu_count() or 1) / 2:
        say(f"Note: the load average was {load_before[0]:.1f} on {os.cpu_count()} cores before the run started;")
        say("other work on this machine may have skewed the numbers.")
    say(f"\nWrote {path.relative_to(ROOT)} in {report['elapsed_s']:.0f} s.")


if __name__ == "__main__":
    main()
