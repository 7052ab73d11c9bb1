"""The real services tests run against: an SMTP sink, a Celery worker process, the broker switch.

Its fixtures are registered once, by the root conftest, so every directory
shares one sink and one worker per session: two workers on the default queue
would take each other's tasks and mail them into each other's sinks.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

ROOT = Path(__file__).resolve().parents[1]


def require_services():
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing:
        pytest.skip(f"integration tests need {' and '.join(missing)}")
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("integration tests need DATABASE_URL to point at PostgreSQL")


class Inbox(Message):
    """A real SMTP server that keeps what it receives."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)

    def wait_until(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matches = [m for m in self.messages if predicate(m)]
            if matches:
                return matches
            time.sleep(0.1)
        seen = [(m["To"], m["Subject"]) for m in self.messages]
        raise AssertionError(f"no matching message reached the SMTP sink in {timeout}s; it has {seen}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_sink():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def database_url_for_processes() -> str:
    """DATABASE_URL, pointed at the database the tests run in, for processes the tests start."""
    from django.db import connection

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{connection.settings_dict['NAME']}"


def run_django(code: str, broker_url: str) -> str:
    """Run `code` in a separate Django process whose Celery broker is `broker_url`, as a web process would."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_processes(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    program = f"import django\ndjango.setup()\n{code}"
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def start_worker(log: Path, queue: str, **env: str) -> subprocess.Popen:
    """A real `celery worker` process on the tests' database, listening on `queue` and the default queue."""
    environment = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url_for_processes(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **env,
    }
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                f"{queue},celery",
                "-n",
                f"{queue}@%h",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"celery worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def celery_worker_process(smtp_sink, tmp_path_factory, django_db_setup, django_db_blocker):
    """A real `celery worker` process, mailing into the SMTP sink.

    It reads the tests' database, where the outbox rows it delivers are, and
    listens on a queue of its own, for tasks a test routes explicitly, and on
    the default queue, for tasks that application code sends.
    """
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL")
    _, port = smtp_sink
    queue = f"it-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        process = start_worker(
            tmp_path_factory.mktemp("worker") / "worker.log", queue, EMAIL_URL=f"smtp://127.0.0.1:{port}"
        )
    yield queue
    stop(process)


@pytest.fixture
def broker(settings):
    """Send tasks to Redis for real instead of running them in-process."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True
