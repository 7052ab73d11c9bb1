"""Posting limits and duplicate checks while the shared cache is unreachable: counted from the database."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import override_settings

from community.models import Post, Thread
from community.services import votes
from config import settings as project_settings
from moderation import screening
from moderation.services.flags import flag_post
from tests.builders import build_member, build_reply, build_thread
from tests.private_redis import unreachable_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_down():
    with override_settings(CACHES={"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": unreachable_url()}}):
        yield


def test_every_limited_action_can_be_counted_in_the_database():
    assert set(project_settings.MODERATION_RATE_LIMITS) <= set(screening.RECORDED_AS)


def test_a_reply_within_limits_is_posted(question, settings):
    settings.MODERATION_RATE_LIMITS = {"post": {0: [(1, 30), (10, 86_400)]}}
    newcomer = build_member(trust_level=0)

    post = build_reply(newcomer, question.opening_post, body="First")

    assert cache.unreachable is True
    assert Post.objects.filter(pk=post.pk).exists()


def test_the_next_reply_is_refused_with_the_wait(question, settings):
    settings.MODERATION_RATE_LIMITS = {"post": {0: [(1, 30), (10, 86_400)]}}
    newcomer = build_member(trust_level=0)
    build_reply(newcomer, question.opening_post, body="First")

    with pytest.raises(screening.RateLimited) as limited:
        build_reply(newcomer, question.opening_post, body="Second")

    assert 25 <= limited.value.retry_after <= 30
    assert limited.value.messages == [f"You can reply again in {limited.value.retry_after} seconds."]
    assert Post.objects.filter(author=newcomer).count() == 1


def test_the_opening_post_does_not_count_as_a_reply(category, question, settings):
    settings.MODERATION_RATE_LIMITS = {"post": {1: [(1, 30)]}, "thread": {1: [(1, 30)]}}
    member = build_member()
    thread = build_thread(member, category=category)

    build_reply(member, question.opening_post, body="A reply right after my own thread")

    with pytest.raises(screening.RateLimited):
        build_thread(member, category=category, title="Another thread too soon", body="Other text")
    assert Thread.objects.filter(author=member).get() == thread


def test_daily_thread_cap_is_counted_from_the_database(category, settings):
    settings.MODERATION_RATE_LIMITS = {"thread": {0: [(3, 86_400)]}}
    newcomer = build_member(trust_level=0)
    for n in range(3):
        build_thread(newcomer, category=category, title=f"Question number {n}", body=f"Body {n}")

    with pytest.raises(screening.RateLimited) as limited:
        build_thread(newcomer, category=category, title="Question number four", body="Body 4")

    assert "limit of 3 threads today" in limited.value.messages[0]


def test_daily_vote_cap_counts_every_kind_of_vote(member, category, question, settings):
    settings.MODERATION_RATE_LIMITS = {"vote": {1: [(2, 86_400)]}}
    voter = build_member()
    first, second = (build_reply(build_member(), question.opening_post, body=f"Answer {n}") for n in range(2))
    idea = build_thread(member, category=category, kind="idea", title="Dim the hub's light at night")
    votes.mark_helpful(voter, post=first)
    votes.vote_idea(voter, thread=idea)

    with pytest.raises(screening.RateLimited):
        votes.mark_helpful(voter, post=second)

    assert not second.helpful_votes.exists()


def test_daily_flag_cap_is_counted_from_the_database(question, settings):
    settings.MODERATION_RATE_LIMITS = {"flag": {1: [(1, 86_400)]}}
    flagger = build_member()
    first, second = (build_reply(build_member(), question.opening_post, body=f"Spam {n}") for n in range(2))
    flag_post(flagger, post=first, reason="spam")

    with pytest.raises(screening.RateLimited):
        flag_post(flagger, post=second, reason="spam")


def test_the_same_text_twice_is_refused(member, question, settings):
    settings.MODERATION_DUPLICATE_SECONDS = 300
    build_reply(member, question.opening_post, body="Unplug it for ten seconds.")

    with pytest.raises(ValidationError) as refused:
        build_reply(member, question.opening_post, body="unplug it  for ten seconds.")

    assert "same text" in refused.value.messages[0]
    assert build_reply(member, question.opening_post, body="Then plug it back in.")


def test_conversations_with_the_team_stay_limited_per_day(member):
    from moderation.models import Conversation
    from moderation.services import feedback

    for n in range(feedback.NEW_CONVERSATIONS_PER_DAY):
        feedback.start_conversation(member, subject=f"Question {n}", body="Hello team")

    with pytest.raises(screening.RateLimited):
        feedback.start_conversation(member, subject="One too many", body="Hello team")
    assert Conversation.objects.filter(member=member).count() == feedback.NEW_CONVERSATIONS_PER_DAY
