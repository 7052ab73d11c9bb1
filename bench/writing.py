"""Reading while writing: readers on the hot thread while a member of staff replies to it every 100 ms.

Each reply bumps the thread's version, so every cached copy of its page is
replaced ten times a second while eight readers ask for it. The writer uses
the real reply form over HTTP, signed in as a bench member of staff: staff
are exempt from the posting limits of moderation/screening.py (a member may
reply at most once every 2 to 30 seconds, depending on trust level), so no
setting is changed for the bench. After each reply it reads the thread, newest
first, as a visitor and as the bench member, and counts a miss whenever the
reply it just posted is not on that page.

Each run adds its replies to the hot thread; `seed_bench --force` removes them.
"""

import secrets
import threading
import time

from bench.harness import WARMUP, fetch, form_token, load_line, say, sign_in, verdict, wrk

WRITE_EVERY = 0.1  # seconds
TARGETS = {
    "writing_read_share": 0.50,  # readers' requests/s while writing, of their requests/s read-only
    "writing_p99_ms": 100,
    "invisible_replies": 0,
}


def writer_name() -> str:
    """A bench member of staff (seed_bench makes the last 1% of its members staff)."""
    from django.db import connection

    from accounts.models import User
    from community.management.commands.seed_bench import USERNAME_PREFIX

    try:
        staff = User.objects.filter(username__startswith=USERNAME_PREFIX, is_staff_member=True, is_active=True)
        return staff.order_by("-username").values_list("username", flat=True).first()
    finally:
        connection.close()


class Writer(threading.Thread):
    """Posts a reply through the form every WRITE_EVERY seconds, then looks for it as visitor and member."""

    def __init__(self, base, *, reply_path, thread_path, cookie, member_cookie, label):
        super().__init__(daemon=True)
        self.base, self.reply_path, self.cookie, self.label = base, reply_path, cookie, label
        self.readers = {"anonymous": None, "member": member_cookie}
        self.newest = f"{base}{thread_path}?sort=newest"
        self.stopping = threading.Event()
        self.writes = 0
        self.refused = {}  # status: how many
        self.invisible = {"anonymous": 0, "member": 0}
        self.failure = None
        self.seconds = 0.0
        self.timings = {"post": [], "read": []}  # seconds per request

    def run(self):
        started = time.monotonic()
        try:
            self._write()
        except Exception as error:  # reported with the results, not lost in a thread
            self.failure = f"{type(error).__name__}: {error}"
        self.seconds = time.monotonic() - started

    def _write(self):
        status, _, body = fetch(self.base + self.reply_path, cookie=self.cookie)
        token = form_token(body)
        if status != 200 or not token:
            raise RuntimeError(f"the reply form answered {status} without a CSRF token")
        due = time.monotonic()
        while not self.stopping.is_set():
            mark = f"writecheck-{self.label}-{self.writes + 1}-{secrets.token_hex(4)}"
            form = {"body": f"Still seeing this after the update. {mark}", "csrfmiddlewaretoken": token}
            status, _, _ = self._timed("post", self.base + self.reply_path, cookie=self.cookie, data=form)
            if status == 302:
                self.writes += 1
                for who, cookie in self.readers.items():
                    status, _, page = self._timed("read", self.newest, cookie=cookie)
                    if status != 200 or mark.encode() not in page:
                        self.invisible[who] += 1
            else:
                self.refused[status] = self.refused.get(status, 0) + 1
            due = max(due + WRITE_EVERY, time.monotonic())
            self.stopping.wait(due - time.monotonic())

    def _timed(self, what, url, **kwargs):
        started = time.monotonic()
        try:
            return fetch(url, **kwargs)
        finally:
            self.timings[what].append(time.monotonic() - started)

    def mean_ms(self, what) -> float:
        taken = self.timings[what]
        return round(sum(taken) * 1000 / len(taken), 1) if taken else 0.0

    def stop(self):
        self.stopping.set()
        self.join(timeout=60)


