"""Moderators' removals and edits made from the thread page are audited, and the author is told."""

import pytest

from community.services.posts import delete_post, edit_post
from moderation.models import AuditEntry, Conversation

pytestmark = pytest.mark.django_db


def test_moderator_removal_is_audited_and_the_author_told_how_to_appeal(moderator, answer):
    delete_post(moderator, post=answer)

    entry = AuditEntry.objects.get(action=AuditEntry.Action.POST_DELETED)
    assert entry.actor == moderator and entry.target_id == answer.pk
    conversation = Conversation.objects.get(member=answer.author)
    assert "removed" in conversation.subject
    assert "appeal" in conversation.messages.get().body


def test_authors_removing_their_own_post_leave_no_audit_entry(answer):
    delete_post(answer.author, post=answer)

    assert not AuditEntry.objects.exists()
    assert not Conversation.objects.exists()


def test_moderator_edit_keeps_the_old_text_in_the_audit_log(moderator, answer):
    edit_post(moderator, post=answer, body="Hold the reset button for ten seconds.")

    entry = AuditEntry.objects.get(action=AuditEntry.Action.POST_EDITED)
    assert entry.before["body"] == "Hold the button for five seconds."
    assert entry.after["body"] == "Hold the reset button for ten seconds."


def test_own_edits_are_not_audited(answer):
    edit_post(answer.author, post=answer, body="Hold the button for six seconds.")

    assert not AuditEntry.objects.exists()
