"""A redis-server of a test's own, which the test may stop and start again.

Tests that take Redis away use this one, on a port the OS picked, so that
stopping it never touches the machine's shared Redis or another test worker's.
"""

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest

from tests.conftest import ON_CI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_url() -> str:
    """A Redis URL that nothing listens on: connecting to it is refused at once."""
    return f"redis://127.0.0.1:{_free_port()}/0"


class PrivateRedis:
    def __init__(self, directory):
        self.port = _free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            # No persistence: a restarted server comes back empty, like a fresh one.
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def stored_keys(self) -> list[bytes]:
        import redis

        return redis.Redis.from_url(self.url).keys()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def running_redis(directory):
    """A started PrivateRedis, stopped afterwards; skips (fails under CI=true) without redis-server."""
    if shutil.which("redis-server") is None:
        if ON_CI:
            pytest.fail("redis-server is not installed, and CI=true needs these tests to run")
        pytest.skip("needs redis-server")
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def cache_on(url: str):
    """Production's cache configuration, pointed at the Redis at `url`, for the block."""
    from django.conf import settings
    from django.test import override_settings

    configured = settings.CACHES["default"]
    with override_settings(CACHES={"default": {**configured, "LOCATION": url}}):
        yield
