import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import Category, Post, StatusChange, Subscription, Tag, Thread
from community.services import threads
from tests.builders import build_category, build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db


def test_start_thread_creates_root_post_counts_and_follow(member, category):
    tag = Tag.objects.create(name="pairing", slug="pairing")

    thread = build_thread(member, category=category, body="Hello **there**", tags=[tag])

    root = thread.opening_post
    assert root.is_root_node() and root.thread == thread and root.level == 0
    assert root.body_html == "<p>Hello <strong>there</strong></p>\n"
    assert list(thread.tags.all()) == [tag]
    assert Subscription.objects.filter(user=member, thread=thread).exists()
    category.refresh_from_db()
    assert (category.thread_count, category.post_count) == (1, 1)


def test_each_thread_is_its_own_tree(member, category):
    first = build_thread(member, category=category)
    second = build_thread(member, category=category, title="Another question here")

    assert first.opening_post.tree_id != second.opening_post.tree_id


def test_staff_posts_are_official(staff, category):
    thread = build_thread(staff, category=category, kind="discussion")

    assert thread.opening_post.is_official


@pytest.mark.parametrize(
    ("title", "body", "field", "message"),
    [
        ("", "body", "title", "at least 8"),
        ("short", "body", "title", "at least 8"),
        ("x" * 151, "body", "title", "under 150"),
        ("A perfectly fine title", "   ", "body", "Write something"),
        ("A perfectly fine title", "x" * 30_001, "body", "under 30,000"),
        ("A perfectly fine title", "thanks @nobody-here", "body", "No member is called @nobody-here"),
    ],
)
def test_bad_thread_input_is_refused_and_nothing_is_written(member, category, title, body, field, message):
    with pytest.raises(ValidationError) as error:
        threads.start_thread(member, category=category, kind="question", title=title, body=body)

    assert message in " ".join(error.value.message_dict[field])
    assert Thread.objects.count() == 0
    assert Post.objects.count() == 0


def test_too_many_tags_are_refused(member, category):
    tags = [Tag.objects.create(name=f"t{i}", slug=f"t{i}") for i in range(6)]

    with pytest.raises(ValidationError):
        build_thread(member, category=category, tags=tags)
    assert Thread.objects.count() == 0


def test_unknown_kind_is_refused(member, category):
    with pytest.raises(ValidationError):
        build_thread(member, category=category, kind="rant")


def test_staff_only_category_refuses_members(member, staff, moderator):
    news = build_category(name="News", who_can_start=Category.StartPolicy.STAFF)

    with pytest.raises(PermissionDenied):
        build_thread(member, category=news)
    assert build_thread(staff, category=news).pk
    assert build_thread(moderator, category=news, title="Moderator announcement").pk


def test_trusted_category_needs_trust_level_two(member, category):
    trusted = build_category(name="Beta", who_can_start=Category.StartPolicy.TRUSTED)

    with pytest.raises(PermissionDenied):
        build_thread(member, category=trusted)
    member.trust_level = 2
    member.save()
    assert build_thread(member, category=trusted).pk


def test_anonymous_cannot_start_threads(category):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        build_thread(AnonymousUser(), category=category)


def test_idea_status_moves_with_public_notes(member, staff, category):
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene")
    assert idea.idea_status == "new"

    threads.set_idea_status(staff, thread=idea, status="planned", note="Coming in **spring**.")
    threads.set_idea_status(staff, thread=idea, status="shipped")

    idea.refresh_from_db()
    assert idea.idea_status == "shipped"
    changes = list(StatusChange.objects.filter(thread=idea))
    assert [(c.old_status, c.new_status) for c in changes] == [("new", "planned"), ("planned", "shipped")]
    assert changes[0].note_html == "<p>Coming in <strong>spring</strong>.</p>\n"


def test_idea_status_refused_for_members_and_non_ideas(member, other_member, staff, category, question):
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene")

    with pytest.raises(PermissionDenied):
        threads.set_idea_status(member, thread=idea, status="planned")
    with pytest.raises(ValidationError):
        threads.set_idea_status(staff, thread=question, status="planned")
    with pytest.raises(ValidationError):
        threads.set_idea_status(staff, thread=idea, status="new")
    assert not StatusChange.objects.exists()


def test_problem_solved_needs_a_solving_post_in_the_thread(member, other_member, staff, category, question):
    problem = build_thread(member, category=category, kind="problem", title="Lights flicker when dimmed")
    fix = build_reply(staff, problem.opening_post, body="Update to 4.2.2.")
    elsewhere = build_reply(other_member, question.opening_post)

    with pytest.raises(ValidationError):
        threads.set_problem_status(staff, thread=problem, status="solved")
    with pytest.raises(ValidationError):
        threads.set_problem_status(staff, thread=problem, status="solved", solving_post=elsewhere)
    threads.set_problem_status(staff, thread=problem, status="known_issue", note="We can reproduce it.")
    threads.set_problem_status(staff, thread=problem, status="solved", solving_post=fix)

    problem.refresh_from_db()
    assert problem.problem_status == "solved" and problem.solving_post == fix
    assert problem.is_solved


def test_every_write_bumps_the_thread_version(member, other_member, question):
    before = Thread.objects.get(pk=question.pk).version

    build_reply(other_member, question.opening_post)

    assert Thread.objects.get(pk=question.pk).version > before


def test_new_member_of_second_thread_follows_automatically(other_member, question):
    build_reply(other_member, question.opening_post)

    assert Subscription.objects.filter(user=other_member, thread=question).exists()


def test_build_member_helper_sanity():
    assert build_member().pk


def test_thread_titled_like_an_action_still_opens(client, member, category):
    thread = build_thread(member, category=category, title="Moderate")

    assert client.get(thread.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("word", ["unaccept", "vote", "me-too", "status", "follow", "moderate"])
def test_reserved_words_get_a_suffix(word):
    from community.services._common import thread_slug

    assert thread_slug(word) == f"{word}-thread"


@pytest.mark.parametrize("review", ["pending", "hidden"])
def test_a_held_or_hidden_reply_cannot_be_a_problems_solution(member, other_member, staff, category, review):
    """The problem panel names the solution to every reader, visitors included."""
    from community.services.review import set_review

    problem = build_thread(member, category=category, kind="problem", title="Lights flicker when dimmed")
    fix = set_review(build_reply(other_member, problem.opening_post, body="Update to 4.2.2."), review=review)

    with pytest.raises(ValidationError) as refused:
        threads.set_problem_status(staff, thread=problem, status="solved", solving_post=fix)

    assert refused.value.message_dict == {"solving_post": ["Only a published reply can be the solution."]}
    problem.refresh_from_db()
    assert (problem.problem_status, problem.solving_post_id) == ("open", None)
    assert not StatusChange.objects.exists()
