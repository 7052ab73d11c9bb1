import pytest
from django.core.management import call_command

from community.models import Category, Post, Thread
from community.services import posts, votes
from tests.builders import build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Post.objects.values_list("pk", "helpful_count")),
        sorted(Thread.objects.values_list("pk", "reply_count", "vote_count", "me_too_count", "has_team_verified")),
        sorted(Category.objects.values_list("pk", "thread_count", "post_count")),
    )


def test_recount_agrees_with_live_counters(member, other_member, staff, category, question, answer):
    # Given activity of every kind, including undone votes and removals
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene")
    problem = build_thread(member, category=category, kind="problem", title="Lights flicker when dimmed")
    voters = [build_member() for _ in range(3)]
    for voter in voters:
        votes.mark_helpful(voter, post=answer)
        votes.vote_idea(voter, thread=idea)
        votes.confirm_problem(voter, thread=problem)
    votes.unmark_helpful(voters[0], post=answer)
    votes.vote_idea(voters[1], thread=idea, on=False)
    extra = build_reply(member, answer)
    build_reply(other_member, extra)
    posts.delete_post(member, post=extra)
    posts.verify_answer(staff, post=answer)
    doomed = build_thread(other_member, category=category, title="A thread that gets removed")
    build_reply(member, doomed.opening_post)
    posts.delete_post(other_member, post=doomed.opening_post)
    live = snapshot()

    # When every counter is zeroed and rebuilt
    Post.objects.update(helpful_count=0)
    Thread.objects.update(reply_count=0, vote_count=0, me_too_count=0, has_team_verified=False)
    Category.objects.update(thread_count=0, post_count=0)
    call_command("recount", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # Then they match what the services kept live
    assert snapshot() == live
    assert Post.objects.get(pk=answer.pk).helpful_count == 2
    assert Thread.objects.get(pk=idea.pk).vote_count == 2


def test_rerender_refreshes_stale_html(question, answer):
    Post.objects.filter(pk=answer.pk).update(body_html="<p>old policy</p>")

    call_command("rerender", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Post.objects.get(pk=answer.pk).body_html == "<p>Hold the button for five seconds.</p>\n"
    assert Post.objects.get(pk=question.opening_post.pk).body_html == "<p>It won't pair.</p>\n"


def test_a_category_whose_only_thread_is_removed_has_no_last_activity_left(member, category, question):
    assert Category.objects.get(pk=category.pk).last_activity_at is not None

    posts.delete_post(member, post=question.opening_post)

    assert Category.objects.get(pk=category.pk).last_activity_at is None
