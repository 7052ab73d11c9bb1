"""What every benchmark scenario uses: the knobs, printing, plain HTTP requests, signing in and wrk runs."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))


def say(text):
    print(text, flush=True)


def run(args, timeout, **kwargs):
    """Run one of our own commands, failing loudly."""
    return subprocess.run(args, cwd=ROOT, check=True, timeout=timeout, **kwargs)  # noqa: S603 - fixed argv


class ProcessCpu:
    """CPU seconds the machine's processes spent between `start()` and `stop()`, grouped by what they serve.

    Read from /proc (Linux): the web workers, PostgreSQL and Redis by their
    command lines; wrk, a child of this process, by `os.times()`. Where /proc
    is missing, `stop()` gives nothing.
    """

    GROUPS = (("gunicorn", "gunicorn"), ("uvicorn", "uvicorn"), ("postgres", "postgres"), ("redis", "redis"))

    def start(self):
        self._before, self._children = self._ticks(), os.times()
        return self

    def stop(self) -> dict[str, float]:
        after, children = self._ticks(), os.times()
        if not after:
            return {}
        hz = os.sysconf("SC_CLK_TCK")
        used = {group: (after.get(group, 0) - self._before.get(group, 0)) / hz for group in after}
        used["wrk"] = (children.children_user + children.children_system) - (
            self._children.children_user + self._children.children_system
        )
        return {group: round(seconds, 2) for group, seconds in used.items() if seconds > 0}

    def _ticks(self) -> dict[str, int]:
        found: dict[str, int] = {}
        proc = Path("/proc")
        if not proc.is_dir():
            return found
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:  # the process ended while we looked
                continue
            # utime and stime: the 14th and 15th fields, counted after the command's closing parenthesis.
            fields = stat[stat.rindex(")") + 2 :].split()
            group = next((name for name, word in self.GROUPS if word in command), None)
            if group is not None:
                found[group] = found.get(group, 0) + int(fields[11]) + int(fields[12])
        return found


# Plain HTTP ------------------------------------------------------------------------


def fetch(url, cookie=None, data=None, headers=None):
    """One plain HTTP request: (status, headers, body). Redirects are not followed."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    sent = dict(headers or {})
    if cookie:
        sent["Cookie"] = cookie
    body = None
    if data is not None:
        body = urlencode(data)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("POST" if data is not None else "GET", path, body=body, headers=sent)
    response = connection.getresponse()
    result = response.status, response.getheaders(), response.read()
    connection.close()
    return result


def cookies_set(headers):
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


def form_token(body):
    """The CSRF token a page's form carries, or None."""
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    return token.group(1).decode() if token else None


def signed_in_as(body, username) -> bool:
    """Whether a page was rendered for `username` (the menu names the member signed in)."""
    return f"@{username}".encode() in body


def sign_in(base, username=None):
    """Sign in through allauth's form, as a browser would; returns the Cookie header."""
    from community.management.commands.seed_bench import BENCH_MEMBER, BENCH_PASSWORD

    username = username or BENCH_MEMBER
    status, headers, body = fetch(base + "/accounts/login/")
    csrf = cookies_set(headers).get("csrftoken")
    token = form_token(body)
    if status != 200 or not csrf or not token:
        raise RuntimeError(f"login page answered {status} without a CSRF token")
    form = {"login": f"{username}@bench.example", "password": BENCH_PASSWORD, "csrfmiddlewaretoken": token}
    status, headers, _ = fetch(base + "/accounts/login/", cookie=f"csrftoken={csrf}", data=form)
    cookies = cookies_set(headers)
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"sign-in answered {status} without a session cookie")
    cookie = f"sessionid={cookies['sessionid']}; csrftoken={cookies.get('csrftoken', csrf)}"
    status, _, body = fetch(base + "/", cookie=cookie)
    if not signed_in_as(body, username):
        raise RuntimeError(f"the session cookie does not sign {username} in")
    return cookie


def session_key(cookie):
    return re.search(r"sessionid=([^;]+)", cookie).group(1)


# wrk -----------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return round(float(number) * _UNITS[unit], 2)


# Adds a counter to the query string, so each request is a new search that no cache can answer.
UNIQUE_QUERIES = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "&n=" .. counter)
end
"""

# Each request asks for one of the paths in the file named after `--`, picked at random,
# with a seed of its own in each wrk thread.
RANDOM_PATHS = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local paths = {}
init = function(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() * 100 + id)
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""

# Removed when the run ends.
_SCRATCH = tempfile.TemporaryDirectory(prefix="concierge-bench-")


def scratch_file(name, text):
    """A file for wrk to read (scripts, path lists), outside the repository."""
    path = Path(_SCRATCH.name) / name
    path.write_text(text)
    return path


def wrk(url, cookie=None, duration=DURATION, connections=CONNECTIONS, unique=False, paths=None):
    """One wrk run against `url`; with `paths`, each request picks one of them at random instead."""
    argv = [
        shutil.which("wrk") or "wrk",
        f"-t{min(THREADS, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout=30s",
    ]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    if unique:
        argv += ["-s", str(scratch_file("unique.lua", UNIQUE_QUERIES)), url]
    elif paths:
        listed = scratch_file("paths.txt", "\n".join(paths) + "\n")
        argv += ["-s", str(scratch_file("random.lua", RANDOM_PATHS)), url, "--", str(listed)]
    else:
        argv.append(url)
    output = run(argv, timeout=duration + 60, capture_output=True, text=True).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "p99_ms": _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "errors": 0,
    }
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["errors"] += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["errors"] += sum(int(n) for n in found.groups())
    return result


def load_line(row):
    if "error" in row:
        return row["error"]
    errors = f"  ({row['errors']} errors)" if row["errors"] else ""
    return f"{row['rps']:8.1f} req/s  p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms{errors}"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


# The cache's Redis -----------------------------------------------------------------


def cache_redis():
    """A client for the Redis database the cache uses, or None with the embedded locmem cache."""
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION")
    if not os.environ.get("REDIS_URL") or not isinstance(location, str) or not location.startswith("redis"):
        return None
    import redis

    return redis.Redis.from_url(location)


def cache_prefix() -> str:
    """What the cache puts before every key it stores (key prefix and version)."""
    from django.core.cache import cache

    return cache.make_key("")


def cache_keys(client) -> set[bytes]:
    return set(client.scan_iter(match=cache_prefix() + "*", count=1000))


def empty_cache(client) -> int:
    """Remove every key the cache stored: pages, fragments, list versions, sessions, limits.

    Only the cache's own keys go, so Celery's queues and the channel layer in
    the same database are left alone. Returns how many keys were removed.
    """
    keys = list(cache_keys(client))
    for start in range(0, len(keys), 1000):
        client.unlink(*keys[start : start + 1000])
    return len(keys)
