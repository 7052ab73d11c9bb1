"""The FAQ's periodic work: article views counted in the cache, written in one batch."""

from celery import shared_task
from django.core.cache import cache
from django.db.models import F

from faq.models import Article

VIEWS_KEY = "faq:views:{pk}"


def count_view(article_pk: int) -> None:
    """One more view of the article, in the cache only: a page view never writes a row."""
    key = VIEWS_KEY.format(pk=article_pk)
    try:
        cache.incr(key)
    except ValueError:
        # Two first views at once: one `add` wins and the other increments what it added.
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)


@shared_task
def flush_article_views() -> int:
    """Add the views gathered since the last flush to each article's count; how many views were written.

    A counter is decremented by what was read, not deleted, so views counted
    while the flush runs wait for the next one instead of being lost.
    """
    pks = list(Article.objects.filter(status=Article.Status.PUBLISHED).values_list("pk", flat=True))
    keys = {VIEWS_KEY.format(pk=pk): pk for pk in pks}
    counted = {key: n for key, n in cache.get_many(list(keys)).items() if n}
    written = 0
    for key, n in counted.items():
        cache.decr(key, n)
        Article.objects.filter(pk=keys[key]).update(view_count=F("view_count") + n)
        written += n
    return written
