"""The FAQ's periodic work: article views, counted as thread views are (community.tallies), written in one batch."""

from celery import shared_task
from django.db import transaction
from django.db.models import F

from community import tallies
from faq.models import Article

ARTICLE_VIEWS = "faq-article-views"


def count_view(article_pk: int) -> None:
    """One more view of the article: gathered in the process and sent with its other counts, never a row."""
    tallies.count_soon(ARTICLE_VIEWS, article_pk)


@shared_task
def flush_article_views(now: float | None = None) -> int:
    """Add the views counted in the windows closed since the last flush to each article's count; how many
    views were written. Each window is drained once (community.tallies)."""
    counted = tallies.drain(ARTICLE_VIEWS, now)
    with transaction.atomic():
        for pk, n in sorted(counted.items()):
            Article.objects.filter(pk=pk).update(view_count=F("view_count") + n)
    return sum(counted.values())
