"""Notification mail: through the outbox, once per delivery, absolute links, and a sign-in-free unsubscribe."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications import emails, receivers, services
from notifications.models import Delivery, Kind, Preference
from outbox import bus
from outbox.models import Event
from tests.builders import build_member, build_reply

SITE = "https://community.acme.test"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def test_an_answer_is_emailed_with_absolute_links_and_unsubscribe_headers(
    after_commit, member, other_member, question
):
    answer = after_commit(build_reply, other_member, question.opening_post)

    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == f"Olaf Jensen answered your question “{question.title}”"
    link = f"{SITE}{question.get_absolute_url()}#post-{answer.pk}"
    html = message.alternatives[0][0]
    assert link in message.body and f'href="{link}"' in html
    assert "example.com" not in message.body + html
    unsubscribe = re.search(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{SITE}/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    event_id = Event.objects.get(type="ReplyPosted").pk.hex
    assert message.extra_headers["Message-ID"] == f"<{event_id}.{member.pk}.email@community.acme.test>"
    assert Delivery.objects.filter(event_id=event_id, recipient=member, channel="email").count() == 1


def test_a_batch_told_twice_emails_once(after_commit, member, other_member, question):
    answer = after_commit(build_reply, other_member, question.opening_post)
    source = Event.objects.get(type="ReplyPosted", payload__post_id=answer.pk)
    (batch,) = Event.objects.filter(type="AudienceBatched", payload__source_id=source.pk.hex)

    assert after_commit(receivers.tell, bus.rebuild(batch.type, batch.payload)) == 0
    assert len(mail.outbox) == 1


def test_a_kind_whose_email_is_off_is_not_emailed(after_commit, member, other_member, question):
    services.set_preferences(member, choices={Kind.ANSWER: {"in_app": True, "email": False}})

    after_commit(build_reply, other_member, question.opening_post)

    assert mail.outbox == []
    assert member.notifications.count() == 1


def test_names_and_titles_are_escaped_in_the_html_part(after_commit, member, question):
    hostile = build_member(username="mallory", display_name='<script>alert("x")</script>')

    after_commit(build_reply, hostile, question.opening_post)

    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# Unsubscribing ----------------------------------------------------------------------


def emails_wanted(user, kind) -> bool:
    return services.choices_for_member(user)[kind]["email"]


def test_one_click_unsubscribe_works_without_signing_in(client, member):
    token = emails.unsubscribe_token(member.pk, Kind.REPLY)

    response = client.post(reverse("notifications:unsubscribe", args=[token]), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert emails_wanted(member, Kind.REPLY) is False
    assert emails_wanted(member, Kind.ANSWER) is True


def test_visiting_the_unsubscribe_link_asks_first_and_changes_nothing(client, member):
    token = emails.unsubscribe_token(member.pk, Kind.REPLY)

    response = client.get(reverse("notifications:unsubscribe", args=[token]))

    assert response.status_code == 200 and b"Stop these emails?" in response.content
    assert not Preference.objects.exists()


@pytest.mark.parametrize("forge", ["tampered", "other-salt", "expired"])
def test_a_forged_or_expired_token_gets_a_friendly_page_and_changes_nothing(settings, client, member, forge):
    from django.core import signing

    token = emails.unsubscribe_token(member.pk, Kind.REPLY)
    if forge == "tampered":
        token = signing.dumps({"u": member.pk, "k": Kind.REPLY}, salt=emails.UNSUBSCRIBE_SALT)[:-2] + "xx"
    elif forge == "other-salt":
        token = signing.dumps({"u": member.pk, "k": Kind.REPLY}, salt="something-else")
    else:
        settings.NOTIFICATION_UNSUBSCRIBE_MAX_AGE = -1

    response = client.post(reverse("notifications:unsubscribe", args=[token]))

    assert response.status_code == 400
    assert b"This link doesn" in response.content
    assert not Preference.objects.exists()
