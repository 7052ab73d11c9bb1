from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import Post
from moderation.models import AuditEntry, MemberNote, Sanction
from moderation.services import sanctions
from tests.builders import build_member, build_moderator, build_reply, build_thread
from tests.moderation.test_feedback import HOSTILE, Elements
from tests.test_security_headers import assert_strict

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"moderation:{name}", kwargs=kwargs)


def page_url(member):
    return url("member", username=member.username)


def nothing_changed(member):
    member = User.objects.get(pk=member.pk)
    return (
        member.is_active
        and member.suspended_until is None
        and not Sanction.objects.exists()
        and not MemberNote.objects.exists()
        and not AuditEntry.objects.exists()
    )


def tomorrow_plus(days):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# The page ---------------------------------------------------------------------


def test_moderator_sees_the_member_page(client, moderator, member, other_member, question, answer):
    sanctions.warn(moderator, member=member, reason="Mind your tone.")
    sanctions.add_note(moderator, member=member, body="Long-time customer, usually helpful.")
    client.force_login(moderator)

    response = client.get(page_url(member))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Maria Lopez", "Mind your tone.", "Long-time customer, usually helpful.", "Recent posts", "Warn"):
        assert text in html
    assert_strict(page_url(member), response)


def test_page_runs_a_fixed_number_of_queries(client, moderator, member, other_member, category):
    client.force_login(moderator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(member)).status_code == 200
        return len(queries)

    # Given a little history of each kind
    build_thread(member, category=category, title="The first thread here")
    sanctions.warn(moderator, member=member, reason="First.")
    sanctions.add_note(moderator, member=member, body="First note.")
    count()  # the moderator's bell is counted once, then cached
    few = count()
    # When there is much more: posts in many threads, sanctions with appeals, notes
    for n in range(4):
        thread = build_thread(member, category=category, title=f"Thread number {n} here")
        build_reply(other_member, thread.opening_post)
        sanctions.add_note(moderator, member=member, body=f"Note {n}")
    for _ in range(3):
        sanctions.warn(moderator, member=member, reason="Again.")
    sanctions.suspend(moderator, member=member, until=timezone.now() + timedelta(days=1), reason="Enough.")

    # Then the page still costs the same (13 with the header's review-queue count)
    assert count() == few <= 13


def test_anonymous_is_sent_to_sign_in(client, member):
    for response in (
        client.get(page_url(member)),
        client.post(url("sanction", username=member.username), {"kind": "warning", "warning-reason": "x"}),
        client.post(url("note", username=member.username), {"body": "x"}),
        client.post(url("purge", username=member.username), {"purge-reason": "x"}),
    ):
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert nothing_changed(member)


@pytest.mark.parametrize(
    "make_actor",
    [lambda: build_member(), lambda: build_member(trust_level=4)],
    ids=["member", "leader"],
)
def test_members_are_refused(client, make_actor, member):
    client.force_login(make_actor())

    assert client.get(page_url(member)).status_code == 403
    assert (
        client.post(url("sanction", username=member.username), {"kind": "warning", "warning-reason": "x"}).status_code
        == 403
    )
    assert client.post(url("note", username=member.username), {"body": "x"}).status_code == 403
    assert client.post(url("purge", username=member.username), {"purge-reason": "x"}).status_code == 403
    assert nothing_changed(member)


def test_unknown_member_is_404(client, moderator):
    client.force_login(moderator)

    assert client.get(url("member", username="nobody")).status_code == 404


# Sanctions --------------------------------------------------------------------


def test_moderator_warns_with_a_canned_reason_and_own_words(client, moderator, member):
    client.force_login(moderator)

    response = client.post(
        url("sanction", username=member.username),
        {"kind": "warning", "warning-canned": "Spam or advertising.", "warning-reason": "Three links in a day."},
    )

    assert response.status_code == 302 and response["Location"] == page_url(member)
    warning = Sanction.objects.get()
    assert warning.kind == Sanction.Kind.WARNING
    assert warning.reason == "Spam or advertising.\n\nThree links in a day."


def test_moderator_suspends_until_a_date(client, moderator, member):
    client.force_login(moderator)

    response = client.post(
        url("sanction", username=member.username),
        {"kind": "suspension", "suspension-until": tomorrow_plus(7), "suspension-reason": "A week off."},
    )

    assert response.status_code == 302
    until = User.objects.get(pk=member.pk).suspended_until
    assert timezone.localtime(until).date() == timezone.localdate() + timedelta(days=7)


def test_suspension_in_the_past_is_refused_on_the_page(client, moderator, member):
    client.force_login(moderator)

    response = client.post(
        url("sanction", username=member.username),
        {"kind": "suspension", "suspension-until": tomorrow_plus(-3), "suspension-reason": "Too late."},
    )

    assert response.status_code == 400 and "must end in the future" in response.content.decode()
    assert nothing_changed(member)
    assert_strict(page_url(member), response)


def test_sanction_without_reason_is_refused_on_the_page(client, moderator, member):
    client.force_login(moderator)

    response = client.post(url("sanction", username=member.username), {"kind": "warning"})

    assert response.status_code == 400 and "Choose a reason or write one" in response.content.decode()
    assert nothing_changed(member)


