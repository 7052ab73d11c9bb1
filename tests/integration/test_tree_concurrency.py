"""Concurrent writers must leave every thread's mptt tree valid (PostgreSQL)."""

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from community.models import Post, Thread
from tests.builders import build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8


def run_concurrently(jobs):
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [future.result(timeout=120) for future in [pool.submit(run, job) for job in jobs]]


def assert_tree_valid(posts):
    """Nested-set invariants: bounds 1..2n, parents contain children, levels step by one."""
    by_pk = {p.pk: p for p in posts}
    bounds = sorted([p.lft for p in posts] + [p.rght for p in posts])
    assert bounds == list(range(1, 2 * len(posts) + 1))
    children = defaultdict(int)
    for post in posts:
        assert post.lft < post.rght
        if post.parent_id is None:
            assert (post.lft, post.level) == (1, 0)
            continue
        parent = by_pk[post.parent_id]
        assert parent.lft < post.lft and post.rght < parent.rght
        assert post.level == parent.level + 1
        children[parent.pk] += 1
    for post in posts:
        descendants = sum(1 for other in posts if post.lft < other.lft < post.rght)
        assert post.rght - post.lft == 2 * descendants + 1


def test_concurrent_replies_and_new_threads_keep_trees_valid(category):
    assert connection.vendor == "postgresql"
    members = [build_member() for _ in range(WORKERS)]
    thread = build_thread(members[0], category=category, title="A busy question thread")
    first = build_reply(members[1], thread.opening_post, body="First answer")

    def replier(member, n):
        def job():
            parent = Post.objects.get(pk=first.pk) if n % 2 else Post.objects.get(pk=thread.opening_post.pk)
            for i in range(6):
                parent = build_reply(member, parent, body=f"reply {n}.{i}")

        return job

    def starter(member, n):
        def job():
            for i in range(3):
                build_thread(member, category=category, title=f"Concurrent thread {n}.{i}")

        return job

    jobs = [replier(m, n) for n, m in enumerate(members)] + [starter(m, n) for n, m in enumerate(members)]
    run_concurrently(jobs)

    threads = list(Thread.objects.all())
    assert len(threads) == 1 + WORKERS * 3
    roots = Post.objects.filter(parent__isnull=True)
    assert roots.count() == len(threads)
    assert len(set(roots.values_list("tree_id", flat=True))) == len(threads)
    for each in threads:
        posts = list(Post.objects.filter(thread=each))
        assert {p.tree_id for p in posts} == {each.opening_post.tree_id}
        assert_tree_valid(posts)
    busy = Thread.objects.get(pk=thread.pk)
    assert busy.reply_count == 1 + WORKERS * 6 == Post.objects.filter(thread=busy, level__gt=0).count()
