"""Merges and splits running while members reply and start threads leave every tree valid (PostgreSQL).

The thread locks serialise a merge or split with the replies to the threads it
touches, and the new-tree lock serialises a split's new tree with new threads.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from community.models import Post, Thread
from moderation.services import threads as actions
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread
from tests.helpers import assert_consistent, tree_problems
from tests.integration.test_tree_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 6


def fresh(post: Post) -> Post:
    return Post.objects.get(pk=post.pk)


def replier(member, parents, n, rounds=5):
    """Reply `rounds` times, each time to a freshly read parent, as a page view would."""

    def job():
        for i in range(rounds):
            try:
                build_reply(
                    member, fresh(parents[(n + i) % len(parents)]), body=f"reply {n}.{i} from {member.username}"
                )
            except ValidationError as refused:
                # The parent moved between reading it and locking its thread: refused, nothing written.
                assert "just moved" in str(refused)

    return job


def starter(member, category, n, count=2):
    def job():
        for i in range(count):
            build_thread(member, category=category, title=f"Concurrent new thread {n}.{i}")

    return job


def assert_reply_counts_match_posts():
    for thread in Thread.objects.filter(merged_into__isnull=True):
        live = Post.objects.filter(thread=thread, parent__isnull=False, is_deleted=False).count()
        assert thread.reply_count == live, thread.title


def test_merges_during_replies_and_new_threads_keep_trees_valid(category):
    assert connection.vendor == "postgresql"
    moderator = build_moderator()
    members = [build_member() for _ in range(WORKERS)]
    kept = build_thread(members[0], category=category, title="The thread everything merges into")
    first = build_reply(members[1], kept.opening_post, "The first answer")
    sources = []
    for n in range(4):
        source = build_thread(members[n], category=category, title=f"Asked again, take {n}")
        build_reply(members[n + 1], build_reply(members[n + 2], source.opening_post, f"Answer {n}"), f"Thanks {n}")
        sources.append(source)

    def merger():
        for source in sources:
            actions.merge_threads(moderator, thread=source, into=kept)

    parents = [kept.opening_post, first]
    jobs = [replier(m, parents, n) for n, m in enumerate(members)]
    jobs += [starter(m, category, n) for n, m in enumerate(members[:3])]
    run_concurrently([*jobs, merger])

    assert Thread.objects.filter(merged_into=kept).count() == 4
    assert Post.objects.filter(thread=kept).count() == 2 + WORKERS * 5 + 4 * 3
    assert tree_problems() == []
    assert_reply_counts_match_posts()
    assert_consistent()


def test_splits_during_replies_and_new_threads_keep_trees_valid(category):
    assert connection.vendor == "postgresql"
    moderator = build_moderator()
    members = [build_member() for _ in range(WORKERS)]
    threads, staying, leaving = [], [], []
    for n in range(2):
        thread = build_thread(members[n], category=category, title=f"A long discussion, part {n}")
        stay = build_reply(members[2], thread.opening_post, f"On topic {n}")
        build_reply(members[3], stay, f"Agreed {n}")
        for k in range(3):
            branch = build_reply(members[4], thread.opening_post, f"Off topic {n}.{k}")
            build_reply(members[5], build_reply(members[0], branch, f"Deeper {n}.{k}"), f"Deepest {n}.{k}")
            leaving.append((n, branch))
        threads.append(thread)
        staying += [thread.opening_post, stay]

    def splitter(which):
        def job():
            for n, branch in leaving:
                if n == which:
                    actions.split_thread(moderator, post=fresh(branch), title=f"Split off from {n}, post {branch.pk}")

        return job

    jobs = [replier(m, staying, n) for n, m in enumerate(members)]
    jobs += [starter(m, category, n) for n, m in enumerate(members[:3])]
    run_concurrently([*jobs, splitter(0), splitter(1)])

    assert Thread.objects.count() == 2 + 6 + 3 * 2
    assert Post.objects.filter(parent__isnull=True).values("tree_id").distinct().count() == Thread.objects.count()
    assert tree_problems() == []
    assert_reply_counts_match_posts()
    assert_consistent()


def test_crossing_merges_neither_deadlock_nor_both_succeed(category):
    """A into B and B into A at once, and merges crossing two categories in opposite directions."""
    billing = build_category(name="Billing")
    moderator = build_moderator()
    author = build_member()
    a = build_thread(author, category=category, title="Crossing merge, thread A")
    b = build_thread(author, category=billing, title="Crossing merge, thread B")
    c = build_thread(author, category=category, title="Crossing merge, thread C")
    d = build_thread(author, category=billing, title="Crossing merge, thread D")

    def merge(source, into):
        def job():
            try:
                actions.merge_threads(moderator, thread=source, into=into)
            except ValidationError:
                return "refused"
            return "merged"

        return job

    outcomes = run_concurrently([merge(a, b), merge(b, a), merge(c, d), merge(d, c)])

    assert sorted(outcomes[:2]) == ["merged", "refused"]
    assert sorted(outcomes[2:]) == ["merged", "refused"]
    assert tree_problems() == []
    assert_consistent()


def test_replies_to_posts_that_a_split_moves_follow_them(category):
    moderator = build_moderator()
    members = [build_member() for _ in range(WORKERS)]
    thread = build_thread(members[0], category=category, title="Replies race the split")
    branch = build_reply(members[1], thread.opening_post, "This goes off topic")
    deeper = build_reply(members[2], branch, "Further off topic")

    def splitter():
        actions.split_thread(moderator, post=fresh(branch), title="The off-topic part, split off")

    run_concurrently([replier(m, [branch, deeper], n, rounds=8) for n, m in enumerate(members)] + [splitter])

    assert tree_problems() == []
    assert_reply_counts_match_posts()
