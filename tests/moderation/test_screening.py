"""Content filters, link limits, duplicates, rate limits and pre-moderation on new posts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import Post, Review, Thread
from community.services import votes
from moderation import screening
from moderation.models import ContentFilter, ReviewItem
from tests.builders import build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db

LIMITS = {
    "post": {0: [(1, 30), (10, 86_400)], 1: [(1, 5)]},
    "thread": {0: [(1, 120), (3, 86_400)], 1: [(1, 15)]},
    "vote": {1: [(2, 86_400)]},
}


def add_filter(pattern, action, **fields):
    content_filter = ContentFilter.objects.create(pattern=pattern, action=action, **fields)
    screening.forget_filters()
    return content_filter


def test_blocking_filter_refuses_the_post_with_its_message(member, category):
    add_filter("casino", ContentFilter.Action.BLOCK, message="No gambling links, please.")

    with pytest.raises(ValidationError) as refused:
        build_thread(member, category=category, body="Best CASINO bonus here")

    assert refused.value.message_dict["body"] == ["No gambling links, please."]
    assert not Thread.objects.exists()


def test_plain_word_filter_matches_whole_words_only(member, category):
    add_filter("ass", ContentFilter.Action.BLOCK)

    thread = build_thread(member, category=category, body="Which class of bulb do I need?")

    assert thread.opening_post.review == Review.PUBLISHED


def test_censor_filter_rewrites_the_stored_text(member, question):
    add_filter("darn", ContentFilter.Action.CENSOR)

    post = build_reply(member, question.opening_post, body="This darn hub again")

    assert "darn" not in post.body
    assert screening.CENSORED in post.body and screening.CENSORED in post.body_html


def test_hold_filter_sends_the_post_to_the_queue(member, other_member, question):
    add_filter(r"free\s+money", ContentFilter.Action.HOLD, is_regex=True)

    post = build_reply(other_member, question.opening_post, body="Get FREE   money now")

    assert post.review == Review.PENDING
    item = ReviewItem.objects.get(post=post)
    assert item.is_pending and "free" in item.held_by
    question.refresh_from_db()
    assert question.reply_count == 0


def test_new_member_posts_wait_for_review(category):
    newcomer = build_member(trust_level=0)

    thread = build_thread(newcomer, category=category)

    thread.refresh_from_db()
    assert thread.review == Review.PENDING
    assert ReviewItem.objects.get(post=thread.opening_post).is_pending
    assert thread.category.thread_count == 0


def test_moderators_are_never_held(moderator, category, settings):
    add_filter("refund", ContentFilter.Action.HOLD)

    thread = build_thread(moderator, category=category, body="About your refund")

    assert thread.opening_post.review == Review.PUBLISHED


def test_new_member_link_limit(category, question):
    newcomer = build_member(trust_level=0)
    body = "See https://a.example, https://b.example and www.c.example"

    with pytest.raises(ValidationError) as refused:
        build_reply(newcomer, question.opening_post, body=body)

    assert "at most 2 links" in refused.value.messages[0]
    assert not hasattr(refused.value, "error_dict")  # a rule about the member, shown above the form


def test_same_text_twice_within_five_minutes_is_refused(member, question, settings):
    settings.MODERATION_DUPLICATE_SECONDS = 300
    build_reply(member, question.opening_post, body="Unplug it for ten seconds.")

    with pytest.raises(ValidationError) as refused:
        build_reply(member, question.opening_post, body="unplug it  for ten seconds.")

    assert "same text" in refused.value.messages[0]
    assert not hasattr(refused.value, "error_dict")


def test_a_reply_refused_by_the_rate_limit_can_be_resent_once_it_passes(member, question, settings):
    from django.core.cache import cache

    settings.MODERATION_DUPLICATE_SECONDS = 300
    settings.MODERATION_RATE_LIMITS = LIMITS
    build_reply(member, question.opening_post, body="First")
    with pytest.raises(screening.RateLimited):
        build_reply(member, question.opening_post, body="Try a factory reset.")

    cache.delete(f"rate:post:{member.pk}:5")  # the five seconds pass
    post = build_reply(member, question.opening_post, body="Try a factory reset.")

    assert post.body == "Try a factory reset."


def test_a_thread_refused_by_the_rate_limit_can_be_resent_once_it_passes(member, category, settings):
    from django.core.cache import cache

    settings.MODERATION_DUPLICATE_SECONDS = 300
    settings.MODERATION_RATE_LIMITS = LIMITS
    build_thread(member, category=category, title="The first question", body="First")
    with pytest.raises(screening.RateLimited):
        build_thread(member, category=category, title="Hub drops offline", body="It drops every night.")

    cache.delete(f"rate:thread:{member.pk}:15")  # the fifteen seconds pass
    thread = build_thread(member, category=category, title="Hub drops offline", body="It drops every night.")

    assert thread.opening_post.body == "It drops every night."


def test_a_saved_text_resent_after_the_rate_limit_passes_is_still_refused(member, question, settings):
    from django.core.cache import cache

    settings.MODERATION_DUPLICATE_SECONDS = 300
    settings.MODERATION_RATE_LIMITS = LIMITS
    build_reply(member, question.opening_post, body="Try a factory reset.")

    cache.delete(f"rate:post:{member.pk}:5")
    with pytest.raises(ValidationError) as refused:
        build_reply(member, question.opening_post, body="Try a factory reset.")

    assert "same text" in refused.value.messages[0]


def test_new_member_waits_between_replies_and_is_told_how_long(question, settings):
    settings.MODERATION_RATE_LIMITS = LIMITS
    newcomer = build_member(trust_level=0)
    build_reply(newcomer, question.opening_post, body="First")

    with pytest.raises(screening.RateLimited) as limited:
        build_reply(newcomer, question.opening_post, body="Second")

    assert 25 <= limited.value.retry_after <= 30
    assert "again in" in limited.value.messages[0]
    assert not hasattr(limited.value, "error_dict")


def test_new_member_daily_thread_cap(category, settings):
    settings.MODERATION_RATE_LIMITS = {"thread": {0: [(3, 86_400)]}}
    newcomer = build_member(trust_level=0)
    for n in range(3):
        build_thread(newcomer, category=category, title=f"Question number {n}", body=f"Body {n}")

    with pytest.raises(screening.RateLimited) as limited:
        build_thread(newcomer, category=category, title="Question number four", body="Body 4")

    assert "limit of 3 threads today" in limited.value.messages[0]


def test_limits_rise_with_trust(category, settings):
    settings.MODERATION_RATE_LIMITS = LIMITS
    regular = build_member(trust_level=2)  # no rules at level 2 in LIMITS

    for n in range(3):
        build_thread(regular, category=category, title=f"Regular question {n}", body=f"Body {n}")

    assert Thread.objects.filter(author=regular).count() == 3


def test_daily_vote_cap(question, settings):
    settings.MODERATION_RATE_LIMITS = LIMITS
    voter = build_member()
    answers = [build_reply(build_member(), question.opening_post, body=f"Answer {n}") for n in range(3)]
    votes.mark_helpful(voter, post=answers[0])
    votes.mark_helpful(voter, post=answers[1])

    with pytest.raises(screening.RateLimited):
        votes.mark_helpful(voter, post=answers[2])

    assert not answers[2].helpful_votes.exists()


def test_reply_form_answers_429_with_retry_after(client, question, settings):
    settings.MODERATION_RATE_LIMITS = LIMITS
    newcomer = build_member(trust_level=0)
    client.force_login(newcomer)
    url = f"/posts/{question.opening_post.pk}/reply/"
    client.post(url, {"body": "First try"})

    response = client.post(url, {"body": "Second try"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 30
    assert "again in" in response.content.decode()
    assert Post.objects.filter(author=newcomer).count() == 1


def test_helpful_vote_over_the_cap_answers_429_to_htmx(client, question, settings):
    settings.MODERATION_RATE_LIMITS = {"vote": {1: [(1, 86_400 * 2)]}}
    voter = build_member()
    first, second = (build_reply(build_member(), question.opening_post, body=f"Answer {n}") for n in range(2))
    client.force_login(voter)
    client.post(f"/posts/{first.pk}/helpful/", {"on": "1"}, HTTP_HX_REQUEST="true")

    response = client.post(f"/posts/{second.pk}/helpful/", {"on": "1"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_limits_are_shared_through_the_cache(question, settings):
    """Another process reading the same cache sees the count: here, the key itself."""
    from django.core.cache import cache

    settings.MODERATION_RATE_LIMITS = LIMITS
    newcomer = build_member(trust_level=0)
    build_reply(newcomer, question.opening_post, body="First")

    assert cache.get(f"rate:post:{newcomer.pk}:30") is not None


def test_suspended_member_cannot_post(member, question):
    from datetime import timedelta

    from django.utils import timezone

    member.suspended_until = timezone.now() + timedelta(days=1)

    with pytest.raises(PermissionDenied) as refused:
        build_reply(member, question.opening_post, body="Let me in")

    assert "suspended until" in str(refused.value)


@pytest.mark.parametrize(
    "pattern",
    ["<script>alert(1)</script>", "(a+)+$", "[unclosed"],
)
def test_hostile_filter_patterns_are_plain_text_unless_marked_regex(member, question, pattern):
    add_filter(pattern, ContentFilter.Action.HOLD)
    body = "A normal answer about (a+)+$ and [unclosed"

    post = build_reply(member, question.opening_post, body=body)

    assert post.review == (Review.PENDING if pattern in body else Review.PUBLISHED)


def test_a_broken_regex_filter_is_skipped_rather_than_breaking_posting(member, question):
    add_filter("[unclosed", ContentFilter.Action.BLOCK, is_regex=True)

    post = build_reply(member, question.opening_post, body="Still works [unclosed")

    assert post.review == Review.PUBLISHED


def test_edits_meet_blocking_and_censoring_filters(member, question):
    from community.services.posts import edit_post

    post = build_reply(member, question.opening_post, body="A clean answer")
    add_filter("casino", ContentFilter.Action.BLOCK, message="No gambling.")
    add_filter("darn", ContentFilter.Action.CENSOR)

    with pytest.raises(ValidationError):
        edit_post(member, post=post, body="Now with casino links")
    edited = edit_post(member, post=post, body="A darn clean answer")

    assert "darn" not in edited.body and screening.CENSORED in edited.body
