"""Daily and weekly summaries: who gets one, what is in it (and what isn't), once per period, and how to stop them."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from community.services.posts import accept_answer
from moderation.services import sanctions
from notifications import digests, tasks
from notifications.models import Delivery, DigestChoice
from tests.builders import build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db

SITE = "https://community.acme.test"
Frequency = DigestChoice.Frequency


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def soon():
    return timezone.now() + timedelta(minutes=1)


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.fixture
def community(member, other_member, category, question):
    """Maria asked a question that Olaf answered, and answered Kofi's question, which he accepted; Pia's
    question waits for an answer; a newcomer's question is held for review."""
    build_reply(other_member, question.opening_post, body="Hold the button for five seconds.")
    kofi = build_member(username="kofi")
    kofis = build_thread(kofi, category=category, title="Why does the hub blink red?")
    maria_answer = build_reply(member, kofis.opening_post, body="The hub lost its network.")
    accept_answer(kofi, post=maria_answer)
    build_thread(build_member(username="pia"), category=category, title="Can I group bulbs by room?")
    build_thread(build_member(username="newbie", trust_level=0), category=category, title="Held question <b>x</b>")
    mail.outbox.clear()
    return {"kofi": kofi}


def test_a_daily_digest_tells_of_popular_threads_unanswered_questions_and_the_members_activity(
    after_commit, community, member, question
):
    digests.set_frequency(member, frequency=Frequency.DAILY)

    assert after_commit(digests.send_digest, member.pk, frequency=Frequency.DAILY, moment=soon()) is True

    [message] = mails_to(member)
    html = message.alternatives[0][0]
    assert message.subject.startswith("Your daily summary from ")
    for text in (message.body, html):
        assert question.title in text  # popular: it has a reply
        assert "Can I group bulbs by room?" in text  # unanswered, in a category Maria posts in
        assert "Olaf Jensen" in text  # a reply to her
        assert "1 of your answers accepted" in text
        assert "point" in text
        assert "Held question" not in text  # held for review: not hers to see
        assert "example.com" not in text
    assert f'href="{SITE}{question.get_absolute_url()}"' in html
    unsubscribe = re.search(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{SITE}/notifications/unsubscribe/digest/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    key = digests.period_key(Frequency.DAILY, soon())
    assert message.extra_headers["Message-ID"] == f"<{key}.{member.pk}.email@community.acme.test>"


def test_a_moderator_s_digest_may_show_the_held_question_they_review(after_commit, community, moderator, category):
    build_reply(
        moderator,
        build_thread(moderator, category=category, title="House rules for posting").opening_post,
        body="Read them.",
    )
    digests.set_frequency(moderator, frequency=Frequency.DAILY)

    after_commit(digests.send_digest, moderator.pk, frequency=Frequency.DAILY, moment=soon())

    [message] = mails_to(moderator)
    assert "Held question &lt;b&gt;x&lt;/b&gt;" in message.alternatives[0][0]  # shown, and escaped


def test_the_members_own_unanswered_question_is_not_listed_to_them(after_commit, community, category):
    pia = build_member(username="pia2")
    build_thread(pia, category=category, title="Pia's own question")
    digests.set_frequency(pia, frequency=Frequency.DAILY)

    after_commit(digests.send_digest, pia.pk, frequency=Frequency.DAILY, moment=soon())

    [message] = mails_to(pia)
    assert "Pia's own question" not in message.body
    assert "Can I group bulbs by room?" in message.body


def test_a_digest_is_sent_once_per_member_and_period(after_commit, community, member):
    digests.set_frequency(member, frequency=Frequency.DAILY)

    after_commit(tasks.send_digests, "daily")
    after_commit(tasks.send_digests, "daily")
    assert after_commit(digests.send_digest, member.pk, frequency=Frequency.DAILY, moment=timezone.now()) is False

    assert len(mails_to(member)) == 1
    assert Delivery.objects.filter(recipient=member, event_id__startswith="digest:daily:").count() == 1


def test_the_next_period_sends_again(after_commit, community, member):
    digests.set_frequency(member, frequency=Frequency.WEEKLY)
    after_commit(digests.send_digest, member.pk, frequency=Frequency.WEEKLY, moment=soon())

    after_commit(digests.send_digest, member.pk, frequency=Frequency.WEEKLY, moment=soon() + timedelta(days=7))

    assert len(mails_to(member)) == 2


def test_only_members_who_chose_that_frequency_get_one(after_commit, community, member, other_member):
    digests.set_frequency(other_member, frequency=Frequency.WEEKLY)

    after_commit(tasks.send_digests, "daily")

    assert mail.outbox == []  # Maria never chose one (off by default); Olaf chose weekly
    assert digests.frequency_of(member) == Frequency.OFF


def test_a_member_who_turned_them_off_gets_none(after_commit, community, member):
    digests.set_frequency(member, frequency=Frequency.DAILY)
    digests.set_frequency(member, frequency=Frequency.OFF)

    after_commit(tasks.send_digests, "daily")

    assert mails_to(member) == []


def test_a_suspended_member_gets_no_digest(after_commit, community, member, moderator):
    digests.set_frequency(member, frequency=Frequency.DAILY)
    sanctions.suspend(moderator, member=member, until=timezone.now() + timedelta(days=3), reason="Spam")
    mail.outbox.clear()

    after_commit(tasks.send_digests, "daily")

    assert mails_to(member) == []
    assert not Delivery.objects.filter(recipient=member, event_id__startswith="digest:").exists()


def test_nothing_to_tell_sends_nothing(after_commit, member):
    digests.set_frequency(member, frequency=Frequency.DAILY)

    assert after_commit(digests.send_digest, member.pk, frequency=Frequency.DAILY, moment=soon()) is False
    assert mail.outbox == []


def test_digests_go_out_in_batches(after_commit, settings, community, member, other_member):
    settings.DIGEST_BATCH_SIZE = 1
    digests.set_frequency(member, frequency=Frequency.DAILY)
    digests.set_frequency(other_member, frequency=Frequency.DAILY)

    assert after_commit(tasks.send_digests, "daily") == 2

    assert len(mails_to(member)) == 1 and len(mails_to(other_member)) == 1


def test_a_failing_member_is_skipped_and_retried_without_holding_back_the_batch(
    after_commit, monkeypatch, community, member
):
    digests.set_frequency(member, frequency=Frequency.DAILY)
    real = digests.send_digest

    def flaky(user_id, **kwargs):
        if user_id == -1:
            raise RuntimeError("boom")
        return real(user_id, **kwargs)

    monkeypatch.setattr(digests, "send_digest", flaky)

    sent, failed = after_commit(digests.send_batch, [-1, member.pk], frequency=Frequency.DAILY, moment=soon())

    assert (sent, failed) == (1, [-1])
    assert len(mails_to(member)) == 1


def test_the_afternoon_run_sends_as_of_the_morning_what_a_lost_batch_never_did(
    after_commit, monkeypatch, settings, community, member, other_member
):
    settings.DIGEST_BATCH_SIZE = 1
    digests.set_frequency(member, frequency=Frequency.DAILY)
    digests.set_frequency(other_member, frequency=Frequency.DAILY)
    # The morning run at a minute's start, after everything above; the afternoon's clock later that day.
    morning = (timezone.now() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: morning + timedelta(seconds=30))
    queue = tasks.send_digest_batch.delay
    lost = []
    monkeypatch.setattr(tasks.send_digest_batch, "delay", lambda *args: queue(*args) if lost else lost.append(args))

    after_commit(tasks.send_digests, "daily")  # the broker loses the first batch
    assert sorted(len(mails_to(person)) for person in (member, other_member)) == [0, 1]
    monkeypatch.setattr(tasks.send_digest_batch, "delay", queue)

    assert after_commit(tasks.send_digests, "daily", morning.strftime("%H:%M")) == 1
    assert [len(mails_to(person)) for person in (member, other_member)] == [1, 1]
    [missed] = [person for person in (member, other_member) if person.pk == lost[0][2][0]]
    assert Delivery.objects.get(recipient=missed, event_id__startswith="digest:daily:").event_id == (
        digests.period_key(Frequency.DAILY, morning)
    )


def test_each_morning_run_has_an_afternoon_run_in_the_same_period_as_of_its_time():
    from config.celery import app

    schedule = app.conf.beat_schedule
    for frequency in ("daily", "weekly"):
        morning = schedule[f"notifications-{frequency}-digests"]
        later = schedule[f"notifications-{frequency}-digests-catch-up"]
        assert later["task"] == morning["task"] == "notifications.tasks.send_digests"
        (hour,), (minute,) = morning["schedule"].hour, morning["schedule"].minute
        assert later["args"] == (frequency, f"{hour:02d}:{minute:02d}")
        assert later["schedule"].day_of_week == morning["schedule"].day_of_week
        assert min(later["schedule"].hour) > hour


# Choosing and stopping ---------------------------------------------------------------


def test_the_preferences_page_offers_the_summary_with_a_label(client, member):
    client.force_login(member)

    page = client.get(reverse("notifications:preferences")).content.decode()

    assert '<label for="id_digest">Summary by email</label>' in page
    assert '<option value="off" selected>Never</option>' in page


def test_choosing_a_weekly_summary_on_the_preferences_page(client, member):
    client.force_login(member)

    response = client.post(reverse("notifications:preferences"), {"digest": "weekly"})

    assert response.status_code == 302
    assert digests.frequency_of(member) == Frequency.WEEKLY


def test_an_unknown_frequency_is_a_field_error_and_changes_nothing(client, member):
    client.force_login(member)

    response = client.post(reverse("notifications:preferences"), {"digest": "hourly"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not DigestChoice.objects.exists()


def test_one_click_unsubscribe_stops_digests_without_signing_in(client, member):
    digests.set_frequency(member, frequency=Frequency.DAILY)
    token = digests.unsubscribe_token(member.pk)

    response = client.post(
        reverse("notifications:digest_unsubscribe", args=[token]), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert "You're unsubscribed" in response.content.decode()
    assert digests.frequency_of(member) == Frequency.OFF


def test_visiting_the_digest_unsubscribe_link_asks_first_and_changes_nothing(client, member):
    digests.set_frequency(member, frequency=Frequency.DAILY)

    response = client.get(reverse("notifications:digest_unsubscribe", args=[digests.unsubscribe_token(member.pk)]))

    assert response.status_code == 200
    assert "Stop these emails?" in response.content.decode()
    assert digests.frequency_of(member) == Frequency.DAILY


@pytest.mark.parametrize("forge", ["tampered", "other-salt", "a-kind-token", "expired"])
def test_a_forged_or_expired_digest_token_gets_a_friendly_page_and_changes_nothing(settings, client, member, forge):
    from notifications import emails

    digests.set_frequency(member, frequency=Frequency.DAILY)
    token = digests.unsubscribe_token(member.pk)
    if forge == "tampered":
        token = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    elif forge == "other-salt":
        token = signing.dumps({"u": member.pk}, salt="something-else")
    elif forge == "a-kind-token":
        token = emails.unsubscribe_token(member.pk, "reply")
    else:
        settings.NOTIFICATION_UNSUBSCRIBE_MAX_AGE = -1

    response = client.post(reverse("notifications:digest_unsubscribe", args=[token]))

    assert response.status_code == 400
    assert b"This link doesn" in response.content
    assert digests.frequency_of(member) == Frequency.DAILY


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_the_digest_unsubscribe_route_refuses_other_methods(client, member, method):
    digests.set_frequency(member, frequency=Frequency.DAILY)
    url = reverse("notifications:digest_unsubscribe", args=[digests.unsubscribe_token(member.pk)])

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert digests.frequency_of(member) == Frequency.DAILY


def test_another_members_signed_in_session_does_not_change_whose_digest_stops(client, member, other_member):
    """The token names the member; whoever is signed in (or nobody) changes nothing else."""
    digests.set_frequency(member, frequency=Frequency.DAILY)
    digests.set_frequency(other_member, frequency=Frequency.DAILY)
    client.force_login(other_member)

    client.post(reverse("notifications:digest_unsubscribe", args=[digests.unsubscribe_token(member.pk)]))

    assert digests.frequency_of(member) == Frequency.OFF
    assert digests.frequency_of(other_member) == Frequency.DAILY
