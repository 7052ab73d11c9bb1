"""Writing the FAQ: promoting posts into an article, editing it, and moving it through its states.

Each function is the one entry point for its action: it checks the actor
through faq.permissions, acts in one transaction, writes the audit entry
(moderation.audit) and publishes faq.events there, so recognition's points
and community.caching's versions commit with the change.

Credit follows publication: a draft earns its authors nothing. Each move in
or out of "published", and each change of audience, publishes whom the
article credits now (`ArticleCreditsChanged`), and recognition settles the
ledger to match: points on publication, a reversal on unpublishing or
archiving, points again on re-publishing, never twice at once.

Lock order: the article row (select_for_update) before its revisions are
read or written, and before the credited members' rows (the ledger's).
Two editors saving the same article therefore save one after the other,
and the second is refused if it was editing an older revision than the one
it finds (`base_revision`), rather than overwriting.
"""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from community.models import Post, Thread
from community.rendering import render_markdown
from faq import events, permissions, search
from faq.models import BODY_MAX, QUESTION_MAX, SUMMARY_MAX, Article, Revision, Section, SourcePost, Visibility
from moderation import audit
from moderation.models import AuditEntry
from outbox import bus

Action = AuditEntry.Action
Status = Article.Status


def _refuse_unless_editor(actor) -> None:
    if not permissions.can_edit_articles(actor):
        raise PermissionDenied("Only FAQ editors can write FAQ articles.")


def _clean_text(*, question: str, body: str, summary: str) -> tuple[str, str, str]:
    question, body, summary = (question or "").strip(), (body or "").strip(), (summary or "").strip()
    errors = {}
    if not question:
        errors["question"] = "Write the question the article answers."
    elif len(question) > QUESTION_MAX:
        errors["question"] = f"Keep the question to {QUESTION_MAX} characters (it has {len(question)})."
    if not body:
        errors["body"] = "The answer is empty: write what the article says."
    elif len(body) > BODY_MAX:
        errors["body"] = f"Keep the answer to {BODY_MAX} characters (it has {len(body)})."
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep the summary to {SUMMARY_MAX} characters (it has {len(summary)})."
    if errors:
        raise ValidationError(errors)
    return question, body, summary


def _check_visibility(visibility: str) -> None:
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": "Choose who may read the article."})


def _check_slug(slug: str, *, article: Article | None = None) -> str:
    slug = (slug or "").strip()
    if not slug or slugify(slug) != slug:
        raise ValidationError({"slug": "Use lowercase letters, digits and hyphens, as in “pair-a-new-bulb”."})
    taken = Article.objects.filter(slug=slug)
    if article is not None:
        taken = taken.exclude(pk=article.pk)
    if taken.exists():
        raise ValidationError({"slug": f"Another article already uses “{slug}”; choose another."})
    return slug


def suggested_slug(question: str) -> str:
    """A free slug made from the question, numbered when the plain one is taken."""
    base = slugify(question)[:100].strip("-") or "article"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _quote(post: Post) -> str:
    return post.body.strip()


def draft_from(posts: Sequence[Post]) -> str:
    """The answer a promotion starts from: the chosen posts' Markdown, in thread order."""
    return "\n\n".join(_quote(post) for post in posts)


def default_posts(thread: Thread) -> list[Post]:
    """What promoting a whole thread takes: its accepted answer, or else the opening post."""
    accepted, opening = Thread.objects.values_list("accepted_answer_id", "opening_post_id").get(pk=thread.pk)
    return list(Post.objects.select_related("author").filter(pk=accepted or opening))


