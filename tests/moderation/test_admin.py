"""Moderation in the Django admin: content filters are edited and audited; the audit log is read-only."""

import pytest
from django.urls import reverse

from accounts.models import User
from moderation import audit, screening
from moderation.models import AuditEntry, ContentFilter, ModeratorRole
from tests.builders import build_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    user = build_member(username="root_rita")
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True, is_staff_member=True)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def entry(moderator, question):
    return audit.thread_changed(
        moderator, question, action=AuditEntry.Action.THREAD_STATE, reason="Heated", before={"state": "open"}
    )


def unchanged(entry) -> bool:
    stored = AuditEntry.objects.filter(pk=entry.pk).values("reason", "action", "before").first()
    return stored == {"reason": "Heated", "action": AuditEntry.Action.THREAD_STATE, "before": {"state": "open"}}


# The audit log --------------------------------------------------------------------------


def test_a_superuser_can_read_entries(client, superuser, entry):
    client.force_login(superuser)

    listing = client.get(reverse("admin:moderation_auditentry_changelist"))
    detail = client.get(reverse("admin:moderation_auditentry_change", args=[entry.pk]))

    assert listing.status_code == 200 and detail.status_code == 200
    assert "Heated" in detail.content.decode()
    assert 'name="reason"' not in detail.content.decode()


def test_a_superuser_cannot_edit_an_entry(client, superuser, entry):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:moderation_auditentry_change", args=[entry.pk]),
        {"reason": "Rewritten", "action": AuditEntry.Action.POST_APPROVED, "before": "{}", "after": "{}"},
    )

    assert response.status_code == 403
    assert unchanged(entry)


def test_a_superuser_cannot_delete_an_entry(client, superuser, entry):
    client.force_login(superuser)
    url = reverse("admin:moderation_auditentry_delete", args=[entry.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert unchanged(entry)


def test_a_superuser_cannot_bulk_delete_entries(client, superuser, entry):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:moderation_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert response.status_code in (200, 302)
    assert unchanged(entry)


def test_a_superuser_cannot_add_an_entry(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:moderation_auditentry_add")).status_code == 403
    assert not AuditEntry.objects.exists()


# Content filters -------------------------------------------------------------------------


def test_adding_a_filter_is_audited_and_takes_effect_at_once(client, superuser, django_capture_on_commit_callbacks):
    client.force_login(superuser)
    assert screening.active_filters() == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:moderation_contentfilter_add"),
            {"pattern": "crypto giveaway", "action": "block", "message": "No giveaways.", "is_active": "on"},
        )

    assert response.status_code == 302
    content_filter = ContentFilter.objects.get()
    assert screening.active_filters() == [("crypto giveaway", False, "block", "No giveaways.")]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == (
        AuditEntry.Action.FILTER_CHANGED,
        superuser,
        "contentfilter",
        content_filter.pk,
    )
    assert entry.before == {} and entry.after["pattern"] == "crypto giveaway"


def test_a_regex_that_does_not_compile_is_refused(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:moderation_contentfilter_add"),
        {"pattern": "free (money", "is_regex": "on", "action": "hold", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "This regular expression doesn&#x27;t work" in response.content.decode()
    assert not ContentFilter.objects.exists() and not AuditEntry.objects.exists()


def test_changing_a_filter_records_before_and_after(client, superuser, django_capture_on_commit_callbacks):
    content_filter = ContentFilter.objects.create(pattern="spam", action="hold")
    screening.active_filters()
    client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:moderation_contentfilter_change", args=[content_filter.pk]),
            {"pattern": "spam", "action": "censor", "is_active": "on"},
        )

    entry = AuditEntry.objects.get()
    assert (entry.before["action"], entry.after["action"]) == ("hold", "censor")
    assert screening.active_filters() == [("spam", False, "censor", "")]


def test_deleting_a_filter_is_audited(client, superuser, django_capture_on_commit_callbacks):
    content_filter = ContentFilter.objects.create(pattern="spam", action="hold")
    screening.active_filters()
    client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:moderation_contentfilter_delete", args=[content_filter.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert not ContentFilter.objects.exists()
    entry = AuditEntry.objects.get()
    assert (entry.target_id, entry.before["pattern"], entry.after) == (content_filter.pk, "spam", {})
    assert screening.active_filters() == []


def test_bulk_deleting_filters_audits_each(client, superuser, django_capture_on_commit_callbacks):
    filters = [ContentFilter.objects.create(pattern=word) for word in ("one", "two")]
    client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:moderation_contentfilter_changelist"),
            {"action": "delete_selected", "_selected_action": [f.pk for f in filters], "post": "yes"},
        )

    assert not ContentFilter.objects.exists()
    assert sorted(AuditEntry.objects.values_list("target_label", flat=True)) == ["one", "two"]


# Moderator roles ----------------------------------------------------------------------------


def test_moderator_roles_are_read_only_in_the_admin(client, superuser, moderator):
    client.force_login(superuser)
    role = ModeratorRole.objects.get(user=moderator)

    listing = client.get(reverse("admin:moderation_moderatorrole_changelist"))

    assert listing.status_code == 200
    assert reverse("moderation:moderators") in listing.content.decode()
    assert client.get(reverse("admin:moderation_moderatorrole_add")).status_code == 403
    assert (
        client.post(reverse("admin:moderation_moderatorrole_delete", args=[role.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert ModeratorRole.objects.filter(pk=role.pk).exists()


@pytest.mark.parametrize(
    "name", ["moderation_sanction", "moderation_membernote", "moderation_conversation", "moderation_auditentry"]
)
def test_read_only_lists_open(client, superuser, name):
    client.force_login(superuser)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{name}_add")).status_code == 403
