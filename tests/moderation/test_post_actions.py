"""Someone else's post is edited or removed only through moderation's services, which check, act and audit."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from community.models import Post
from community.services.posts import delete_post, edit_post
from moderation.models import AuditEntry, Conversation
from moderation.services import posts as moderation_posts
from outbox import bus
from tests.builders import build_category, build_member, build_moderator

pytestmark = pytest.mark.django_db


def test_moderator_removal_is_audited_and_the_author_told_why_and_how_to_appeal(moderator, answer):
    moderation_posts.remove_post(moderator, post=answer, reason="Off topic")

    entry = AuditEntry.objects.get(action=AuditEntry.Action.POST_DELETED)
    assert (entry.actor, entry.target_id, entry.reason) == (moderator, answer.pk, "Off topic")
    conversation = Conversation.objects.get(member=answer.author)
    assert "removed" in conversation.subject
    body = conversation.messages.get().body
    assert "Off topic" in body and "appeal" in body


def test_community_services_refuse_a_moderator_on_someone_elses_post(moderator, answer):
    with pytest.raises(PermissionDenied):
        delete_post(moderator, post=answer)
    with pytest.raises(PermissionDenied):
        edit_post(moderator, post=answer, body="Rewritten without a trace")

    post = Post.objects.get(pk=answer.pk)
    assert (post.is_deleted, post.body) == (False, "Hold the button for five seconds.")
    assert not AuditEntry.objects.exists()


def test_authors_removing_or_editing_their_own_post_leave_no_audit_entry(answer):
    edit_post(answer.author, post=answer, body="Hold the button for six seconds.")
    delete_post(answer.author, post=answer)

    assert not AuditEntry.objects.exists()
    assert not Conversation.objects.exists()


def test_moderator_and_leader_edits_keep_the_old_text_in_the_audit_log(moderator, answer):
    moderation_posts.edit_post(moderator, post=answer, body="Hold the reset button for ten seconds.", reason="Typo")
    leader = build_member(trust_level=4)
    moderation_posts.edit_post(leader, post=answer, body="Hold the reset button for ten full seconds.")

    first, second = AuditEntry.objects.filter(action=AuditEntry.Action.POST_EDITED).order_by("pk")
    assert (first.actor, first.reason, first.before["body"]) == (
        moderator,
        "Typo",
        "Hold the button for five seconds.",
    )
    assert (second.actor, second.after["body"]) == (leader, "Hold the reset button for ten full seconds.")


def test_moderator_of_another_category_and_members_cannot_use_the_moderation_services(answer, other_member):
    elsewhere = build_moderator(category=build_category(name="Elsewhere"))
    for actor in (elsewhere, build_member(), answer.thread.author):
        with pytest.raises(PermissionDenied):
            moderation_posts.remove_post(actor, post=answer)
        with pytest.raises(PermissionDenied):
            moderation_posts.edit_post(actor, post=answer, body="Changed by the wrong person")

    post = Post.objects.get(pk=answer.pk)
    assert (post.is_deleted, post.body) == (False, "Hold the button for five seconds.")
    assert not AuditEntry.objects.exists()


def test_no_subscriber_writes_audit_rows_for_removals_or_edits():
    from community import events

    # Moderation's services write their own audit entries; no moderation subscriber writes a second.
    for event_type in (events.PostDeleted, events.PostEdited):
        assert [
            s for s in bus.subscribers(event_type.__name__, in_transaction=True) if s.name.startswith("moderation.")
        ] == []


def test_moderation_pages_remove_and_edit_with_a_reason(client, moderator, answer):
    client.force_login(moderator)
    assert client.get(reverse("moderation:remove_post", args=[answer.pk])).status_code == 200

    response = client.post(reverse("moderation:edit_post", args=[answer.pk]), {"body": "Tidied", "reason": "Tone"})
    assert response.status_code == 302
    response = client.post(reverse("moderation:remove_post", args=[answer.pk]), {"reason": "Spam link"})
    assert response.status_code == 302

    assert Post.objects.get(pk=answer.pk).is_deleted
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "reason")) == [
        (AuditEntry.Action.POST_EDITED, "Tone"),
        (AuditEntry.Action.POST_DELETED, "Spam link"),
    ]


def test_members_get_404_or_403_from_the_moderation_pages(client, member, answer):
    client.force_login(member)

    assert client.get(reverse("moderation:remove_post", args=[answer.pk])).status_code == 403
    assert client.post(reverse("moderation:remove_post", args=[answer.pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("moderation:edit_post", args=[999_999])).status_code == 404
    assert not Post.objects.get(pk=answer.pk).is_deleted