def run(server, member_cookie, *, hot_path, reply_path) -> list[dict]:
    """Readers on the hot thread alone, then with the writer; as visitors, then as the member."""
    name = writer_name()
    if name is None:
        say("  reading while writing: skipped, seed_bench made no member of staff")
        return []
    writer_cookie = sign_in(server.base, name)
    say(f"  writer: {name} (staff, exempt from posting limits), a reply every {WRITE_EVERY * 1000:.0f} ms")
    rows = []
    for who in ("anonymous", "member"):
        cookie = member_cookie if who == "member" else None
        if WARMUP:
            wrk(server.base + hot_path, cookie, duration=WARMUP)
        alone = wrk(server.base + hot_path, cookie)
        writer = Writer(
            server.base,
            reply_path=reply_path,
            thread_path=hot_path,
            cookie=writer_cookie,
            member_cookie=member_cookie,
            label=f"{who[:3]}{int(time.time())}",
        )
        writer.start()
        try:
            during = wrk(server.base + hot_path, cookie)
        finally:
            writer.stop()
        row = {
            "page": "hot thread",
            "who": who,
            "read_only": alone,
            "while_writing": during,
            "writes": writer.writes,
            "writes_per_s": round(writer.writes / writer.seconds, 1) if writer.seconds else 0,
            "refused": writer.refused,
            "writer_post_ms": writer.mean_ms("post"),
            "writer_read_ms": writer.mean_ms("read"),
            "invisible": writer.invisible,
        }
        if writer.failure:
            row["error"] = writer.failure
        row["targets"] = judge(row)
        rows.append(row)
        say(f"  read-only      {who:<9} {load_line(alone)}")
        say(f"  while writing  {who:<9} {load_line(during)}  {_writes_line(row)}")
    return rows


def judge(row) -> str:
    alone, during = row["read_only"], row["while_writing"]
    share = during["rps"] / alone["rps"] if alone["rps"] else 0
    row["read_share"] = round(share, 3)
    invisible = sum(row["invisible"].values())
    checks = [
        f"{TARGETS['writing_read_share']:.0%} of read-only: {verdict(share >= TARGETS['writing_read_share'])}",
        f"p99 < {TARGETS['writing_p99_ms']} ms: {verdict(during['p99_ms'] < TARGETS['writing_p99_ms'])}",
        # No writes would make "none invisible" say nothing.
        f"invisible replies = 0: {verdict(row['writes'] > 0 and invisible <= TARGETS['invisible_replies'])}",
    ]
    if "error" in row:
        checks.append(f"writer failed: {row['error']}")
    return "; ".join(checks)


def _writes_line(row) -> str:
    refused = ", ".join(f"{n}x HTTP {status}" for status, n in row["refused"].items())
    invisible = row["invisible"]
    return (
        f"{row['writes']} replies ({row['writes_per_s']}/s, posting took {row['writer_post_ms']} ms, "
        f"each read {row['writer_read_ms']} ms){', refused ' + refused if refused else ''}; "
        f"not on the next read: {invisible['anonymous']} as visitor, {invisible['member']} as member"
    )


def table(rows) -> str:
    head = f"{'readers':<9} {'req/s alone':>11} {'while writing':>13} {'share':>6} {'p99 alone':>9}"
    head += f" {'p99 writing':>11} {'replies':>7} {'unseen':>6}  targets"
    lines = [head, "-" * len(head)]
    for row in rows:
        alone, during = row["read_only"], row["while_writing"]
        lines.append(
            f"{row['who']:<9} {alone['rps']:11.1f} {during['rps']:13.1f} {row['read_share']:6.0%} "
            f"{alone['p99_ms']:9.1f} {during['p99_ms']:11.1f} {row['writes']:7} {sum(row['invisible'].values()):6}  "
            f"{row['targets']}"
        )
    return "\n".join(lines)
