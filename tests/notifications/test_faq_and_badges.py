"""News of recognition: an answer published in the FAQ, and a badge earned."""

import pytest
from django.core import mail

from faq.models import Section, Visibility
from faq.services import articles
from notifications.models import Kind, Notification
from recognition import awarding
from recognition.services.badges import give_badge
from tests.builders import build_member, build_reply
from tests.faq.builders import build_editor

pytestmark = pytest.mark.django_db


def told(user, kind=None) -> list[tuple[str, str]]:
    notes = Notification.objects.filter(recipient=user).order_by("pk")
    return list((notes.filter(kind=kind) if kind else notes).values_list("kind", "detail"))


@pytest.fixture
def quiet_badges():
    """Badges at their defaults here: this module is about them."""


@pytest.fixture
def editor():
    return build_editor(username="edith")


@pytest.fixture
def section():
    return Section.objects.create(name="Pairing", slug="pairing")


def promoted(editor, section, posts, visibility=Visibility.PUBLIC):
    return articles.promote(editor, posts=posts, section=section, visibility=visibility)


def test_publishing_an_article_tells_each_credited_author_once(
    after_commit, editor, section, question, answer, member
):
    second = build_reply(build_member(username="kofi"), question.opening_post, body="Or reset the hub first.")
    article = after_commit(promoted, editor, section, [answer, second])
    assert not Notification.objects.filter(kind=Kind.PROMOTED).exists()  # a draft is news to nobody

    after_commit(articles.publish, editor, article)

    # Recognition's badge for the promotion is news of its own.
    assert told(answer.author, Kind.PROMOTED) == [(Kind.PROMOTED, "")]
    assert told(second.author, Kind.PROMOTED) == [(Kind.PROMOTED, "")]
    assert Notification.objects.get(recipient=answer.author, kind=Kind.PROMOTED).thread_id == question.pk
    assert told(member) == []  # the asker wrote nothing the article credits
    [message] = [m for m in mail.outbox if m.to == [answer.author.email]]
    assert "is now in the FAQ" in message.subject


def test_an_internal_article_is_news_to_nobody_outside_the_team(after_commit, editor, section, answer):
    article = after_commit(promoted, editor, section, [answer], Visibility.STAFF)

    after_commit(articles.publish, editor, article)

    assert told(answer.author, Kind.PROMOTED) == []


def test_an_editor_promoting_their_own_answer_is_not_told(after_commit, editor, section, question):
    own = build_reply(editor, question.opening_post, body="Hold the button for five seconds.")
    article = after_commit(promoted, editor, section, [own])

    after_commit(articles.publish, editor, article)

    assert told(editor) == []


def test_a_badge_earned_tells_its_member_and_one_from_the_sweep_does_not(after_commit, member, other_member):
    after_commit(awarding.award, "first-answer", member.pk)
    after_commit(awarding.award, "first-answer", other_member.pk, swept=True)

    assert told(member) == [(Kind.BADGE, "First answer")]
    assert told(other_member) == []


def test_a_thank_you_badge_names_who_gave_it(after_commit, staff, member):
    after_commit(give_badge, staff, member=member, badge="thank-you", citation="For the pairing guide.")

    note = Notification.objects.get(recipient=member)
    assert (note.kind, note.actor_id) == (Kind.BADGE, staff.pk)
