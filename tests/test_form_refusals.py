"""Where a form shows a refusal: rules about the member above the form, faults in the text on its field.

Every form includes components/form_errors.html, so a rate limit, a repeat,
the link limit or any other error that names no field is a summary at the top
(role="alert", focusable, focused on load) with when the member may try
again; the body field stays unmarked and keeps the text. Text over the
length limit is refused on the field and shown back whole: no textarea
carries a maxlength that would cut it.
"""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import BODY_MAX, Post, Thread
from moderation.models import Flag, Message
from tests.builders import build_member, build_reply, build_thread
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db

FLAG_TEXT_MAX = Flag._meta.get_field("text").max_length


def reply_url(post):
    return reverse("community:reply", kwargs={"pk": post.pk})


def body_field(page):
    textarea = page.find("textarea", name="body")
    field = textarea.parent
    while "field" not in field.classes:
        field = field.parent
    return textarea, field


def assert_summary_on_top(page, *, says: str):
    """The form's refusal is one summary that comes first in the form, and the body field looks fine."""
    textarea, field = body_field(page)
    form = textarea.parent
    while form.tag != "form":
        form = form.parent
    summaries = page.find_all(role="alert")
    assert len(summaries) == 1, summaries
    summary = summaries[0]
    assert summary in form.find_all() and summary.comes_before(textarea)
    assert summary.attrs["tabindex"] == "-1" and "autofocus" in summary.attrs and "data-form-summary" in summary.attrs
    assert says in summary.text, summary.text
    assert "field-invalid" not in field.classes
    assert "aria-invalid" not in textarea.attrs
    assert field.find(cls="field-error") is None
    return summary, textarea


def textarea_value(textarea) -> str:
    # Django writes a newline after <textarea>, which browsers (and this parse) drop.
    return textarea.raw_text.removeprefix("\n")


def test_rate_limited_reply_is_refused_above_the_form_with_the_wait_and_the_text_kept(client, question, settings):
    settings.MODERATION_RATE_LIMITS = {"post": {1: [(1, 120)]}}
    replier = build_member()
    build_reply(replier, question.opening_post, body="First, try the reset pin.")
    client.force_login(replier)
    before = timezone.now()

    response = client.post(reply_url(question.opening_post), {"body": "Second: then pair it again."})

    assert response.status_code == 429 and 60 < int(response["Retry-After"]) <= 120
    summary, textarea = assert_summary_on_top(parse_html(response.content), says="You can reply again in 2 minutes.")
    assert textarea_value(textarea) == "Second: then pair it again."
    when = summary.find("time", data_clock="")
    assert "What you wrote is kept below; send it again after" in summary.text
    retry_at = datetime.fromisoformat(when.attrs["datetime"])
    assert before + timedelta(seconds=60) < retry_at <= timezone.now() + timedelta(seconds=120)
    assert Post.objects.filter(author=replier).count() == 1


def test_rate_limited_thread_keeps_everything_the_member_wrote(client, category, settings):
    settings.MODERATION_RATE_LIMITS = {"thread": {1: [(1, 600)]}}
    starter = build_member()
    build_thread(starter, category=category, title="The first of my questions")
    client.force_login(starter)

    response = client.post(
        reverse("community:start_thread"),
        {"category": category.pk, "kind": "idea", "title": "Dim the hub at night", "body": "Too bright."},
    )

    assert response.status_code == 429 and "Retry-After" in response
    page = parse_html(response.content)
    _, textarea = assert_summary_on_top(page, says="You can start a thread again in 10 minutes.")
    assert textarea_value(textarea) == "Too bright."
    assert page.find("input", name="title").attrs["value"] == "Dim the hub at night"
    assert Thread.objects.count() == 1


def test_same_text_twice_is_refused_above_the_form(client, question, settings):
    settings.MODERATION_DUPLICATE_SECONDS = 300
    replier = build_member()
    build_reply(replier, question.opening_post, body="Unplug it for ten seconds.")
    client.force_login(replier)

    response = client.post(reply_url(question.opening_post), {"body": "Unplug it for ten seconds."})

    assert response.status_code == 400 and "Retry-After" not in response
    summary, textarea = assert_summary_on_top(parse_html(response.content), says="You posted this same text")
    assert summary.find("time") is None  # nothing to wait for: different text may go now
    assert textarea_value(textarea) == "Unplug it for ten seconds."


def test_new_members_link_limit_is_refused_above_the_form(client, question):
    newcomer = build_member(trust_level=0)
    client.force_login(newcomer)
    body = "See https://a.example, https://b.example and www.c.example"

    response = client.post(reply_url(question.opening_post), {"body": body})

    assert response.status_code == 400
    _, textarea = assert_summary_on_top(parse_html(response.content), says="New members can post at most 2 links")
    assert textarea_value(textarea) == body


