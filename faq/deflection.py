"""Deflection, measured: FAQ articles suggested while a member types a new question, and what they did next.

The ask page asks for suggestions on every pause in typing, so nothing is
written then: each article shown once in a visit, and each one opened, is
noted in the cache and counted in a tally (community.tallies). Beat's
`record_deflections` writes the shown ones as `Deflection` rows, marks the
opened ones, and, 30 minutes after a suggestion, settles whether the member
started a thread after all. A visit is the half hour from the first
suggestion a member is shown; its token travels in the article links.
"""

import secrets
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from community import tallies
from community.models import Thread
from community.permissions import is_member
from faq.models import Article, Deflection
from faq.permissions import reviewable_articles
from faq.search import similar_articles

SHOWN, OPENED = "faq-deflection-shown", "faq-deflection-opened"
SETTLE_AFTER = timedelta(minutes=30)
VISIT_SECONDS = int(SETTLE_AFTER.total_seconds())
KEEP_SECONDS = 24 * 60 * 60


def _visit(member) -> str:
    key = f"faq:ask-visit:{member.pk}"
    cache.add(key, secrets.token_urlsafe(16), VISIT_SECONDS)
    return cache.get(key) or ""


def _moment_key(what: str, visit: str, article_id: int) -> str:
    return f"faq:deflection:{what}:{visit}:{article_id}"


def ask_suggestions(*, request, title: str) -> str:
    """The ask page's slot above similar threads (settings.COMMUNITY_SIMILAR_PROVIDERS)."""
    member = request.user
    if not is_member(member):
        return ""
    articles = similar_articles(member, title)
    if not articles:
        return ""
    visit = _visit(member)
    if visit:
        now = timezone.now().timestamp()
        for article in articles:
            if cache.add(_moment_key("shown", visit, article.pk), now, KEEP_SECONDS):
                tallies.count(SHOWN, f"{member.pk}:{visit}:{article.pk}")
    return render_to_string("faq/partials/ask_suggestions.html", {"articles": articles, "visit": visit})


def note_opened(article: Article, visit: str) -> None:
    """A suggested article was opened from the ask page (the link's visit token names the suggestion)."""
    if visit and cache.add(_moment_key("opened", visit, article.pk), timezone.now().timestamp(), KEEP_SECONDS):
        tallies.count(OPENED, f"{visit}:{article.pk}")


def _moments(what: str, pairs: list[tuple[str, int]]) -> dict[tuple[str, int], datetime]:
    keys = {_moment_key(what, visit, article_id): (visit, article_id) for visit, article_id in pairs}
    found = cache.get_many(list(keys)) if keys else {}
    now = timezone.now()
    return {pair: datetime.fromtimestamp(found[key], tz=UTC) if key in found else now for key, pair in keys.items()}


def record_deflections(now: datetime | None = None) -> None:
    """Write what the cache gathered (beat runs this), then settle the suggestions older than 30 minutes."""
    now = now or timezone.now()
    shown = [key.split(":") for key in tallies.drain(SHOWN, now.timestamp())]
    opened = [key.rsplit(":", 1) for key in tallies.drain(OPENED, now.timestamp())]
    # Rows only for articles and members still there: either may be deleted while its counts wait.
    articles = set(Article.objects.filter(pk__in={int(a) for *_, a in shown}).values_list("pk", flat=True))
    members = set(User.objects.filter(pk__in={int(m) for m, *_ in shown}).values_list("pk", flat=True))
    shown_at = _moments("shown", [(visit, int(article)) for _, visit, article in shown])
    opened_at = _moments("opened", [(visit, int(article)) for visit, article in opened])
    with transaction.atomic():
        Deflection.objects.bulk_create(
            [
                Deflection(
                    article_id=int(article),
                    member_id=int(member),
                    visit=visit,
                    shown_at=shown_at[(visit, int(article))],
                )
                for member, visit, article in shown
                if int(article) in articles and int(member) in members
            ],
            ignore_conflicts=True,
        )
        for (visit, article_id), moment in opened_at.items():
            Deflection.objects.filter(visit=visit, article_id=article_id, opened_at=None).update(opened_at=moment)
        settle(now)


def settle(now: datetime) -> int:
    """Whether each member shown a suggestion at least 30 minutes ago started a thread within those 30 minutes."""
    deadline = ExpressionWrapper(OuterRef("shown_at") + Value(SETTLE_AFTER), output_field=DateTimeField())
    started = Thread.objects.filter(
        author_id=OuterRef("member_id"), created_at__gte=OuterRef("shown_at"), created_at__lt=deadline
    )
    return Deflection.objects.filter(posted=None, shown_at__lte=now - SETTLE_AFTER).update(posted=Exists(started))


def rates(viewer) -> tuple[QuerySet, dict]:
    """Per article and overall: suggestions shown, opened, settled, and those after which the member left."""
    figures = {
        "shown": Count("pk"),
        "opened": Count("pk", filter=Q(opened_at__isnull=False)),
        "settled": Count("pk", filter=Q(posted__isnull=False)),
        "left": Count("pk", filter=Q(posted=False)),
        "opened_left": Count("pk", filter=Q(posted=False, opened_at__isnull=False)),
    }
    rows = Deflection.objects.filter(article__in=reviewable_articles(viewer))
    per_article = (
        rows.values(
            "article", "article__question", "article__slug", "article__section__name", "article__section__slug"
        )
        .annotate(**figures)
        .order_by("-shown", "article")
    )
    return per_article, rows.aggregate(**figures)
