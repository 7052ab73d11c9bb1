"""Template access to faq.permissions' decisions, for the FAQ's tools on pages other apps render."""

from django import template

from faq import permissions

register = template.Library()


@register.filter
def may_suggest_for_faq(user) -> bool:
    """Whether a thread page offers "Suggest for the FAQ": the decision the suggestion itself checks."""
    return permissions.can_suggest(user)