def promote(
    actor,
    *,
    posts: Sequence[Post] = (),
    thread: Thread | None = None,
    section: Section,
    question: str | None = None,
    body: str | None = None,
    summary: str = "",
    slug: str | None = None,
    visibility: str = Visibility.PUBLIC,
) -> Article:
    """Start a draft article from community posts, crediting their authors.

    Give the posts, or a thread (its accepted answer, else its opening post).
    The question defaults to the thread's title and the answer to the posts'
    Markdown; each post is recorded as a SourcePost with its body as seen now.
    Its authors are credited when it is published, not now.
    """
    _refuse_unless_editor(actor)
    posts = list(posts)
    if not posts and thread is not None:
        posts = default_posts(thread)
    if not posts:
        raise ValidationError({"posts": "Choose at least one post to promote."})
    thread_ids = {post.thread_id for post in posts}
    if len(thread_ids) != 1:
        raise ValidationError({"posts": "Promote posts from one thread at a time."})
    with transaction.atomic():
        # Read the posts again under lock, so a removal or a hide that commits meanwhile is seen.
        thread = Thread.objects.select_related("category").get(pk=thread_ids.pop())
        locked = list(
            Post.objects.select_for_update(of=("self",))
            .select_related("author")
            .filter(pk__in=[post.pk for post in posts])
            .order_by("tree_id", "lft")
        )
        if len(locked) != len(posts):
            raise ValidationError({"posts": "One of those posts no longer exists."})
        for post in locked:
            if refusal := permissions.promotion_refusal(actor, post, thread):
                raise ValidationError({"posts": refusal})
        question, body, summary = _clean_text(
            question=thread.title if question is None else question,
            body=draft_from(locked) if body is None else body,
            summary=summary,
        )
        _check_visibility(visibility)
        slug = _check_slug(slug) if slug else suggested_slug(question)
        now = timezone.now()
        article = Article.objects.create(
            section=section,
            slug=slug,
            question=question,
            summary=summary,
            body=body,
            body_html=render_markdown(body).html,
            visibility=visibility,
            status=Status.DRAFT,
            source_thread=thread,
            created_by=actor,
            created_at=now,
            updated_at=now,
            revision_count=1,
        )
        Revision.objects.create(
            article=article, number=1, question=question, summary=summary, body=body, edited_by=actor, note="Promoted"
        )
        SourcePost.objects.bulk_create(
            SourcePost(article=article, post=post, author_id=post.author_id, body_seen=post.body, position=n)
            for n, post in enumerate(locked)
        )
        search.index_article(article)
        audit.faq_article_changed(
            actor,
            article,
            action=Action.FAQ_PROMOTED,
            after={"thread": thread.pk, "posts": [post.pk for post in locked], "visibility": visibility},
        )
        bus.publish(
            events.ArticleChanged(
                article_id=article.pk, actor_id=actor.pk, action="promoted", source_thread_id=thread.pk
            )
        )
    return article


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _publish_credits(actor, article: Article) -> None:
    """Tell recognition whom `article` credits now, in the caller's transaction (which holds the article's row)."""
    authors = list(User.objects.filter(pk__in=article.sources.values("author_id")).order_by("pk"))
    category_id = Thread.objects.filter(pk=article.source_thread_id or 0).values_list("category_id", flat=True).first()
    bus.publish(
        events.ArticleCreditsChanged(
            article_id=article.pk,
            actor_id=actor.pk,
            author_ids=tuple(author.pk for author in authors),
            credited_ids=tuple(author.pk for author in authors if permissions.earns_credit(author, article)),
            category_id=category_id,
        )
    )


