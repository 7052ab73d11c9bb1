"""What readers tell the FAQ, and what staff do with it: helpfulness, suggestions, candidates and source changes.

Each function checks through faq.permissions, writes in one transaction and,
for a staff action, writes its audit record in that same transaction.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from community.permissions import is_member, is_moderator
from faq import permissions
from faq.models import COMMENT_MAX, Article, HelpfulVote
from moderation import screening


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
