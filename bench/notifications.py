"""Notifications at scale: one reply told to 10,000 followers, and mailed to 1,000, by one real worker.

The scenario brings its own community and removes it afterwards, so the pages
the other scenarios measure never see it: a category, 10,000 members who
follow a thread in it, and a second thread that 1,000 of them follow by email.
It runs its own broker (a private redis-server on a free port, so no task left
queued by the web scenarios is worked first) and one Celery worker (solo pool)
on the bench database, which mails into an aiosmtpd sink in this process. Each
reply is posted by a separate process, as a web process would post it, and
the clock stops when the last notification row exists, or when the last
message reached the sink.

Needs PostgreSQL, Redis and redis-server; skipped otherwise, or with
BENCH_SKIP_NOTIFICATIONS=1. `python -m bench.notifications` runs it alone.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.harness import ROOT, say, verdict

FOLLOWERS = 10_000
EMAILED = 1_000
TARGETS = {"notifications_fanout_s": 10}
PREFIX = "notify-bench-"
CATEGORY_SLUG = "bench-notifications"
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def private_broker(directory: Path):
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def smtp_sink():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Count(Message):
        def __init__(self):
            super().__init__()
            self.received = 0
            self.last = 0.0

        def handle_message(self, message):
            self.received += 1
            self.last = time.time()

    handler = Count()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@contextmanager
def worker(env: dict, log: Path):
    with open(log, "w") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO", "-n", "bench@%h"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def seed() -> dict:
    """A category, a thread 10,000 members follow in-app, and one 1,000 of them follow by email."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from community.models import Category, Subscription
    from community.services.threads import start_thread
    from notifications.models import Kind, Preference

    remove()
    unusable = make_password(None)  # nobody signs in as them
    category = Category.objects.create(name="Bench notifications", slug=CATEGORY_SLUG)
    users = User.objects.bulk_create(
        User(username=f"{PREFIX}{n}", email=f"{PREFIX}{n}@example.com", password=unusable, trust_level=1)
        for n in range(FOLLOWERS + 4)
    )
    # Two of each, as posting limits space one member's threads and replies apart.
    askers, repliers, followers = users[:2], users[2:4], users[4:]
    told = start_thread(askers[0], category=category, kind="discussion", title="Told in-app", body="Follow this one.")
    mailed = start_thread(askers[1], category=category, kind="discussion", title="Told by email", body="And this one.")
    Subscription.objects.bulk_create(Subscription(user=user, thread=told) for user in followers)
    Subscription.objects.bulk_create(Subscription(user=user, thread=mailed) for user in followers[:EMAILED])
    Preference.objects.bulk_create(
        Preference(user=user, kind=Kind.WATCHED_REPLY, in_app=True, email=True) for user in followers[:EMAILED]
    )
    return {
        "told": (repliers[0].pk, told.opening_post_id),
        "mailed": (repliers[1].pk, mailed.opening_post_id),
    }


def remove() -> None:
    from accounts.models import User
    from community.models import Category, Post, Thread
    from outbox.models import Event

    threads = Thread.objects.filter(category__slug=CATEGORY_SLUG)
    Event.objects.filter(payload__thread_id__in=list(threads.values_list("pk", flat=True))).delete()
    posts = Post.objects.filter(thread__in=threads)
    for level in sorted(set(posts.values_list("level", flat=True)), reverse=True):  # replies protect parents
        posts.filter(level=level).delete()
    threads.delete()
    Category.objects.filter(slug=CATEGORY_SLUG).delete()
    User.objects.filter(username__startswith=PREFIX).delete()


def post_reply(env: dict, replier: int, parent: int) -> tuple[float, int]:
    """Post a reply in a process of its own; (wall-clock time just before the reply, its id)."""
    code = (
        "import django, json, time\n"
        "django.setup()\n"
        "from accounts.models import User\n"
        "from community.models import Post\n"
        "from community.services.posts import reply\n"
        f"author, parent = User.objects.get(pk={replier}), Post.objects.get(pk={parent})\n"
        "started = time.time()\n"
        "post = reply(author, parent=parent, body='Here is what changed.')\n"
        "print(json.dumps([started, post.pk]))\n"
    )
    done = subprocess.run(  # noqa: S603 - fixed argv
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    started, post_id = json.loads(done.stdout.strip().splitlines()[-1])
    return started, post_id


def measure() -> dict:
    from notifications.models import Notification

    directory = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    say(f"  seeding {FOLLOWERS:,} followers")
    try:
        ids = seed()
        with private_broker(directory) as broker, smtp_sink() as (sink, smtp_port):
            env = {
                **os.environ,
                "CELERY_BROKER_URL": broker,
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                "PYTHONUNBUFFERED": "1",
            }
            with worker(env, directory / "worker.log"):
                started, post_id = post_reply(env, *ids["told"])
                deadline = time.monotonic() + 300
                while (count := Notification.objects.filter(post_id=post_id).count()) < FOLLOWERS:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"only {count:,} of {FOLLOWERS:,} notifications after 300 s")
                    time.sleep(0.05)
                fanout = time.time() - started

                started, post_id = post_reply(env, *ids["mailed"])
                deadline = time.monotonic() + 300
                while sink.received < EMAILED:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"only {sink.received:,} of {EMAILED:,} emails after 300 s")
                    time.sleep(0.05)
                mailed = sink.last - started
    finally:
        remove()
        shutil.rmtree(directory, ignore_errors=True)
    return {
        "followers": FOLLOWERS,
        "in_app_s": round(fanout, 2),
        "in_app_per_s": round(FOLLOWERS / fanout),
        "emails": EMAILED,
        "email_s": round(mailed, 2),
        "emails_per_s": round(EMAILED / mailed, 1),
    }


def lines(result: dict) -> list[str]:
    target = TARGETS["notifications_fanout_s"]
    return [
        f"reply to {result['followers']:,} followers, all in-app notifications written: {result['in_app_s']:.1f} s "
        f"({result['in_app_per_s']:,}/s)  target < {target} s {verdict(result['in_app_s'] < target)}",
        f"reply to {result['emails']:,} email followers, all at the SMTP sink: {result['email_s']:.1f} s "
        f"({result['emails_per_s']:.0f} messages/s)",
    ]


def run() -> dict | None:
    """The scenario, when it can run here; its figures, also printed."""
    from django.conf import settings
    from django.db import connection

    if os.environ.get("BENCH_SKIP_NOTIFICATIONS") == "1":
        say("== BENCH_SKIP_NOTIFICATIONS=1: no notifications scenario")
        return None
    if connection.vendor != "postgresql" or not settings.REDIS_URL or not shutil.which("redis-server"):
        say("== notifications scenario skipped: it needs PostgreSQL, Redis and redis-server")
        return None
    say(f"== notifications: one worker tells {FOLLOWERS:,} followers in-app and mails {EMAILED:,}")
    result = measure()
    for line in lines(result):
        say(f"  {line}")
    return result


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    run()
