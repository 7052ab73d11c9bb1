import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import HelpfulVote
from community.services import posts, votes
from moderation.services import threads as moderation_threads
from tests.builders import build_member, build_thread

pytestmark = pytest.mark.django_db


def test_helpful_vote_counts_once_and_can_be_undone(member, answer):
    post = votes.mark_helpful(member, post=answer)
    assert post.helpful_count == 1

    with pytest.raises(ValidationError, match="already"):
        votes.mark_helpful(member, post=answer)
    assert HelpfulVote.objects.count() == 1

    post = votes.unmark_helpful(member, post=answer)
    assert post.helpful_count == 0
    with pytest.raises(ValidationError):
        votes.unmark_helpful(member, post=answer)


def test_no_voting_on_your_own_post(other_member, answer):
    with pytest.raises(ValidationError, match="own post"):
        votes.mark_helpful(other_member, post=answer)
    assert HelpfulVote.objects.count() == 0


def test_no_voting_on_removed_posts_or_locked_threads(member, other_member, moderator, question, answer):
    moderation_threads.lock_thread(moderator, thread=question)
    with pytest.raises(PermissionDenied):
        votes.mark_helpful(member, post=answer)

    moderation_threads.unlock_thread(moderator, thread=question)
    posts.delete_post(other_member, post=answer)
    with pytest.raises(PermissionDenied):
        votes.mark_helpful(member, post=answer)


def test_idea_votes(member, other_member, category):
    idea = build_thread(member, category=category, kind="idea", title="Add a sunrise scene")

    assert votes.vote_idea(other_member, thread=idea).vote_count == 1
    with pytest.raises(ValidationError):
        votes.vote_idea(other_member, thread=idea)
    with pytest.raises(PermissionDenied):
        votes.vote_idea(member, thread=idea)
    assert votes.vote_idea(other_member, thread=idea, on=False).vote_count == 0


def test_idea_votes_only_on_ideas(member, other_member, question):
    with pytest.raises(PermissionDenied):
        votes.vote_idea(other_member, thread=question)


def test_me_too_once_per_member(member, other_member, category):
    problem = build_thread(member, category=category, kind="problem", title="Lights flicker when dimmed")
    third = build_member()

    votes.confirm_problem(other_member, thread=problem)
    problem = votes.confirm_problem(third, thread=problem)
    assert problem.me_too_count == 2
    with pytest.raises(ValidationError):
        votes.confirm_problem(third, thread=problem)
    assert votes.confirm_problem(third, thread=problem, on=False).me_too_count == 1
