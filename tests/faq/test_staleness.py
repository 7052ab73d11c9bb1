"""A source post edited after promotion: its article is marked, and editors take the change in or dismiss it."""

import pytest
from django.urls import reverse

from community.services import posts
from faq.models import Article, Revision, SourceChange, SourcePost
from faq.selectors_signals import source_changed
from moderation.models import AuditEntry
from tests.builders import build_member
from tests.faq.builders import build_article, build_editor, grant

pytestmark = pytest.mark.django_db
BEFORE = "Hold the button for five seconds."


@pytest.fixture
def promoted(staff, answer):
    posts.edit_post(answer.author, post=answer, body=BEFORE)
    answer.refresh_from_db()
    return build_article(staff, body=f"Intro.\n\n{BEFORE}", source=answer)


def edit(post, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        posts.edit_post(post.author, post=post, body=body)


def test_an_edit_to_a_source_post_opens_one_review(promoted, answer, django_capture_on_commit_callbacks):
    edit(answer, "Hold the button for ten seconds.", django_capture_on_commit_callbacks)
    edit(answer, "Hold the button for ten seconds, then wait.", django_capture_on_commit_callbacks)

    change = SourceChange.objects.get()
    assert change.state == SourceChange.State.PENDING
    assert source_changed(promoted.pk)
    assert (change.body_before, change.body_after) == (BEFORE, "Hold the button for ten seconds, then wait.")


def test_an_edit_back_to_the_promoted_text_closes_the_review(promoted, answer, django_capture_on_commit_callbacks):
    edit(answer, "Something else.", django_capture_on_commit_callbacks)
    edit(answer, BEFORE, django_capture_on_commit_callbacks)

    assert not SourceChange.objects.exists()


def test_an_edit_to_another_post_changes_nothing(promoted, question, django_capture_on_commit_callbacks):
    edit(question.opening_post, "A different question body.", django_capture_on_commit_callbacks)

    assert not SourceChange.objects.exists()


def test_an_editor_takes_the_change_in_as_a_new_revision(client, promoted, answer, django_capture_on_commit_callbacks):
    edit(answer, "Hold the button for ten seconds.", django_capture_on_commit_callbacks)
    change = SourceChange.objects.get()
    editor = build_editor()
    client.force_login(editor)

    page = client.get(reverse("faq:source_change", args=[change.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Intro.\n\nHold the button for ten seconds." in html  # the proposal, in the textarea
    assert "diff-added" in html and "diff-removed" in html

    response = client.post(reverse("faq:source_change", args=[change.pk]), {"body": "Intro.\n\nTen seconds."})

    assert response.status_code == 302
    promoted.refresh_from_db()
    assert promoted.body == "Intro.\n\nTen seconds."
    assert "Ten seconds." in promoted.body_html
    assert promoted.revision_count == 2
    assert Revision.objects.get(article=promoted, number=2).edited_by == editor
    change.refresh_from_db()
    assert (change.state, change.resolved_by) == (SourceChange.State.TAKEN, editor)
    assert not source_changed(promoted.pk)
    assert SourcePost.objects.get().body_seen == "Hold the button for ten seconds."
    entry = AuditEntry.objects.get(action=AuditEntry.Action.FAQ_SOURCE_TAKEN)
    assert (entry.actor, entry.target_id) == (editor, promoted.pk)


def test_a_reviewer_dismisses_a_change_and_later_edits_compare_with_it(
    client, promoted, answer, django_capture_on_commit_callbacks
):
    edit(answer, "Ten seconds.", django_capture_on_commit_callbacks)
    change = SourceChange.objects.get()
    reviewer = grant(build_member(is_staff_member=True), "review_faq")
    client.force_login(reviewer)

    assert client.post(reverse("faq:dismiss_source_change", args=[change.pk])).status_code == 302

    change.refresh_from_db()
    assert change.state == SourceChange.State.DISMISSED
    assert Article.objects.get().revision_count == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FAQ_SOURCE_DISMISSED, actor=reviewer).count() == 1
    edit(answer, "Twelve seconds.", django_capture_on_commit_callbacks)
    assert SourceChange.objects.get(state=SourceChange.State.PENDING).body_before == "Ten seconds."


def test_a_reviewer_who_is_not_an_editor_cannot_take_a_change_in(
    client, promoted, answer, django_capture_on_commit_callbacks
):
    edit(answer, "Ten seconds.", django_capture_on_commit_callbacks)
    change = SourceChange.objects.get()
    client.force_login(grant(build_member(is_staff_member=True), "review_faq"))

    assert "Save as a new revision" not in client.get(reverse("faq:source_change", args=[change.pk])).content.decode()
    response = client.post(reverse("faq:source_change", args=[change.pk]), {"body": "Mine."})

    assert response.status_code == 403
    assert Article.objects.get().revision_count == 1
    change.refresh_from_db()
    assert change.state == SourceChange.State.PENDING


@pytest.mark.parametrize("actor", ["member", "staff", "moderator"])
def test_others_neither_see_nor_resolve_changes(
    client, promoted, answer, actor, request, django_capture_on_commit_callbacks
):
    edit(answer, "Ten seconds.", django_capture_on_commit_callbacks)
    change = SourceChange.objects.get()
    client.force_login(request.getfixturevalue(actor))

    assert client.get(reverse("faq:source_changes")).status_code == 403
    assert client.post(reverse("faq:source_change", args=[change.pk]), {"body": "x"}).status_code == 403
    assert client.post(reverse("faq:dismiss_source_change", args=[change.pk])).status_code == 403
    change.refresh_from_db()
    assert change.state == SourceChange.State.PENDING
    assert not AuditEntry.objects.filter(action__startswith="faq_source").exists()


def test_the_diff_escapes_hostile_text(client, promoted, answer, django_capture_on_commit_callbacks):
    edit(answer, '<script>alert("x")</script> <img src=x onerror=alert(1)>', django_capture_on_commit_callbacks)
    change = SourceChange.objects.get()
    client.force_login(build_editor())

    html = client.get(reverse("faq:source_change", args=[change.pk])).content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_a_change_already_reviewed_is_gone(client, promoted, answer, django_capture_on_commit_callbacks):
    edit(answer, "Ten seconds.", django_capture_on_commit_callbacks)
    change = SourceChange.objects.get()
    client.force_login(build_editor())
    client.post(reverse("faq:dismiss_source_change", args=[change.pk]))

    assert client.post(reverse("faq:dismiss_source_change", args=[change.pk])).status_code == 404
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FAQ_SOURCE_DISMISSED).count() == 1


def test_the_article_page_tells_its_editors_a_source_changed_and_nobody_else(
    client, editor, member, promoted, answer, django_capture_on_commit_callbacks
):
    url = promoted.get_absolute_url()
    client.force_login(editor)
    assert "A source post was edited" not in client.get(url).content.decode()

    edit(answer, "Hold the button for ten seconds.", django_capture_on_commit_callbacks)

    assert "A source post was edited" in client.get(url).content.decode()
    assert "A source post was edited" in client.get(url).content.decode()
    client.force_login(member)
    assert "A source post was edited" not in client.get(url).content.decode()
