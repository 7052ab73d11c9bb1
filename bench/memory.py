"""What the cache holds: bytes per cached thread and for the whole data set, against a budget.

Redis's MEMORY USAGE is summed over the keys that reading a thread adds to
the cache (the key set before and after, so no key name is assumed), for
threads of the mix's size that nothing has read yet: once as a visitor, once
as the member. List pages are measured the same way. The whole data set is
then projected from those averages: every thread's first page in its default
order, for visitors and members, plus every page of the home, unanswered and
category lists (newest first, no filters).
"""

import math

from bench.harness import cache_keys, cache_prefix, cache_redis, fetch, say, verdict

TARGETS = {
    "cache_bytes_per_thread": 64 * 1024,  # a 10-reply thread, cached for visitors and for members
    "cache_bytes_dataset": 2 * 1024**3,  # the 20,000-thread data set, every thread and list page cached
}


def kind_of(name: str) -> str:
    """What a cache key (without the cache's prefix) holds, named after the caching code that writes it."""
    if name.startswith("page:"):
        return "visitor page"
    if name.startswith("shared:"):
        return "member page pieces"
    if name.startswith("replies:"):
        return "reply html" if name.endswith(":html") else "reply meta"
    if ":thread:" in name:
        return "thread values"
    if name.startswith("list:") or ":list:" in name:
        return "list html"
    return "other"


def sizes(client, keys) -> dict[bytes, int]:
    """MEMORY USAGE of each key, counting every element of a collection (SAMPLES 0)."""
    keys = list(keys)
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
    return {key: size or 0 for key, size in zip(keys, pipe.execute(), strict=True)}


def added_by(client, url, cookie) -> tuple[int, dict[str, int]]:
    """The page's status, and the bytes the cache gained by kind of key, while serving `url`."""
    before = cache_keys(client)
    status = fetch(url, cookie=cookie)[0]
    added = sizes(client, cache_keys(client) - before)
    prefix = len(cache_prefix())
    kinds = {}
    for key, size in added.items():
        kind = kind_of(key.decode()[prefix:])
        kinds[kind] = kinds.get(kind, 0) + size
    return status, kinds


def read_twice(client, url, cookie) -> dict[str, int] | None:
    """What reading `url` first as a visitor, then as the member, added to the cache; None unless both got 200."""
    found = {}
    for who, sent in (("visitor", None), ("member", cookie)):
        status, kinds = added_by(client, url, sent)
        if status != 200:
            return None
        found.update({f"{who}: {kind}": size for kind, size in kinds.items()})
    return found


def _mean(visits: list[dict[str, int]]) -> dict[str, float]:
    if not visits:
        return {}
    kinds = {kind for visit in visits for kind in visit}
    return {kind: sum(visit.get(kind, 0) for visit in visits) / len(visits) for kind in sorted(kinds)}


def list_pages() -> tuple[list[str], int]:
    """Page 2 of each list (page 1 was read already) and how many list pages the data set has."""
    from django.contrib.auth.models import AnonymousUser
    from django.urls import reverse

    from community import selectors
    from community.management.commands.seed_bench import CATEGORY_PREFIX
    from community.models import Category

    per_page = getattr(selectors, "THREADS_PER_PAGE", 25)
    most = getattr(selectors, "MAX_LIST_PAGES", 2_000)
    visitor = AnonymousUser()
    lists = {
        reverse("home"): selectors.thread_list(visitor),
        reverse("community:unanswered"): selectors.thread_list(visitor, filter_name="unanswered"),
    }
    for category in Category.objects.filter(slug__startswith=CATEGORY_PREFIX):
        lists[reverse("community:category", kwargs={"slug": category.slug})] = selectors.thread_list(
            visitor, category=category
        )
    pages = sum(min(math.ceil(threads.count() / per_page), most) for threads in lists.values())
    return [f"{path}?page=2" for path in lists], pages


def measure(server, cookie, spare_paths, *, mixed: int, used_memory: dict) -> dict:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from community.models import Thread
    from community.permissions import visible_threads

    client = cache_redis()
    if client is None:
        say("  cache memory: skipped, it needs REDIS_URL")
        return {}
    whole = sizes(client, cache_keys(client))
    found = {
        "after_mix": {"keys": len(whole), "bytes": sum(whole.values()), "threads_read": mixed},
        "used_memory": {**used_memory, "after_mix": client.info("memory")["used_memory"]},
    }
    visits = [read_twice(client, server.base + path, cookie) for path in spare_paths]
    thread = _mean([visit for visit in visits if visit is not None])
    paths, list_count = list_pages()
    lists = _mean([visit for path in paths if (visit := read_twice(client, server.base + path, cookie)) is not None])
    threads = visible_threads(AnonymousUser(), Thread.objects.all()).count()
    connection.close()
    per_thread, per_list = sum(thread.values()), sum(lists.values())
    projected = per_thread * threads + per_list * list_count
    found.update(
        sampled_threads=sum(visit is not None for visit in visits),
        per_thread={"bytes": round(per_thread), "by_kind": _rounded(thread)},
        per_list_page={"bytes": round(per_list), "pages": list_count, "by_kind": _rounded(lists)},
        dataset={"threads": threads, "list_pages": list_count, "projected_bytes": round(projected)},
    )
    found["targets"] = {
        "per_thread": verdict(per_thread <= TARGETS["cache_bytes_per_thread"]),
        "dataset": verdict(projected <= TARGETS["cache_bytes_dataset"]),
    }
    return found


def _rounded(by_kind: dict[str, float]) -> dict[str, int]:
    return {kind: round(size) for kind, size in by_kind.items()}


def _size(n: float) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _added(by_kind: dict[str, int]) -> list[str]:
    """ "visitor: reply html" and the like, as one line per reader."""
    found = []
    for who in ("visitor", "member"):
        kinds = {kind.split(": ", 1)[1]: size for kind, size in by_kind.items() if kind.startswith(f"{who}: ")}
        listed = ", ".join(f"{kind} {_size(size)}" for kind, size in sorted(kinds.items(), key=lambda i: -i[1]))
        found.append(f"  the {who}'s read added: {listed or 'nothing'}")
    return found


def lines(found: dict) -> list[str]:
    if not found:
        return ["cache memory: not measured (needs REDIS_URL)"]
    after, used = found["after_mix"], found["used_memory"]
    per_thread, per_list, data = found["per_thread"], found["per_list_page"], found["dataset"]
    budget, whole = TARGETS["cache_bytes_per_thread"], TARGETS["cache_bytes_dataset"]
    return [
        f"cache after the random mix: {after['keys']:,} keys, {_size(after['bytes'])} "
        f"({_size(after['bytes'] / max(after['threads_read'], 1))} per thread read, lists and sessions included)",
        f"Redis used_memory (whole server): {_size(used['empty'])} with the cache emptied, "
        f"{_size(used['warm'])} after the warm mix",
        f"one thread ({found['sampled_threads']} sampled), cached for visitors and members: "
        f"{_size(per_thread['bytes'])}  (budget {_size(budget)}: {found['targets']['per_thread']})",
        *_added(per_thread["by_kind"]),
        f"one list page, visitor and member: {_size(per_list['bytes'])}; the data set has {per_list['pages']:,}",
        *_added(per_list["by_kind"]),
        f"whole data set cached: {data['threads']:,} threads x {_size(per_thread['bytes'])} + "
        f"{data['list_pages']:,} list pages x {_size(per_list['bytes'])} = {_size(data['projected_bytes'])}  "
        f"(budget {_size(whole)}: {found['targets']['dataset']})",
    ]
