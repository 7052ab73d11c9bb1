"""Template access to community.permissions' decisions, for the parts of a page no view renders (the header)."""

from django import template

from community import permissions

register = template.Library()


@register.filter
def moderates_anything(user) -> bool:
    """Whether the header offers the review queue: the same decision the queue itself makes."""
    return permissions.is_moderator(user)
