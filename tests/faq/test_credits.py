"""What an article gives the authors it credits: points, the "In the FAQ" badge and the news, while it is published."""

import pytest

from accounts.models import User
from faq.models import Visibility
from faq.services import articles
from notifications.models import Kind, Notification
from recognition.models import Award, PointsEntry
from tests.builders import build_member, build_reply
from tests.faq.builders import build_editor

pytestmark = pytest.mark.django_db

Reason = PointsEntry.Reason


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run an action and what it hands over after commit, as the relay and a worker would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def faq_lines(member) -> list[int]:
    """The member's FAQ ledger lines, oldest first: +25 earned, -25 reversed."""
    return list(
        PointsEntry.objects.filter(member=member, reason=Reason.FAQ_PROMOTED)
        .order_by("pk")
        .values_list("amount", flat=True)
    )


def holds_badge(member) -> bool:
    return Award.objects.filter(member=member, badge="faq-promoted").exists()


def reputation(member) -> int:
    return User.objects.get(pk=member.pk).reputation


def test_a_draft_earns_its_authors_nothing(after_commit, editor, section, accepted):
    before = reputation(accepted.author)

    after_commit(articles.promote, editor, posts=[accepted], section=section)

    assert faq_lines(accepted.author) == []
    assert not holds_badge(accepted.author)
    assert reputation(accepted.author) == before


def test_first_publication_gives_each_author_the_points_and_badge_once(
    after_commit, editor, section, question, answer
):
    # Two posts by one author and one by another: each author is credited once.
    kofi = build_member(username="kofi")
    again = build_reply(answer.author, question.opening_post, body="And check the hub firmware.")
    third = build_reply(kofi, question.opening_post, body="Or reset the hub first.")
    article = after_commit(articles.promote, editor, posts=[answer, again, third], section=section)
    before = reputation(answer.author)

    after_commit(articles.publish, editor, article)

    assert faq_lines(answer.author) == [25]
    assert faq_lines(kofi) == [25]
    assert reputation(answer.author) == before + 25
    assert holds_badge(answer.author) and holds_badge(kofi)


@pytest.mark.parametrize("take_down", [articles.unpublish, articles.archive])
def test_unpublishing_or_archiving_takes_them_back_with_a_reversal(after_commit, editor, section, accepted, take_down):
    article = after_commit(articles.promote, editor, posts=[accepted], section=section)
    before = reputation(accepted.author)
    after_commit(articles.publish, editor, article)

    after_commit(take_down, editor, article)

    # The ledger keeps both lines: what was earned, and the reversal naming it.
    assert faq_lines(accepted.author) == [25, -25]
    reversal = PointsEntry.objects.get(member=accepted.author, reason=Reason.FAQ_PROMOTED, amount=-25)
    assert reversal.reverses.amount == 25
    assert reputation(accepted.author) == before
    assert not holds_badge(accepted.author)


def test_republishing_gives_them_again_without_doubling(after_commit, editor, section, accepted):
    article = after_commit(articles.promote, editor, posts=[accepted], section=section)
    before = reputation(accepted.author)
    after_commit(articles.publish, editor, article)
    after_commit(articles.unpublish, editor, article)

    after_commit(articles.publish, editor, article)
    after_commit(articles.edit, editor, article, question="Pairing a bulb", body="Hold it for five seconds.")

    assert faq_lines(accepted.author) == [25, -25, 25]
    assert PointsEntry.objects.filter(member=accepted.author, reason=Reason.FAQ_PROMOTED).live().count() == 1
    assert reputation(accepted.author) == before + 25
    assert holds_badge(accepted.author)


def test_archiving_an_unpublished_article_takes_back_nothing_more(after_commit, editor, section, accepted):
    article = after_commit(articles.promote, editor, posts=[accepted], section=section)
    after_commit(articles.publish, editor, article)
    after_commit(articles.unpublish, editor, article)

    after_commit(articles.archive, editor, article)

    assert faq_lines(accepted.author) == [25, -25]


def test_the_badge_stays_while_another_of_their_articles_is_published(after_commit, editor, section, question, answer):
    again = build_reply(answer.author, question.opening_post, body="And check the hub firmware.")
    first = after_commit(articles.promote, editor, posts=[answer], section=section)
    second = after_commit(articles.promote, editor, posts=[again], section=section, question="Firmware?")
    after_commit(articles.publish, editor, first)
    after_commit(articles.publish, editor, second)

    after_commit(articles.unpublish, editor, first)

    assert faq_lines(answer.author) == [25, 25, -25]
    assert holds_badge(answer.author)


def test_an_internal_article_credits_only_the_team_until_it_is_opened_to_members(
    after_commit, editor, section, question, answer
):
    colleague = build_editor(username="colin")
    staff_post = build_reply(colleague, question.opening_post, body="Internally: reflash it.")
    article = after_commit(
        articles.promote, editor, posts=[answer, staff_post], section=section, visibility=Visibility.STAFF
    )

    after_commit(articles.publish, editor, article)

    # A member's answer in the internal knowledge base is news to nobody outside the team.
    assert faq_lines(answer.author) == []
    assert not holds_badge(answer.author)
    assert faq_lines(colleague) == [25]

    after_commit(
        articles.edit, editor, article, question=article.question, body=article.body, visibility=Visibility.MEMBERS
    )
    assert faq_lines(answer.author) == [25]
    assert holds_badge(answer.author)

    after_commit(
        articles.edit, editor, article, question=article.question, body=article.body, visibility=Visibility.STAFF
    )
    assert faq_lines(answer.author) == [25, -25]
    assert not holds_badge(answer.author)
    assert faq_lines(colleague) == [25]


def test_authors_hear_of_the_first_publication_only(after_commit, editor, section, accepted):
    article = after_commit(articles.promote, editor, posts=[accepted], section=section)

    after_commit(articles.publish, editor, article)
    after_commit(articles.edit, editor, article, question="Pairing a bulb", body="Hold it for five seconds.")
    after_commit(articles.unpublish, editor, article)
    after_commit(articles.publish, editor, article)

    assert Notification.objects.filter(recipient=accepted.author, kind=Kind.PROMOTED).count() == 1


def test_authors_hear_of_the_badge_once_though_republishing_gives_it_back(after_commit, editor, section, accepted):
    article = after_commit(articles.promote, editor, posts=[accepted], section=section)
    after_commit(articles.publish, editor, article)
    after_commit(articles.unpublish, editor, article)
    assert not holds_badge(accepted.author)

    after_commit(articles.publish, editor, article)

    assert holds_badge(accepted.author)
    told = Notification.objects.filter(recipient=accepted.author, kind=Kind.BADGE)
    assert list(told.values_list("detail", flat=True)) == ["In the FAQ"]
