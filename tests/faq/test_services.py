"""Promoting posts into the FAQ and moving an article through its life, through the services alone."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from community.models import Thread
from community.services import posts as post_services
from community.services import review
from faq.models import Article, Revision, SourcePost, Visibility
from faq.services import articles
from moderation.models import AuditEntry
from recognition.models import Award, PointsEntry
from tests.builders import build_member, build_reply

pytestmark = pytest.mark.django_db


def test_promote_starts_a_draft_from_the_thread_title_and_the_chosen_post(editor, section, question, accepted):
    article = articles.promote(editor, posts=[accepted], section=section)

    assert article.status == Article.Status.DRAFT
    assert article.question == question.title
    assert article.body == accepted.body
    assert "five seconds" in article.body_html
    assert article.source_thread_id == question.pk
    assert article.slug == "how-do-i-pair-a-new-bulb"
    source = SourcePost.objects.get(article=article)
    assert (source.post_id, source.author_id, source.body_seen) == (accepted.pk, accepted.author_id, accepted.body)
    assert list(article.revisions.values_list("number", flat=True)) == [1]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.FAQ_PROMOTED)
    assert (entry.actor_id, entry.target_type, entry.target_id) == (editor.pk, "article", article.pk)


def test_promoting_a_thread_takes_its_accepted_answer(editor, section, question, accepted):
    article = articles.promote(editor, thread=question, section=section)

    assert list(article.sources.values_list("post_id", flat=True)) == [accepted.pk]


def test_promoting_several_posts_credits_each_author_in_thread_order(editor, section, question, answer, member):
    third = build_member(username="thea")
    later = build_reply(third, question.opening_post, body="Also check the hub firmware.")

    article = articles.promote(editor, posts=[later, answer], section=section)
    articles.publish(editor, article)

    assert list(article.sources.values_list("post_id", flat=True)) == [answer.pk, later.pk]
    assert article.body == f"{answer.body}\n\n{later.body}"
    promoted = PointsEntry.objects.filter(reason=PointsEntry.Reason.FAQ_PROMOTED)
    assert sorted(promoted.values_list("member_id", "amount")) == sorted([(answer.author_id, 25), (third.pk, 25)])


def test_the_source_author_earns_points_and_the_badge_when_it_is_published(
    editor, section, accepted, other_member, django_capture_on_commit_callbacks
):
    before = PointsEntry.objects.filter(member=other_member).count()

    with django_capture_on_commit_callbacks(execute=True):
        articles.publish(editor, articles.promote(editor, posts=[accepted], section=section))

    other_member.refresh_from_db()
    entry = PointsEntry.objects.filter(member=other_member).order_by("pk").last()
    assert PointsEntry.objects.filter(member=other_member).count() == before + 1
    assert (entry.reason, entry.amount, entry.source_type) == ("faq_promoted", 25, "article")
    assert Award.objects.filter(member=other_member, badge="faq-promoted").exists()


@pytest.mark.parametrize("who", ["member", "moderator", "staff"])
def test_promote_without_the_permission_is_refused_and_changes_nothing(request, who, section, accepted):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        articles.promote(actor, posts=[accepted], section=section)

    assert not Article.objects.exists()
    assert not PointsEntry.objects.filter(reason="faq_promoted").exists()
    assert not AuditEntry.objects.filter(action__startswith="faq_").exists()


def test_promoting_a_removed_post_is_refused(editor, section, answer, other_member):
    post_services.delete_post(other_member, post=answer)

    with pytest.raises(ValidationError) as error:
        articles.promote(editor, posts=[answer], section=section)

    assert "removed" in error.value.message_dict["posts"][0]
    assert not Article.objects.exists()


def test_promoting_a_hidden_post_is_refused(editor, section, answer):
    review.set_review(answer, review="hidden")

    with pytest.raises(ValidationError) as error:
        articles.promote(editor, posts=[answer], section=section)

    assert "hidden" in error.value.message_dict["posts"][0]


def test_promoting_a_held_post_is_refused(editor, section, question):
    newcomer = build_member(username="newbie", trust_level=0)
    held = build_reply(newcomer, question.opening_post, body="A held answer.")
    assert held.review == "pending"

    with pytest.raises(ValidationError) as error:
        articles.promote(editor, posts=[held], section=section)

    assert error.value.message_dict["posts"]
    assert not Article.objects.exists()


def test_a_duplicate_slug_is_a_field_error(editor, section, accepted):
    articles.promote(editor, posts=[accepted], section=section, slug="pairing")

    with pytest.raises(ValidationError) as error:
        articles.promote(editor, posts=[accepted], section=section, slug="pairing")

    assert "already uses" in error.value.message_dict["slug"][0]
    assert Article.objects.count() == 1


def test_an_empty_answer_is_a_field_error(editor, section, accepted):
    with pytest.raises(ValidationError) as error:
        articles.promote(editor, posts=[accepted], section=section, body="   ")

    assert error.value.message_dict["body"]
    assert not Article.objects.exists()


def test_every_edit_adds_a_revision_and_keeps_the_old_ones(editor, section, accepted):
    article = articles.promote(editor, posts=[accepted], section=section)

    articles.edit(editor, article, question="Pairing a bulb", body="First edit.", base_revision=1)
    articles.edit(editor, article, question="Pairing a bulb", body="Second edit.", base_revision=2, note="typo")

    bodies = list(Revision.objects.filter(article=article).order_by("number").values_list("body", flat=True))
    assert bodies == [accepted.body, "First edit.", "Second edit."]
    article.refresh_from_db()
    assert (article.revision_count, article.body) == (3, "Second edit.")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FAQ_EDITED).count() == 2


def test_an_edit_from_an_older_revision_is_refused_without_losing_either(editor, section, accepted):
    article = articles.promote(editor, posts=[accepted], section=section)
    articles.edit(editor, article, question="Q", body="Saved first.", base_revision=1)

    with pytest.raises(ValidationError) as error:
        articles.edit(editor, article, question="Q", body="Saved second, from revision 1.", base_revision=1)

    assert "while you were editing" in error.value.messages[0]
    article.refresh_from_db()
    assert article.body == "Saved first."
    assert article.revisions.count() == 2


def test_publish_unpublish_and_archive(editor, section, accepted):
    article = articles.promote(editor, posts=[accepted], section=section)

    assert articles.publish(editor, article).status == Article.Status.PUBLISHED
    assert articles.unpublish(editor, article).status == Article.Status.UNPUBLISHED
    assert articles.archive(editor, article).status == Article.Status.ARCHIVED
    with pytest.raises(ValidationError):
        articles.unpublish(editor, article)
    actions = list(AuditEntry.objects.filter(target_type="article").order_by("pk").values_list("action", flat=True))
    assert actions == ["faq_promoted", "faq_published", "faq_unpublished", "faq_archived"]


def test_publishing_bumps_the_article_and_its_source_thread(editor, section, question, accepted):
    article = articles.promote(editor, posts=[accepted], section=section)
    versions = (Article.objects.get(pk=article.pk).version, Thread.objects.get(pk=question.pk).version)

    articles.publish(editor, article)

    assert Article.objects.get(pk=article.pk).version > versions[0]
    assert Thread.objects.get(pk=question.pk).version > versions[1]


def test_edit_by_a_suspended_editor_is_refused(editor, section, accepted):
    article = articles.promote(editor, posts=[accepted], section=section, visibility=Visibility.STAFF)
    # Staff can't be sanctioned through moderation; the row is what the permission reads.
    User.objects.filter(pk=editor.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    editor.refresh_from_db()

    with pytest.raises(PermissionDenied):
        articles.edit(editor, article, question="Changed", body="Changed")

    assert Article.objects.get(pk=article.pk).question == article.question
