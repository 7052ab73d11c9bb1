"""Reads for the FAQ's signals: what a reader already said, and the staff's working lists."""

from django.db.models import ExpressionWrapper, F, FloatField, Prefetch, QuerySet

from community.permissions import is_member
from faq.models import Article, HelpfulVote, SourceChange
from faq.permissions import reviewable_articles, visible_articles

FEEDBACK_ARTICLES = 50
COMMENTS_SHOWN = 20


def has_voted_helpful(voter, article: Article, session_key: str = "") -> bool:
    if is_member(voter):
        return HelpfulVote.objects.filter(article=article, member=voter).exists()
    if not session_key:
        return False
    return HelpfulVote.objects.filter(article=article, member=None, session_key=session_key).exists()


def least_helpful(viewer) -> QuerySet[Article]:
    """Articles with any "no", the largest share of them first, each with its latest comments."""
    share = ExpressionWrapper(F("helpful_no") * 1.0 / (F("helpful_yes") + F("helpful_no")), output_field=FloatField())
    comments = HelpfulVote.objects.exclude(comment="").order_by("-created_at")
    return (
        visible_articles(viewer)
        .filter(helpful_no__gt=0)
        .select_related("section")
        .annotate(unhelpful_share=share)
        .order_by("-unhelpful_share", "-helpful_no", "pk")
        .prefetch_related(Prefetch("helpful_votes", queryset=comments, to_attr="comments"))[:FEEDBACK_ARTICLES]
    )


def pending_changes(viewer) -> QuerySet[SourceChange]:
    """Source edits waiting for review, oldest first, on articles the viewer may read."""
    return (
        SourceChange.objects.filter(state=SourceChange.State.PENDING, source__article__in=reviewable_articles(viewer))
        .select_related("source__article__section", "source__post__thread", "source__author")
        .order_by("detected_at")
    )


def proposed_body(change: SourceChange) -> str:
    """The article with the source's new text in place of the old, when the old text is there word for word."""
    article = change.source.article
    if change.body_before and change.body_before in article.body:
        return article.body.replace(change.body_before, change.body_after)
    return article.body


def source_changed(article_id: int) -> bool:
    """Whether the article is marked "source changed": an edit to a source post waits for review."""
    return SourceChange.objects.filter(source__article_id=article_id, state=SourceChange.State.PENDING).exists()
