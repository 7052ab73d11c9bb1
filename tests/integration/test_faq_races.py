"""Two editors saving one FAQ article at once, and two publishing one answer (PostgreSQL).

The article row's lock in faq.services.articles serialises the saves, so the
second, started from the same revision, is refused instead of overwriting.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from community.services import posts as post_services
from faq.models import Article, Revision, Section
from faq.services import articles
from recognition.models import PointsEntry
from tests.builders import build_member, build_reply, build_thread
from tests.faq.conftest import build_editor
from tests.integration.test_queue_races import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_editors_saving_the_same_revision_keep_one_save_and_refuse_the_other(category):
    assert connection.vendor == "postgresql"
    asker, helper = build_member(), build_member()
    thread = build_thread(asker, category=category, title="Pairing a bulb")
    answer = build_reply(helper, thread.opening_post, body="Hold the button.")
    post_services.accept_answer(asker, post=answer)
    one, two = build_editor(username="ed1"), build_editor(username="ed2")
    section = Section.objects.create(name="Setup", slug="setup")
    article = articles.promote(one, posts=[answer], section=section)

    results = run_concurrently(
        [
            lambda: articles.edit(one, article, question="Q", body="One's words.", base_revision=1),
            lambda: articles.edit(two, article, question="Q", body="Two's words.", base_revision=1),
        ]
    )

    saved = [result for result in results if isinstance(result, Article)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert (len(saved), len(refused)) == (1, 1)
    assert list(Revision.objects.filter(article=article).order_by("number").values_list("number", flat=True)) == [1, 2]
    assert Article.objects.get(pk=article.pk).body == saved[0].body


def test_two_articles_from_one_answer_published_at_once_each_credit_the_author_once(category):
    asker, helper = build_member(), build_member()
    thread = build_thread(asker, category=category, title="Pairing a bulb")
    answer = build_reply(helper, thread.opening_post, body="Hold the button.")
    one, two = build_editor(username="ed3"), build_editor(username="ed4")
    section = Section.objects.create(name="Setup", slug="setup")

    results = run_concurrently(
        [
            lambda: articles.promote(one, posts=[answer], section=section, slug="first"),
            lambda: articles.promote(two, posts=[answer], section=section, slug="second"),
        ]
    )

    assert all(isinstance(result, Article) for result in results), results
    assert not PointsEntry.objects.filter(member=helper, reason="faq_promoted").exists()

    published = run_concurrently(
        [lambda: articles.publish(one, results[0]), lambda: articles.publish(two, results[1])]
    )

    assert all(isinstance(result, Article) for result in published), published
    entries = PointsEntry.objects.filter(member=helper, reason="faq_promoted")
    assert sorted(entries.values_list("source_id", flat=True)) == sorted(result.pk for result in results)


def test_publishing_one_article_twice_at_once_credits_the_author_once(category):
    helper = build_member()
    thread = build_thread(build_member(), category=category, title="Pairing a bulb")
    answer = build_reply(helper, thread.opening_post, body="Hold the button.")
    one, two = build_editor(username="ed5"), build_editor(username="ed6")
    article = articles.promote(one, posts=[answer], section=Section.objects.create(name="Setup", slug="setup"))

    results = run_concurrently([lambda: articles.publish(one, article), lambda: articles.publish(two, article)])

    assert sorted(type(result).__name__ for result in results) == ["Article", "ValidationError"], results
    assert list(PointsEntry.objects.filter(member=helper, reason="faq_promoted").values_list("amount", flat=True)) == [
        25
    ]
