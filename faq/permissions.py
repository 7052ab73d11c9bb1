"""Who may do what with the FAQ: one function per action, each read by every surface.

An article's visibility is decided here alone. Pages, search, suggestions on
the ask page, the banner on a source thread, feeds and the sitemap all filter
through `visible_articles` or ask `can_view_article`, so an internal article
can't leak through a side door.
"""

from django.db.models import Q, QuerySet

from community.models import Post, Review, Thread
from community.permissions import can_view_post, is_member, is_staff, posting_refusal
from faq.models import Article, Visibility

# Members from this trust level on may suggest a thread for the FAQ.
TRUST_SUGGEST = 2


def audiences(user) -> tuple[str, ...]:
    """The visibilities `user` may read."""
    if is_staff(user):
        return (Visibility.PUBLIC, Visibility.MEMBERS, Visibility.STAFF)
    if is_member(user):
        return (Visibility.PUBLIC, Visibility.MEMBERS)
    return (Visibility.PUBLIC,)


def can_see_visibility(user, visibility: str) -> bool:
    return visibility in audiences(user)


def can_edit_articles(user) -> bool:
    """Writing the FAQ is a permission staff are given (the FAQ editors group), not a side effect of is_staff.

    Staff is asked first: it is read from the user row, so a member's page
    never pays the permission tables' queries to learn they can't edit.
    """
    return is_staff(user) and posting_refusal(user) is None and user.has_perm("faq.promote_article")


def can_promote(user) -> bool:
    return can_edit_articles(user)


def can_review_faq(user) -> bool:
    """Feedback, candidates, stale sources and deflection figures are the FAQ editors' working lists."""
    return can_edit_articles(user) or (is_member(user) and user.has_perm("faq.review_faq"))


def promotion_refusal(user, post: Post, thread: Thread) -> str | None:
    """Why `post` can't go into the FAQ (removed, held, hidden, or out of the promoter's sight), or None."""
    if not can_view_post(user, post, thread):
        return "You can't see that post."
    if post.is_deleted or thread.is_deleted:
        return "That post was removed, so it can't go into the FAQ."
    if post.review != Review.PUBLISHED or thread.review != Review.PUBLISHED:
        return "That post is waiting for review or hidden; only published posts can go into the FAQ."
    return None


def promotable_posts(user, posts: QuerySet[Post]) -> QuerySet[Post]:
    """The queryset twin of `promotion_refusal` for an editor: published posts of live threads."""
    if not can_promote(user):
        return posts.none()
    return posts.filter(
        is_deleted=False, review=Review.PUBLISHED, thread__is_deleted=False, thread__review=Review.PUBLISHED
    )


def can_view_article(user, article: Article) -> bool:
    if can_edit_articles(user):
        return True  # editors see drafts and archived articles too
    return article.status == Article.Status.PUBLISHED and can_see_visibility(user, article.visibility)


def earns_credit(author, article: Article) -> bool:
    """Whether an author `article` was built from is credited for it now (points, badge, news): while it is
    published, and only if they may read it, so an internal article is news to nobody outside the team."""
    return article.status == Article.Status.PUBLISHED and can_view_article(author, article)


def visible_articles(user, articles: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """The published articles `user` may read (drafts never appear in lists, search or suggestions)."""
    articles = Article.objects.all() if articles is None else articles
    return articles.filter(Q(status=Article.Status.PUBLISHED) & Q(visibility__in=audiences(user)))


def reviewable_articles(user) -> QuerySet[Article]:
    """The articles whose signals `user` reviews: every one for an editor (as can_view_article), else the visible."""
    return Article.objects.all() if can_edit_articles(user) else visible_articles(user)


def can_vote_helpful(user, article: Article) -> bool:
    """Anyone who may read a published article, visitors too; a suspended member writes nothing."""
    return (
        can_view_article(user, article)
        and article.status == Article.Status.PUBLISHED
        and posting_refusal(user) is None
    )


def can_suggest(user) -> bool:
    return is_member(user) and posting_refusal(user) is None and user.trust_level >= TRUST_SUGGEST
