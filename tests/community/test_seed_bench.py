from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from community.management.commands.seed_bench import BENCH_MEMBER, BENCH_PASSWORD, HOT_TITLE, Plan
from community.models import Category, HelpfulVote, Post, Thread
from community.services import posts as post_services
from tests.helpers import tree_problems

pytestmark = pytest.mark.django_db

SCALE = 0.002
PLAN = Plan.at(SCALE)


def seed(*extra):
    out = StringIO()
    call_command("seed_bench", "--scale", str(SCALE), *extra, stdout=out)
    return out.getvalue()


def test_seed_bench_builds_valid_trees_and_the_planned_counts():
    output = seed()

    assert "Benchmark data ready" in output
    assert User.objects.filter(username__startswith="bench").count() == PLAN.users
    assert Category.objects.filter(slug__startswith="bench-").count() == 10
    assert Thread.objects.count() == PLAN.threads
    assert Post.objects.count() == PLAN.posts
    assert set(Thread.objects.values_list("kind", flat=True)) == set(Thread.Kind.values)
    assert tree_problems() == []
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
    assert tree_problems() == []
    assert reply.branch_id == parent.branch_id
