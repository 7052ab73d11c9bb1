from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from community.management.commands.seed_bench import BENCH_MEMBER, BENCH_PASSWORD, HOT_TITLE, Plan
from community.models import Category, HelpfulVote, Post, Thread
from community.services import posts as post_services

pytestmark = pytest.mark.django_db

SCALE = 0.002
PLAN = Plan.at(SCALE)


def seed(*extra):
    out = StringIO()
    call_command("seed_bench", "--scale", str(SCALE), *extra, stdout=out)
    return out.getvalue()


def tree_problems(thread_id, rows):
    """Nested-set invariants of one thread's tree; rows are (pk, parent, branch, lft, rght, level, tree_id)."""
    n = len(rows)
    by_pk = {row[0]: row for row in rows}
    problems = []
    bounds = sorted(value for row in rows for value in (row[3], row[4]))
    if bounds != list(range(1, 2 * n + 1)):
        problems.append("lft/rght are not exactly 1..2n")
    if len({row[6] for row in rows}) != 1:
        problems.append("posts span several tree_ids")
    roots = [row for row in rows if row[1] is None]
    if len(roots) != 1 or roots[0][3:6] != (1, 2 * n, 0):
        problems.append("not one root spanning 1..2n at level 0")
    for pk, parent, branch, lft, rght, level, _ in rows:
        if lft >= rght or (rght - lft - 1) % 2:
            problems.append(f"post {pk} has bad bounds")
        if parent is None:
            continue
        p = by_pk.get(parent)
        if p is None or not (p[3] < lft and rght < p[4]) or level != p[5] + 1:
            problems.append(f"post {pk} is not nested inside its parent")
            continue
        expected_branch = None if level == 1 else (parent if p[5] == 1 else p[2])
        if branch != expected_branch:
            problems.append(f"post {pk} has branch {branch}, expected {expected_branch}")
        # The subtree size equals the number of posts inside the bounds.
    for pk, _, _, lft, rght, _, _ in rows:
        inside = sum(1 for row in rows if lft < row[3] < rght)
        if inside != (rght - lft - 1) // 2:
            problems.append(f"post {pk} bounds do not match its descendants")
    return [f"thread {thread_id}: {p}" for p in problems]


def test_seed_bench_builds_valid_trees_and_the_planned_counts():
    output = seed()

    assert "Benchmark data ready" in output
    assert User.objects.filter(username__startswith="bench").count() == PLAN.users
    assert Category.objects.filter(slug__startswith="bench-").count() == 10
    assert Thread.objects.count() == PLAN.threads
    assert Post.objects.count() == PLAN.posts
    assert set(Thread.objects.values_list("kind", flat=True)) == set(Thread.Kind.values)
    trees = defaultdict(list)
    for row in Post.objects.values_list(
        "thread_id", "pk", "parent_id", "branch_id", "lft", "rght", "level", "tree_id"
    ):
        trees[row[0]].append(row[1:])
    problems = [problem for thread_id, rows in trees.items() for problem in tree_problems(thread_id, rows)]
    assert problems == []
    tree_ids = [rows[0][6] for rows in trees.values()]
    assert len(set(tree_ids)) == len(tree_ids)
    for thread in Thread.objects.select_related("opening_post", "accepted_answer"):
        assert thread.opening_post.thread_id == thread.pk and thread.opening_post.parent_id is None
        if thread.accepted_answer:
            assert thread.accepted_answer.thread_id == thread.pk and thread.accepted_answer.level == 1


def test_hot_question_and_ten_reply_thread_exist_with_live_counters():
    seed()

    hot = Thread.objects.get(title=HOT_TITLE)
    replies = hot.posts.filter(parent__isnull=False)
    assert replies.count() == PLAN.hot_replies
    assert replies.filter(level=1).count() == PLAN.hot_top_level
    assert hot.reply_count == replies.filter(is_deleted=False).count()
    assert Thread.objects.filter(kind="question", reply_count=10).exists()
    # recount() ran: stored counters agree with their rows.
    voted = Post.objects.annotate(n=Count("helpful_votes")).exclude(helpful_count=0)
    assert all(post.helpful_count == post.n for post in voted)
    assert HelpfulVote.objects.exists()
    assert Thread.objects.filter(kind="idea", vote_count__gt=0).exists()


def test_seed_bench_is_idempotent_and_deterministic():
    seed()
    snapshot = list(Post.objects.order_by("pk").values_list("thread_id", "lft", "rght", "level", "author_id", "body"))

    assert "already present" in seed()
    assert Post.objects.count() == PLAN.posts

    seed("--force")
    rebuilt = list(Post.objects.order_by("pk").values_list("thread_id", "lft", "rght", "level", "author_id", "body"))
    # Keys move past the old rows, so compare shapes, not ids.
    assert [row[1:] for row in rebuilt] == [row[1:] for row in snapshot]
    assert Thread.objects.count() == PLAN.threads


def test_bench_member_can_sign_in_and_seeded_trees_take_new_replies(client):
    seed()
    response = client.post(
        reverse("account_login"), {"login": f"{BENCH_MEMBER}@bench.example", "password": BENCH_PASSWORD}
    )
    assert response.status_code == 302

    # mptt accepts the hand-made tree: a reply through the real service lands inside it.
    hot = Thread.objects.get(title=HOT_TITLE)
    parent = hot.posts.filter(level=2).order_by("pk").first()
    reply = post_services.reply(User.objects.get(username=BENCH_MEMBER), parent=parent, body="Same here.")
    rows = list(hot.posts.values_list("pk", "parent_id", "branch_id", "lft", "rght", "level", "tree_id"))
    assert tree_problems(hot.pk, rows) == []
    assert reply.branch_id == parent.branch_id
