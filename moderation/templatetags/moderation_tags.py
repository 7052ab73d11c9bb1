import json

from django import template

from moderation import selectors

register = template.Library()


@register.simple_tag
def review_queue(user) -> dict:
    """The header's queue count for a moderator: the total, and each category's share, which live
    pushes (notifications.live) update one category at a time. One query."""
    counts = selectors.open_counts(user)
    return {"total": sum(counts.values()), "counts": json.dumps({str(pk): n for pk, n in counts.items()})}