def test_global_moderator_bans_from_the_page(client, moderator, member):
    client.force_login(moderator)

    response = client.post(url("sanction", username=member.username), {"kind": "ban", "ban-reason": "Fraud."})

    assert response.status_code == 302 and User.objects.get(pk=member.pk).is_active is False


def test_category_moderator_cannot_ban_or_purge(client, member, category, question):
    client.force_login(build_moderator(category=category))

    page = client.get(page_url(member)).content.decode()
    assert "Send the warning" in page and "ban-reason" not in page and "purge-reason" not in page
    assert (
        client.post(url("sanction", username=member.username), {"kind": "ban", "ban-reason": "x"}).status_code == 403
    )
    assert client.post(url("purge", username=member.username), {"purge-reason": "x"}).status_code == 403
    assert nothing_changed(member)


def test_staff_member_page_offers_no_sanctions(client, moderator, staff):
    client.force_login(moderator)

    page = client.get(page_url(staff)).content.decode()

    assert "be sanctioned" in page and "Send the warning" not in page
    assert (
        client.post(url("sanction", username=staff.username), {"kind": "warning", "warning-reason": "x"}).status_code
        == 403
    )


def test_moderator_lifts_a_suspension(client, moderator, member):
    suspension = sanctions.suspend(moderator, member=member, until=timezone.now() + timedelta(days=2), reason="x")
    client.force_login(moderator)

    response = client.post(url("lift", pk=suspension.pk), {f"lift-{suspension.pk}-reason": "Appeal accepted."})

    assert response.status_code == 302
    assert Sanction.objects.get(pk=suspension.pk).lifted_by == moderator
    assert User.objects.get(pk=member.pk).suspended_until is None


def test_lift_without_reason_or_by_a_member_changes_nothing(client, moderator, member):
    ban = sanctions.ban(moderator, member=member, reason="x")
    client.force_login(moderator)
    client.post(url("lift", pk=ban.pk), {})
    client.force_login(build_member())

    assert client.post(url("lift", pk=ban.pk), {f"lift-{ban.pk}-reason": "Let me out."}).status_code == 403

    assert Sanction.objects.get(pk=ban.pk).lifted_at is None
    assert User.objects.get(pk=member.pk).is_active is False


# Notes ------------------------------------------------------------------------


def test_note_with_htmx_returns_the_notes_list(client, moderator, member):
    client.force_login(moderator)

    response = client.post(
        url("note", username=member.username), {"body": "Called support twice."}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="notes"') and "Called support twice." in html
    assert MemberNote.objects.get().author == moderator


def test_note_without_htmx_redirects_back(client, moderator, member):
    client.force_login(moderator)

    response = client.post(url("note", username=member.username), {"body": "Seems fine."})

    assert response.status_code == 302 and response["Location"].endswith("#notes")


# Spam clean-up ----------------------------------------------------------------


def test_purge_and_undo_from_the_page(client, moderator, member, category):
    thread = build_thread(member, category=category)
    client.force_login(moderator)

    response = client.post(url("purge", username=member.username), {"purge-reason": "Spam account."})

    assert response.status_code == 302
    assert Post.objects.get(pk=thread.opening_post.pk).is_deleted
    page = client.get(page_url(member)).content.decode()
    assert "Undo the clean-up" in page

    response = client.post(url("unpurge", username=member.username), {"unpurge-reason": "Real customer."})

    assert response.status_code == 302
    assert not Post.objects.get(pk=thread.opening_post.pk).is_deleted
    assert User.objects.get(pk=member.pk).is_active


# Hostile input ----------------------------------------------------------------


def test_hostile_reason_and_note_are_inert_on_the_page(client, moderator, member):
    sanctions.warn(moderator, member=member, reason=HOSTILE)
    sanctions.add_note(moderator, member=member, body=HOSTILE)
    client.force_login(moderator)

    page = Elements(client.get(page_url(member)).content.decode())

    page.assert_inert()
    assert sum('<script>alert("x")</script>' in text for text in page.text) == 2


def test_appeal_links_are_shown_to_staff_only(client, moderator, staff, member):
    warning = sanctions.warn(moderator, member=member, reason="Mind your tone.")
    appeal = warning.appeals.get().get_absolute_url()

    client.force_login(moderator)
    assert appeal not in client.get(page_url(member)).content.decode()
    assert client.get(appeal).status_code == 404

    client.force_login(staff)
    assert appeal in client.get(page_url(member)).content.decode()


def test_banned_moderator_is_signed_out(client, moderator, member):
    client.force_login(moderator)
    User.objects.filter(pk=moderator.pk).update(is_active=False)

    response = client.get(page_url(member))

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    post = client.post(url("sanction", username=member.username), {"kind": "ban", "ban-reason": "x"})
    assert post.status_code == 302 and nothing_changed(member)


def test_suspended_member_is_refused(client, member):
    suspended = build_member()
    User.objects.filter(pk=suspended.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    client.force_login(suspended)

    assert client.get(page_url(member)).status_code == 403
    assert client.post(url("note", username=member.username), {"body": "x"}).status_code == 403
    assert nothing_changed(member)
