import pytest
from django.core.management import call_command

from community.models import Category, Post, Review, Thread
from community.services import posts, review, thread_actions, votes
from moderation.services import spam
from tests.builders import build_category, build_member, build_reply, build_thread

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


# Each named delta in community.counters, through the service that uses it --------


def thread_counts(thread):
    return Thread.objects.values_list("reply_count", "has_team_verified").get(pk=thread.pk)


def category_counts(category):
    return Category.objects.values_list("thread_count", "post_count").get(pk=category.pk)


def latest_activity(category):
    return Category.objects.values_list("last_activity_at", flat=True).get(pk=category.pk)


@pytest.fixture
def busy(member, other_member, category, question, answer):
    """The question with three replies, one under another, and a second thread in the category: 2 threads, 5 posts."""
    build_reply(member, answer, body="That did it, thanks.")
    build_reply(other_member, question.opening_post, body="Also check the firmware.")
    build_thread(other_member, category=category, title="Which hub works outdoors?")
    assert thread_counts(question) == (3, False)
    assert category_counts(category) == (2, 5)
    return question


def test_a_published_thread_adds_itself_and_its_opening_post_to_its_category(member, category):
    thread = build_thread(member, category=category)

    assert category_counts(category) == (1, 1)
    assert latest_activity(category) == Thread.objects.get(pk=thread.pk).last_activity_at


def test_a_held_thread_is_not_counted_until_approved(category):
    held = build_thread(build_member(trust_level=0), category=category, title="My first question here")
    assert category_counts(category) == (0, 0)
    assert latest_activity(category) is None

    review.set_review(held.opening_post, review=Review.PUBLISHED)

    assert category_counts(category) == (1, 1)
    assert latest_activity(category) == held.last_activity_at


def test_a_reply_counts_on_its_thread_and_category_and_is_their_latest_activity(busy, member, category):
    post = build_reply(member, busy.opening_post, body="One more idea.")

    assert thread_counts(busy) == (4, False)
    assert category_counts(category) == (2, 6)
    thread = Thread.objects.get(pk=busy.pk)
    assert (thread.last_activity_at, thread.last_poster_id) == (post.created_at, member.pk)
    assert latest_activity(category) == post.created_at


def test_removing_a_reply_takes_it_off_its_thread_and_category(busy, answer, category):
    posts.delete_post(answer.author, post=answer)

    assert thread_counts(busy) == (2, False)
    assert category_counts(category) == (2, 4)


def test_hiding_and_publishing_a_reply_moves_it_out_of_and_back_into_the_counts(busy, answer, category):
    review.set_review(answer, review=Review.HIDDEN)
    assert thread_counts(busy) == (2, False)
    assert category_counts(category) == (2, 4)

    review.set_review(answer, review=Review.PUBLISHED)
    assert thread_counts(busy) == (3, False)
    assert category_counts(category) == (2, 5)


def test_hiding_a_reply_in_a_removed_thread_leaves_the_category_alone(busy, member, answer, category):
    posts.delete_post(member, post=busy.opening_post)
    assert category_counts(category) == (1, 1)

    review.set_review(answer, review=Review.HIDDEN)

    assert thread_counts(busy) == (2, False)
    assert category_counts(category) == (1, 1)


def test_a_reply_to_a_held_thread_waits_for_the_thread_in_the_category(moderator, category):
    held = build_thread(build_member(trust_level=0), category=category, title="My first question here")

    build_reply(moderator, held.opening_post, body="Welcome! Approving this now.")
    assert thread_counts(held) == (1, False)
    assert category_counts(category) == (0, 0)
    assert latest_activity(category) is None

    review.set_review(held.opening_post, review=Review.PUBLISHED)
    assert category_counts(category) == (1, 2)


def test_removing_a_thread_takes_it_and_all_its_posts_off_its_category(busy, member, category):
    other = Thread.objects.exclude(pk=busy.pk).get(category=category)

    posts.delete_post(member, post=busy.opening_post)

    assert thread_counts(busy) == (3, False)
    assert category_counts(category) == (1, 1)
    assert latest_activity(category) == other.last_activity_at


