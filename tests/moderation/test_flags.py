"""Members flag posts: once each, never their own or removed ones, within a daily cap; enough weight hides."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Post, Review, Thread
from community.services.posts import delete_post
from moderation.models import AuditEntry, Flag, ReviewItem
from moderation.screening import RateLimited
from moderation.selectors import flag_accuracy
from moderation.services.flags import flag_post, flag_thread
from moderation.services.queue import dismiss_flags, hide_post
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db


def flag_url(post):
    return reverse("moderation:flag", kwargs={"pk": post.pk})


def trusted(level=3, **fields):
    return build_member(trust_level=level, **fields)


# The service ---------------------------------------------------------------------


def test_flag_puts_the_post_in_the_queue_with_the_flaggers_weight(member, other_member, question, answer):
    flag = flag_post(member, post=answer, reason=Flag.Reason.SPAM)

    item = ReviewItem.objects.get(post=answer, status=ReviewItem.Status.OPEN)
    assert flag.item == item and flag.weight == 1 and flag.outcome == Flag.Outcome.PENDING
    assert item.category_id == question.category_id
    assert item.flag_weight == 1 and not item.auto_hidden


def test_flags_on_one_post_share_one_open_item(member, question, answer):
    flag_post(member, post=answer, reason=Flag.Reason.SPAM)
    flag_post(build_member(), post=answer, reason=Flag.Reason.OFF_TOPIC)

    item = ReviewItem.objects.get(post=answer)
    assert item.flags.count() == 2 and item.flag_weight == 2


def test_flagging_a_thread_flags_its_opening_post(other_member, question):
    flag = flag_thread(other_member, thread=question, reason=Flag.Reason.OFF_TOPIC)

    assert flag.post_id == question.opening_post_id


def test_flag_weight_follows_trust_level_and_moderation(settings, question, category):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100

    regular = flag_post(trusted(3), post=question.opening_post, reason=Flag.Reason.SPAM)
    leader = flag_post(trusted(4), post=question.opening_post, reason=Flag.Reason.SPAM)
    moderator = flag_post(build_moderator(category=category), post=question.opening_post, reason=Flag.Reason.SPAM)

    assert (regular.weight, leader.weight, moderator.weight) == (3, 4, settings.MODERATION_MODERATOR_FLAG_WEIGHT)
    assert ReviewItem.objects.get().flag_weight == 3 + 4 + settings.MODERATION_MODERATOR_FLAG_WEIGHT


def test_a_moderator_of_another_category_flags_with_their_trust_weight(question):
    elsewhere = build_moderator(category=build_category(name="Elsewhere"), trust_level=1)

    flag = flag_post(elsewhere, post=question.opening_post, reason=Flag.Reason.SPAM)

    assert flag.weight == 1


@pytest.mark.parametrize("reason", [Flag.Reason.MODERATOR, Flag.Reason.OTHER])
def test_reasons_that_need_words_refuse_an_empty_text(other_member, question, reason):
    with pytest.raises(ValidationError) as error:
        flag_post(other_member, post=question.opening_post, reason=reason, text="   ")

    assert "text" in error.value.message_dict
    assert not Flag.objects.exists() and not ReviewItem.objects.exists()


def test_an_unknown_reason_is_refused(other_member, question):
    with pytest.raises(ValidationError):
        flag_post(other_member, post=question.opening_post, reason="because")


def test_flagging_twice_is_refused_with_a_clear_message(other_member, question):
    flag_post(other_member, post=question.opening_post, reason=Flag.Reason.SPAM)

    with pytest.raises(ValidationError, match="already flagged"):
        flag_post(other_member, post=question.opening_post, reason=Flag.Reason.ABUSE)

    assert Flag.objects.count() == 1
    assert ReviewItem.objects.get().flag_weight == 1


def test_flagging_again_after_a_decision_is_still_refused(other_member, moderator, question):
    flag = flag_post(other_member, post=question.opening_post, reason=Flag.Reason.SPAM)
    dismiss_flags(moderator, item=flag.item)

    with pytest.raises(ValidationError, match="already flagged"):
        flag_post(other_member, post=question.opening_post, reason=Flag.Reason.SPAM)


def test_own_post_is_refused(member, question):
    with pytest.raises(PermissionDenied, match="your own post"):
        flag_post(member, post=question.opening_post, reason=Flag.Reason.SPAM)

    assert not ReviewItem.objects.exists()


def test_removed_post_is_refused(other_member, member, question, answer):
    delete_post(other_member, post=answer)

    with pytest.raises(PermissionDenied, match="removed"):
        flag_post(member, post=answer, reason=Flag.Reason.SPAM)

    assert not Flag.objects.exists()


def test_suspended_member_is_refused(other_member, question):
    other_member.suspended_until = timezone.now() + timedelta(days=1)
    other_member.save(update_fields=["suspended_until"])

    with pytest.raises(PermissionDenied, match="suspended"):
        flag_post(other_member, post=question.opening_post, reason=Flag.Reason.SPAM)


def test_banned_and_anonymous_are_refused(question):
    from django.contrib.auth.models import AnonymousUser

    banned = build_member()
    banned.is_active = False
    banned.save(update_fields=["is_active"])
    for actor in (banned, AnonymousUser()):
        with pytest.raises(PermissionDenied, match="Sign in"):
            flag_post(actor, post=question.opening_post, reason=Flag.Reason.SPAM)
    assert not Flag.objects.exists()


def test_a_post_waiting_for_approval_cant_be_flagged(member, moderator, category):
    newcomer = build_member(trust_level=0)
    thread = Thread.objects.get(pk=_thread(newcomer, category).pk)

    # To a member the held post isn't there at all; the reason would tell them it is held.
    with pytest.raises(PermissionDenied, match="isn't there"):
        flag_post(member, post=thread.opening_post, reason=Flag.Reason.SPAM)
    with pytest.raises(PermissionDenied, match="already waiting"):
        flag_post(moderator, post=thread.opening_post, reason=Flag.Reason.SPAM)


def _thread(author, category):
    return build_thread(author, category=category, title="A brand new member asks")


def test_trusted_flags_hide_the_post_at_the_threshold_and_audit_it(settings, question, answer):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 7
    flag_post(trusted(3), post=answer, reason=Flag.Reason.SPAM)
    assert Post.objects.get(pk=answer.pk).review == Review.PUBLISHED

    flag_post(trusted(4), post=answer, reason=Flag.Reason.ABUSE)

    answer.refresh_from_db()
    item = ReviewItem.objects.get(post=answer)
    assert answer.review == Review.HIDDEN
    assert item.auto_hidden and item.flag_weight == 7 and item.status == ReviewItem.Status.OPEN
    entry = AuditEntry.objects.get(action=AuditEntry.Action.POST_AUTO_HIDDEN)
    assert entry.actor is None and entry.target_id == answer.pk and entry.after == {"flag_weight": 7}
    # The reply no longer counts in the thread.
    assert Thread.objects.get(pk=question.pk).reply_count == 0


def test_below_the_threshold_nothing_is_hidden(settings, question):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 5
    for _ in range(4):
        flag_post(build_member(), post=question.opening_post, reason=Flag.Reason.SPAM)

    assert Post.objects.get(pk=question.opening_post_id).review == Review.PUBLISHED
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.POST_AUTO_HIDDEN).exists()


def test_auto_hide_happens_once(settings, question, category):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 3
    flag_post(trusted(3), post=question.opening_post, reason=Flag.Reason.SPAM)
    # Members no longer see the hidden post; a moderator still can, and flags it too.
    flag_post(build_moderator(category=category), post=question.opening_post, reason=Flag.Reason.SPAM)

    assert AuditEntry.objects.filter(action=AuditEntry.Action.POST_AUTO_HIDDEN).count() == 1
    assert Thread.objects.get(pk=question.pk).review == Review.HIDDEN
    with pytest.raises(PermissionDenied):
        flag_post(build_member(), post=question.opening_post, reason=Flag.Reason.SPAM)


def test_flags_after_a_dismissal_start_a_new_item(settings, moderator, question):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100
    first = flag_post(build_member(), post=question.opening_post, reason=Flag.Reason.SPAM)
    dismiss_flags(moderator, item=first.item)

    second = flag_post(build_member(), post=question.opening_post, reason=Flag.Reason.SPAM)

    assert second.item_id != first.item_id
    assert ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).get().flag_weight == 1


def test_the_daily_flag_cap_refuses_with_retry_after(settings, question, category):
    settings.MODERATION_RATE_LIMITS = {"flag": {1: [(2, 86_400)]}}
    flagger = build_member()
    others = [_thread(build_member(), category) for _ in range(3)]
    Post.objects.filter(thread__in=others).update(review=Review.PUBLISHED)
    flag_post(flagger, post=others[0].opening_post, reason=Flag.Reason.SPAM)
    flag_post(flagger, post=others[1].opening_post, reason=Flag.Reason.SPAM)

    with pytest.raises(RateLimited) as error:
        flag_post(flagger, post=others[2].opening_post, reason=Flag.Reason.SPAM)

    assert error.value.retry_after > 0
    assert "limit of 2 flags today" in " ".join(error.value.messages)
    assert Flag.objects.filter(flagger=flagger).count() == 2


def test_a_refused_flag_doesnt_use_up_the_cap(settings, member, question):
    settings.MODERATION_RATE_LIMITS = {"flag": {1: [(1, 86_400)]}}
    with pytest.raises(PermissionDenied):
        flag_post(member, post=question.opening_post, reason=Flag.Reason.SPAM)  # own post

    flag_post(member, post=build_member_thread_post(question), reason=Flag.Reason.SPAM)


def build_member_thread_post(question):
    return build_reply(build_member(), question.opening_post, body="Some other reply to flag")


# Accuracy --------------------------------------------------------------------------


def test_flag_accuracy_counts_outcomes(settings, moderator, category, question):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100
    flagger = build_member()
    posts = [build_member_thread_post(question) for _ in range(4)]
    flags = [flag_post(flagger, post=post, reason=Flag.Reason.SPAM) for post in posts]
    hide_post(moderator, item=flags[0].item)
    hide_post(moderator, item=flags[1].item)
    dismiss_flags(moderator, item=flags[2].item)

    assert flag_accuracy(flagger) == {"helpful": 2, "declined": 1, "pending": 1, "total": 4, "accuracy": 67}
    assert flag_accuracy(build_member())["accuracy"] is None


# The views -------------------------------------------------------------------------


def test_flag_page_shows_the_form(client, other_member, question):
    client.force_login(other_member)

    response = client.get(flag_url(question.opening_post))

    assert response.status_code == 200
    assert 'name="reason"' in response.text and "csrfmiddlewaretoken" in response.text


def test_flagging_through_the_page_redirects_to_the_post(client, other_member, question):
    client.force_login(other_member)

    response = client.post(flag_url(question.opening_post), {"reason": "spam"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#post-{question.opening_post_id}")
    assert Flag.objects.filter(flagger=other_member).exists()


def test_flag_page_shows_field_errors(client, other_member, question):
    client.force_login(other_member)

    response = client.post(flag_url(question.opening_post), {"reason": "other", "text": ""})

    assert response.status_code == 400
    assert "Say what a moderator should look at." in response.text
    assert not Flag.objects.exists()


def test_flagging_twice_through_the_page_shows_the_error(client, other_member, question):
    client.force_login(other_member)
    client.post(flag_url(question.opening_post), {"reason": "spam"})

    response = client.post(flag_url(question.opening_post), {"reason": "spam"})

    assert response.status_code == 400
    assert "already flagged" in response.text
    assert Flag.objects.count() == 1


def test_flag_page_says_when_you_already_flagged(client, other_member, question):
    client.force_login(other_member)
    client.post(flag_url(question.opening_post), {"reason": "spam"})

    response = client.get(flag_url(question.opening_post))

    assert response.status_code == 200
    assert "already flagged" in response.text and 'name="reason"' not in response.text


def test_htmx_flag_form_shows_its_errors_in_place(client, other_member, question):
    client.force_login(other_member)

    response = client.post(flag_url(question.opening_post), {"reason": "moderator"}, headers={"HX-Request": "true"})

    assert response.status_code == 200 and "<html" not in response.text
    assert "Say what a moderator should look at." in response.text
    assert f'href="{question.get_absolute_url()}#post-{question.opening_post_id}"' in response.text


def test_own_post_page_explains_the_refusal(client, member, question):
    client.force_login(member)

    response = client.get(flag_url(question.opening_post))

    assert response.status_code == 403
    assert "can&#x27;t flag your own post" in response.text or "can't flag your own post" in response.text
    assert client.post(flag_url(question.opening_post), {"reason": "spam"}).status_code == 403
    assert not Flag.objects.exists()


def test_removed_post_page_refuses_without_showing_the_text(client, member, other_member, question, answer):
    delete_post(other_member, post=answer)
    client.force_login(member)

    response = client.post(flag_url(answer), {"reason": "spam"})

    assert response.status_code == 403
    assert "removed" in response.text and "Hold the button" not in response.text


def test_anonymous_is_sent_to_sign_in(client, question):
    response = client.post(flag_url(question.opening_post), {"reason": "spam"})

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not Flag.objects.exists()


def test_a_hidden_post_is_not_found_for_members(client, settings, other_member, question):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 3
    flag_post(trusted(3), post=question.opening_post, reason=Flag.Reason.SPAM)
    client.force_login(other_member)

    assert client.get(flag_url(question.opening_post)).status_code == 404


def test_htmx_flag_returns_the_thanks_partial(client, other_member, question):
    client.force_login(other_member)

    response = client.post(flag_url(question.opening_post), {"reason": "spam"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text and "Thanks for flagging" in response.text


def test_flag_cap_answers_429_with_retry_after(client, settings, other_member, category):
    settings.MODERATION_RATE_LIMITS = {"flag": {1: [(1, 86_400)]}}
    first, second = (build_member_thread_post(_published(category)) for _ in range(2))
    client.force_login(other_member)
    client.post(flag_url(first), {"reason": "spam"})

    htmx = client.post(flag_url(second), {"reason": "spam"}, headers={"HX-Request": "true"})
    page = client.post(flag_url(second), {"reason": "spam"})
    json = client.post(flag_url(second), {"reason": "spam"}, headers={"Accept": "application/json"})

    assert htmx.status_code == 429 and int(htmx["Retry-After"]) > 0 and "flag again in" in htmx.text
    assert page.status_code == 429 and int(page["Retry-After"]) > 0 and "flag again in" in page.text
    assert json.status_code == 429 and "flag again in" in json.json()["error"]
    assert Flag.objects.filter(flagger=other_member).count() == 1


def _published(category):
    return build_thread(build_member(), category=category, title="Another thread for flags")


def test_my_flags_shows_outcomes_and_accuracy(client, settings, moderator, question):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100
    flagger = build_member()
    helpful = flag_post(
        flagger, post=build_member_thread_post(question), reason=Flag.Reason.SPAM, text="Buy <b>now</b>"
    )
    flag_post(flagger, post=build_member_thread_post(question), reason=Flag.Reason.OFF_TOPIC)
    hide_post(moderator, item=helpful.item)
    client.force_login(flagger)

    response = client.get(reverse("moderation:my_flags"))

    assert response.status_code == 200
    assert response.context["accuracy"]["accuracy"] == 100
    assert "Helpful" in response.text and "Waiting for a moderator" in response.text
    assert "Buy &lt;b&gt;now&lt;/b&gt;" in response.text


def test_my_flags_query_count_is_constant(client, settings, question, django_assert_max_num_queries):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100
    flagger = build_member()
    client.force_login(flagger)
    flag_post(flagger, post=build_member_thread_post(question), reason=Flag.Reason.SPAM)
    client.get(reverse("moderation:my_flags"))  # the session, from the cache afterwards
    # The user, the header bell's unread count, the page count, the page of flags with their posts and
    # threads, and the accuracy counts.
    with django_assert_max_num_queries(5) as few:
        client.get(reverse("moderation:my_flags"))
    for _ in range(12):
        flag_post(flagger, post=build_member_thread_post(question), reason=Flag.Reason.OFF_TOPIC)
    with django_assert_max_num_queries(5) as many:
        response = client.get(reverse("moderation:my_flags"))

    assert len(response.context["flags"]) == 13
    assert len(few) == len(many)


def test_my_flags_needs_sign_in(client):
    response = client.get(reverse("moderation:my_flags"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
