"""FAQ candidates: public threads worth promoting, ranked by what readers did with them.

The signals are kept in `Candidate` rows. Views and search hits are counted
in the cache while people read and search, and added here in batches by the
beat task, with the questions started since the last run that resemble an
older thread; an accepted answer and helpful votes are read from the thread
at the same time. Suggestions are counted as members make them. The score
is computed when the queue is read, so a change of weights needs no rewrite.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from community import search as community_search
from community import tallies
from community.models import Post, Review, Thread
from community.permissions import visible_threads
from faq.models import Article, Candidate
from faq.search import SEARCH_HITS

QUEUE_LENGTH = 50
# How much each signal weighs in the ranking.
WEIGHTS = {
    "has_accepted_answer": 10.0,
    "helpful_votes": 2.0,
    "views": 0.05,
    "search_hits": 1.0,
    "similar_asked": 4.0,
    "suggestions": 5.0,
}
SIMILAR_SINCE_KEY = "faq:candidates:similar-since"
SIMILAR_BATCH = 200


def public_threads() -> QuerySet[Thread]:
    """The FAQ is built from what everyone may read."""
    return visible_threads(AnonymousUser(), Thread.objects.all())


def score() -> ExpressionWrapper:
    total: Any = Case(When(has_accepted_answer=True, then=Value(WEIGHTS["has_accepted_answer"])), default=Value(0.0))
    for name, weight in WEIGHTS.items():
        if name != "has_accepted_answer":
            total = total + F(name) * weight
    return ExpressionWrapper(total, output_field=FloatField())


def candidate_queue(limit: int = QUEUE_LENGTH) -> QuerySet[Candidate]:
    """Open candidates (not dismissed, not promoted yet, still public), the strongest first."""
    promoted = Article.objects.filter(source_thread=OuterRef("thread_id"))
    return (
        Candidate.objects.filter(dismissed_at=None, thread__in=public_threads())
        .exclude(Exists(promoted))
        .annotate(score=score())
        .filter(score__gt=0)
        .select_related("thread", "thread__category")
        .order_by("-score", "-thread_id")[:limit]
    )


def add_counts(field: str, counts: dict[int, int]) -> None:
    """Add counts to the candidates of public threads, creating their rows; one update per distinct count."""
    ids = set(public_threads().filter(pk__in=list(counts)).values_list("pk", flat=True))
    Candidate.objects.bulk_create([Candidate(thread_id=pk) for pk in ids], ignore_conflicts=True)
    by_count = defaultdict(list)
    for pk in ids:
        by_count[counts[pk]].append(pk)
    for count, pks in by_count.items():
        Candidate.objects.filter(thread_id__in=pks).update(**{field: F(field) + count})


def similar_asked_since(since, until) -> tuple[dict[int, int], datetime]:
    """For each older public thread, how many questions started from `since` on resemble it, and where that stopped.

    At most SIMILAR_BATCH questions are read a run; the next run goes on from
    the moment returned, so a burst of questions is caught up, not skipped.
    """
    anyone = AnonymousUser()
    counts: dict[int, int] = defaultdict(int)
    asked = public_threads().filter(kind=Thread.Kind.QUESTION, created_at__gte=since, created_at__lt=until)
    rows = list(asked.order_by("created_at", "pk").values_list("pk", "title", "created_at")[: SIMILAR_BATCH + 1])
    reached = rows[SIMILAR_BATCH][2] if len(rows) > SIMILAR_BATCH else until
    if rows and rows[0][2] >= reached:
        # A whole batch started in one instant: read it and move past that instant.
        reached += timedelta(microseconds=1)
    for pk, title, created_at in rows[:SIMILAR_BATCH]:
        if created_at >= reached:
            break  # its moment is read again next run, with the rest of that instant
        for thread in community_search.similar(anyone, title):
            if thread.pk != pk and thread.created_at < created_at:
                counts[thread.pk] += 1
    return dict(counts), reached


def refresh_candidates(now=None) -> None:
    """Bring the candidates' signals up to date (the beat task `faq.signal_tasks.refresh_candidates`)."""
    now = now or timezone.now()
    since = cache.get(SIMILAR_SINCE_KEY) or now - timedelta(hours=1)
    moment = now.timestamp()
    views, hits = tallies.drain(tallies.THREAD_VIEWS, moment), tallies.drain(SEARCH_HITS, moment)
    similar, reached = similar_asked_since(since, now)
    with transaction.atomic():
        add_counts("views", views)
        add_counts("search_hits", hits)
        add_counts("similar_asked", similar)
        answered = public_threads().filter(accepted_answer__isnull=False, faq_candidate__isnull=True)
        Candidate.objects.bulk_create(
            [Candidate(thread_id=pk) for pk in answered.values_list("pk", flat=True)],
            ignore_conflicts=True,
            batch_size=1000,
        )
        helpful = (
            Post.objects.filter(thread_id=OuterRef("thread_id"), is_deleted=False, review=Review.PUBLISHED)
            .order_by()
            .values("thread_id")
            .annotate(total=Sum("helpful_count"))
            .values("total")
        )
        Candidate.objects.filter(dismissed_at=None).update(
            has_accepted_answer=Exists(Thread.objects.filter(pk=OuterRef("thread_id"), accepted_answer__isnull=False)),
            helpful_votes=Coalesce(Subquery(helpful, output_field=IntegerField()), 0),
            refreshed_at=now,
        )
    cache.set(SIMILAR_SINCE_KEY, reached, None)