def test_a_purged_thread_comes_back_with_its_posts_when_the_purge_is_undone(moderator, member, category):
    spammer = build_member(username="cheapwatches")
    thread = build_thread(spammer, category=category, title="Cheap watches for sale here")
    build_reply(member, thread.opening_post, body="Is this spam?")
    build_reply(spammer, thread.opening_post, body="No, real watches!")
    assert category_counts(category) == (1, 3)

    spam.purge_spammer(moderator, member=spammer, reason="Watch spam.")
    assert thread_counts(thread) == (1, False)
    assert category_counts(category) == (0, 0)
    assert latest_activity(category) is None

    spam.unpurge_spammer(moderator, member=spammer, reason="It was a real shop.")
    assert thread_counts(thread) == (2, False)
    assert category_counts(category) == (1, 3)
    assert latest_activity(category) == Thread.objects.get(pk=thread.pk).last_activity_at


def test_moving_a_thread_carries_it_and_its_posts_to_the_other_category(busy, category):
    billing = build_category(name="Billing")
    staying = Thread.objects.exclude(pk=busy.pk).get(category=category)

    thread_actions.move_thread(busy, category=billing)

    assert category_counts(category) == (1, 1)
    assert category_counts(billing) == (1, 4)
    assert latest_activity(category) == staying.last_activity_at
    assert latest_activity(billing) == Thread.objects.get(pk=busy.pk).last_activity_at


def test_merging_moves_the_posts_into_the_kept_thread_and_its_category(busy, staff, member, category):
    billing = build_category(name="Billing")
    kept = build_thread(member, category=billing, title="Pairing keeps failing")
    build_reply(staff, kept.opening_post, body="Which model?")
    posts.verify_answer(staff, post=Post.objects.get(thread=busy, body="Also check the firmware."))

    thread_actions.merge_threads(busy, into=kept)

    assert thread_counts(kept) == (5, True)
    assert thread_counts(busy) == (0, False)
    assert category_counts(category) == (1, 1)
    assert category_counts(billing) == (1, 6)
    assert latest_activity(billing) == Thread.objects.get(pk=kept.pk).last_activity_at


def test_splitting_makes_a_reply_and_its_replies_a_thread_of_their_own(busy, staff, answer, category):
    posts.verify_answer(staff, post=answer)
    billing = build_category(name="Billing")

    new = thread_actions.split_thread(answer, title="Resetting the hub", category=billing)

    assert thread_counts(new) == (1, True)
    assert thread_counts(busy) == (1, False)
    assert category_counts(category) == (2, 3)
    assert category_counts(billing) == (1, 2)
    assert latest_activity(billing) == new.last_activity_at


def test_verification_follows_the_threads_verified_posts(busy, staff, answer):
    other = Post.objects.get(thread=busy, body="Also check the firmware.")
    posts.verify_answer(staff, post=answer)
    posts.verify_answer(staff, post=other)
    assert thread_counts(busy) == (3, True)

    posts.verify_answer(staff, post=answer, verified=False)
    assert thread_counts(busy) == (3, True)

    posts.delete_post(other.author, post=other)
    assert thread_counts(busy) == (2, False)


def test_helpful_votes_count_on_the_post_both_ways(answer):
    voter = build_member()

    votes.mark_helpful(voter, post=answer)
    assert Post.objects.get(pk=answer.pk).helpful_count == 1

    votes.unmark_helpful(voter, post=answer)
    assert Post.objects.get(pk=answer.pk).helpful_count == 0


def test_idea_votes_and_problem_confirmations_count_on_the_thread_both_ways(member, category):
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene")
    problem = build_thread(member, category=category, kind="problem", title="Lights flicker when dimmed")
    voters = [build_member(), build_member()]

    for voter in voters:
        votes.vote_idea(voter, thread=idea)
        votes.confirm_problem(voter, thread=problem)
    votes.vote_idea(voters[0], thread=idea, on=False)

    assert Thread.objects.values_list("vote_count", "me_too_count").get(pk=idea.pk) == (1, 0)
    assert Thread.objects.values_list("vote_count", "me_too_count").get(pk=problem.pk) == (0, 2)