def edit(
    actor,
    article: Article,
    *,
    question: str,
    body: str,
    summary: str = "",
    section: Section | None = None,
    slug: str | None = None,
    visibility: str | None = None,
    note: str = "",
    base_revision: int | None = None,
) -> Article:
    """Save a new revision of `article`; every save adds one and none is lost.

    `base_revision` is the revision the editor started from: if someone saved
    a newer one meanwhile, the save is refused with a clear error instead of
    silently replacing their work.
    """
    _refuse_unless_editor(actor)
    question, body, summary = _clean_text(question=question, body=body, summary=summary)
    with transaction.atomic():
        current = _locked(article)
        if base_revision is not None and base_revision != current.revision_count:
            raise ValidationError(
                f"Someone saved this article (revision {current.revision_count}) while you were editing "
                f"revision {base_revision}. Your text is still here: open the article again in another tab, "
                "compare, and save once more."
            )
        visibility = current.visibility if visibility is None else visibility
        _check_visibility(visibility)
        slug = current.slug if slug is None else _check_slug(slug, article=current)
        before = {"question": current.question, "slug": current.slug, "visibility": current.visibility}
        number = current.revision_count + 1
        Revision.objects.create(
            article=current,
            number=number,
            question=question,
            summary=summary,
            body=body,
            edited_by=actor,
            note=(note or "").strip()[:200],
        )
        current.question, current.body, current.summary = question, body, summary
        current.body_html = render_markdown(body).html
        current.slug, current.visibility = slug, visibility
        if section is not None:
            current.section = section
        current.revision_count = number
        current.updated_at = timezone.now()
        current.save(
            update_fields=[
                "question",
                "body",
                "body_html",
                "summary",
                "slug",
                "visibility",
                "section",
                "revision_count",
                "updated_at",
            ]
        )
        search.index_article(current)
        audit.faq_article_changed(
            actor,
            current,
            action=Action.FAQ_EDITED,
            reason=note,
            before=before,
            after={"question": question, "slug": slug, "visibility": visibility, "revision": number},
        )
        bus.publish(
            events.ArticleChanged(
                article_id=current.pk, actor_id=actor.pk, action="edited", source_thread_id=current.source_thread_id
            )
        )
        if current.is_published and before["visibility"] != visibility:
            _publish_credits(actor, current)
    return current


# Which states each move may leave from, and where it lands.
MOVES = {
    "publish": ((Status.DRAFT, Status.UNPUBLISHED, Status.ARCHIVED), Status.PUBLISHED, Action.FAQ_PUBLISHED),
    "unpublish": ((Status.PUBLISHED,), Status.UNPUBLISHED, Action.FAQ_UNPUBLISHED),
    "archive": ((Status.DRAFT, Status.PUBLISHED, Status.UNPUBLISHED), Status.ARCHIVED, Action.FAQ_ARCHIVED),
}


def _move(actor, article: Article, move: str) -> Article:
    _refuse_unless_editor(actor)
    sources, target, action = MOVES[move]
    with transaction.atomic():
        current = _locked(article)
        if current.status not in sources:
            raise ValidationError(f"This article is {current.get_status_display().lower()}, so it can't be {target}.")
        if target == Status.PUBLISHED and not current.body.strip():
            raise ValidationError({"body": "The answer is empty: write it before publishing."})
        old = current.status
        current.status = target
        current.updated_at = timezone.now()
        fields = ["status", "updated_at"]
        first_publication = target == Status.PUBLISHED and current.published_at is None
        if first_publication:
            current.published_at = current.updated_at
            fields.append("published_at")
        current.save(update_fields=fields)
        audit.faq_article_changed(actor, current, action=action, before={"status": old}, after={"status": target})
        # Authors hear of their answer in the FAQ once; publishing it again is news to nobody.
        if first_publication:
            event: events.ArticlePublished | events.ArticleChanged = events.ArticlePublished(
                article_id=current.pk, actor_id=actor.pk, source_thread_id=current.source_thread_id
            )
        else:
            event = events.ArticleChanged(
                article_id=current.pk,
                actor_id=actor.pk,
                action="republished" if target == Status.PUBLISHED else str(target),
                source_thread_id=current.source_thread_id,
            )
        bus.publish(event)
        if Status.PUBLISHED in (old, target):
            _publish_credits(actor, current)
    return current


def publish(actor, article: Article) -> Article:
    return _move(actor, article, "publish")


def unpublish(actor, article: Article) -> Article:
    return _move(actor, article, "unpublish")


def archive(actor, article: Article) -> Article:
    return _move(actor, article, "archive")