def test_a_content_filter_still_points_at_the_body(client, question):
    from moderation.models import ContentFilter
    from moderation.screening import forget_filters

    ContentFilter.objects.create(pattern="casino", action=ContentFilter.Action.BLOCK, message="No gambling, please.")
    forget_filters()
    client.force_login(build_member())

    response = client.post(reply_url(question.opening_post), {"body": "Try the casino"})

    page = parse_html(response.content)
    _, field = body_field(page)
    assert response.status_code == 400 and page.find(role="alert") is None
    assert "field-invalid" in field.classes and "No gambling, please." in field.find(cls="field-error").text


def test_too_long_reply_is_refused_on_its_field_and_shown_back_whole(client, question):
    client.force_login(build_member())
    body = "word " * (BODY_MAX // 5) + "and the end of what I pasted"

    response = client.post(reply_url(question.opening_post), {"body": body})

    assert response.status_code == 400
    page = parse_html(response.content)
    textarea, field = body_field(page)
    assert "field-invalid" in field.classes and textarea.attrs["aria-invalid"] == "true"
    assert f"Keep it under {BODY_MAX:,} characters (it has {len(body):,})." in field.find(cls="field-error").text
    assert textarea_value(textarea) == body
    assert page.find(role="alert") is None
    assert not Post.objects.filter(thread=question, level=1).exists()


def test_too_long_thread_is_refused_on_details_and_shown_back_whole(client, member, category):
    client.force_login(member)
    body = "x" * (BODY_MAX + 1)

    response = client.post(
        reverse("community:start_thread"),
        {"category": category.pk, "kind": "question", "title": "A long story about my hub", "body": body},
    )

    textarea, field = body_field(parse_html(response.content))
    assert response.status_code == 400 and "field-invalid" in field.classes
    assert textarea_value(textarea) == body
    assert not Thread.objects.exists()


def test_too_long_edit_is_refused_and_shown_back_whole(client, member, question):
    client.force_login(member)
    body = "y" * (BODY_MAX + 10)

    response = client.post(
        reverse("community:edit_post", kwargs={"pk": question.opening_post.pk}),
        {"title": question.title, "body": body},
    )

    textarea, field = body_field(parse_html(response.content))
    assert response.status_code == 400 and "field-invalid" in field.classes
    assert textarea_value(textarea) == body


def test_line_breaks_count_once_against_the_limit(client, question):
    client.force_login(build_member())
    # 300 lines of 100 characters each, as the member counts them; a browser sends each break as CRLF.
    body = ("a" * 99 + "\r\n") * (BODY_MAX // 100)

    response = client.post(reply_url(question.opening_post), {"body": body})

    assert response.status_code == 302
    assert len(Post.objects.get(thread=question, level=1).body) == BODY_MAX - 1  # the last break is trimmed


def test_no_body_textarea_carries_a_maxlength(client, member, question):
    client.force_login(member)
    pages = [
        reverse("community:start_thread"),
        reply_url(question.opening_post),
        reverse("community:edit_post", kwargs={"pk": question.opening_post.pk}),
        question.get_absolute_url(),  # the composer, and the inline reply form's <template>
        reverse("moderation:start_conversation"),
    ]
    limits = {}
    for url in pages:
        for textarea in parse_html(client.get(url).content).find_all("textarea"):
            assert "maxlength" not in textarea.attrs, (url, textarea)
            limits.setdefault(url, []).append(textarea.attrs.get("data-max-chars"))

    assert limits[pages[0]] == limits[pages[1]] == limits[pages[2]] == [str(BODY_MAX)]
    assert limits[pages[3]] == [str(BODY_MAX), str(BODY_MAX)]
    assert limits[pages[4]] == [str(Message._meta.get_field("body").max_length)]


def test_rate_limited_flag_is_refused_above_the_flag_form(client, category, other_member, settings):
    settings.MODERATION_RATE_LIMITS = {"flag": {1: [(1, 86_400)]}}
    first, second = (
        build_reply(build_member(), build_thread(build_member(), category=category).opening_post) for _ in range(2)
    )
    client.force_login(other_member)
    client.post(reverse("moderation:flag", kwargs={"pk": first.pk}), {"reason": "spam"})

    response = client.post(reverse("moderation:flag", kwargs={"pk": second.pk}), {"reason": "other", "text": "Odd."})

    assert response.status_code == 429
    page = parse_html(response.content)
    summary = page.find(role="alert")
    assert "flag again in" in summary.text and summary.find("time", data_clock="") is not None
    assert summary.comes_before(page.find("textarea", name="text"))
    assert textarea_value(page.find("textarea", name="text")) == "Odd."


def test_too_long_flag_text_is_refused_on_its_field_and_kept(client, question, other_member):
    client.force_login(other_member)
    text = "z" * (FLAG_TEXT_MAX + 20)

    response = client.post(
        reverse("moderation:flag", kwargs={"pk": question.opening_post.pk}), {"reason": "other", "text": text}
    )

    page = parse_html(response.content)
    textarea = page.find("textarea", name="text")
    assert response.status_code == 400 and "maxlength" not in textarea.attrs
    assert textarea.attrs["data-max-chars"] == str(FLAG_TEXT_MAX)
    assert textarea_value(textarea) == text
    assert f"at most {FLAG_TEXT_MAX} characters" in page.find(id="id_text_error").text
    assert not Flag.objects.exists()
