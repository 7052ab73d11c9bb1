"""What readers tell the FAQ, and what staff do with it: helpfulness, suggestions, candidates and source changes.

Each function checks through faq.permissions, writes in one transaction and,
for a staff action, writes its audit record in that same transaction.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from community.models import Thread
from community.permissions import is_member, is_moderator
from faq import permissions
from faq.candidates import public_threads
from faq.models import (
    COMMENT_MAX,
    Article,
    Candidate,
    HelpfulVote,
    SourceChange,
    SourcePost,
    Suggestion,
)
from faq.services import articles
from moderation import audit, screening
from moderation.models import AuditEntry


def vote_helpful(voter, *, article: Article, helpful: bool, comment: str = "", session_key: str = "") -> HelpfulVote:
    """Say whether an article helped: once per member, or once per browser session for a visitor.

    The article's tallies move with F() in the vote's transaction. Members'
    votes count against their daily vote limit, as votes on posts do.
    """
    if not permissions.can_vote_helpful(voter, article):
        raise PermissionDenied("You can't rate this article.")
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"Keep it under {COMMENT_MAX:,} characters (it has {len(comment):,})."})
    member = voter if is_member(voter) else None
    if member is None and not session_key:
        raise ValidationError("Your browser didn't keep our cookie, so we can't count your answer.")
    with transaction.atomic():
        if member is not None and not is_moderator(member):
            screening.check_rate(user_id=member.pk, trust_level=member.trust_level, action="vote")
        try:
            with transaction.atomic():
                vote = HelpfulVote.objects.create(
                    article=article,
                    member=member,
                    session_key="" if member else session_key,
                    helpful=helpful,
                    comment=comment,
                )
        except IntegrityError:
            raise ValidationError("You already told us whether this article helped. Thank you!") from None
        counter = "helpful_yes" if helpful else "helpful_no"
        Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return vote


def suggest_for_faq(member, *, thread: Thread) -> Suggestion:
    """A trusted member's vote that a public thread belongs in the FAQ; it feeds the candidates' ranking."""
    if not permissions.can_suggest(member):
        raise PermissionDenied("Members from trust level 2 on can suggest threads for the FAQ.")
    if not public_threads().filter(pk=thread.pk).exists():
        raise PermissionDenied("Only threads everyone can read can go into the FAQ.")
    with transaction.atomic():
        if not is_moderator(member):
            screening.check_rate(user_id=member.pk, trust_level=member.trust_level, action="vote")
        try:
            with transaction.atomic():
                suggestion = Suggestion.objects.create(thread=thread, member=member)
        except IntegrityError:
            raise ValidationError("You already suggested this thread for the FAQ.") from None
        Candidate.objects.get_or_create(thread=thread)
        Candidate.objects.filter(thread=thread).update(suggestions=F("suggestions") + 1)
    return suggestion


def dismiss_candidate(actor, *, thread: Thread) -> Candidate:
    """Take a thread off the candidates' queue for good; audited. Locks the candidate row."""
    if not permissions.can_review_faq(actor):
        raise PermissionDenied("Only the FAQ's editors work the candidates.")
    with transaction.atomic():
        Candidate.objects.get_or_create(thread=thread)
        candidate = Candidate.objects.select_for_update().get(thread=thread)
        if candidate.dismissed_at is not None:
            raise ValidationError("This thread was already dismissed.")
        candidate.dismissed_at, candidate.dismissed_by = timezone.now(), actor
        candidate.save(update_fields=["dismissed_at", "dismissed_by"])
        audit.faq_article_changed(actor, thread, action=AuditEntry.Action.FAQ_CANDIDATE_DISMISSED)
    return candidate


# Source posts edited after promotion ------------------------------------------
# Lock order: the article, then the source change (and its source post).


def note_source_change(source: SourcePost) -> SourceChange | None:
    """A source post was edited: open a review of the change, or update the one already open.

    Run after commit for community's PostEdited (faq.signal_receivers), so a
    redelivered event finds the same text and changes nothing. An edit back to
    the text last seen closes the open review, as there is nothing to take in.
    """
    with transaction.atomic():
        source = SourcePost.objects.select_for_update(of=("self",)).select_related("post").get(pk=source.pk)
        pending = source.changes.filter(state=SourceChange.State.PENDING).first()
        body = source.post.body if source.post is not None else None
        if body is None or body == source.body_seen:
            if pending is not None:
                pending.delete()
            return None
        if pending is not None:
            pending.body_after = body
            pending.save(update_fields=["body_after"])
            return pending
        return SourceChange.objects.create(source=source, body_before=source.body_seen, body_after=body)


def _lock_pending(change: SourceChange) -> tuple[Article, SourceChange]:
    article = Article.objects.select_for_update(of=("self",)).get(sources__changes=change)
    change = SourceChange.objects.select_for_update().select_related("source").get(pk=change.pk)
    if change.state != SourceChange.State.PENDING:
        raise ValidationError("Someone already reviewed this change.")
    return article, change


def _resolve(actor, article: Article, change: SourceChange, state: str, action: str) -> None:
    change.state, change.resolved_by, change.resolved_at = state, actor, timezone.now()
    change.save(update_fields=["state", "resolved_by", "resolved_at"])
    SourcePost.objects.filter(pk=change.source_id).update(body_seen=change.body_after)
    audit.faq_article_changed(
        actor,
        article,
        action=action,
        before={"source_post": change.source.post_id, "body": change.body_before},
        after={"body": change.body_after},
    )


def take_source_change(editor, *, change: SourceChange, body: str) -> Article:
    """Take a source post's edit into its article as a new revision (`body`, as the editor settled it); audited."""
    if not permissions.can_edit_articles(editor):
        raise PermissionDenied("Only the FAQ's editors change articles.")
    with transaction.atomic():
        article, change = _lock_pending(change)
        # Through the one edit path: its revision, search text, audit entry and page versions.
        article = articles.edit(
            editor,
            article,
            question=article.question,
            body=body,
            summary=article.summary,
            note="Took in an edit to a source post",
        )
        _resolve(editor, article, change, SourceChange.State.TAKEN, AuditEntry.Action.FAQ_SOURCE_TAKEN)
    return article


def dismiss_source_change(actor, *, change: SourceChange) -> SourceChange:
    """Keep the article as it is; later edits are compared with the text dismissed. Audited."""
    if not permissions.can_review_faq(actor):
        raise PermissionDenied("Only the FAQ's editors review source changes.")
    with transaction.atomic():
        article, change = _lock_pending(change)
        _resolve(actor, article, change, SourceChange.State.DISMISSED, AuditEntry.Action.FAQ_SOURCE_DISMISSED)
    return change
