"""Concurrent writers must leave every thread's mptt tree valid (PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from community.models import Post, Thread
from tests.builders import build_member, build_reply, build_thread
from tests.helpers import tree_problems

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
    assert tree_problems() == []
    busy = Thread.objects.get(pk=thread.pk)
    assert busy.reply_count == 1 + WORKERS * 6 == Post.objects.filter(thread=busy, level__gt=0).count()
