"""The FAQ's parts of other apps' Jinja2 pages: the banner on a source thread and the promote tools.

Named in settings.JINJA2_GLOBALS, so community's thread page shows them
without importing the FAQ. Each is for a {% personal %} region.
"""

from django.template.loader import render_to_string
from jinja2 import pass_context
from markupsafe import Markup

from community import caching
from community.models import Post
from faq import permissions, selectors


@pass_context
def banner(context, thread) -> Markup:
    """The articles from `thread` this reader may open, read with the page (its keys come in the page's one read)."""
    fetched = context.get(caching.PREFETCHED) or caching.NOTHING_PREFETCHED
    banners = selectors.thread_banners(context.get("user"), thread, fetched)
    if not banners:
        return Markup("")  # most threads: no template to render on every page
    return Markup(render_to_string("faq/partials/thread_banner.html", {"banners": banners}))  # noqa: S704


@pass_context
def promote_tools(context, thread, viewer=None) -> Markup:
    """ "Promote to FAQ" on the thread and, through viewer.js, on each post on the page it may take."""
    user = context.get("user")
    if not permissions.can_promote(user):
        return Markup("")
    on_page = [int(pk) for pk in (viewer or {}).get("tools", {})]
    promotable = permissions.promotable_posts(user, Post.objects.filter(thread=thread, pk__in=on_page))
    values = {
        "allowed": True,
        "thread": thread,
        "post_tools": {str(pk): ["promote"] for pk in promotable.values_list("pk", flat=True)},
        "csrf_token": context.get("csrf_token"),
    }
    return Markup(render_to_string("faq/partials/promote_tools.html", values))  # noqa: S704


def may_suggest(user) -> bool:
    """Whether a thread page offers "Suggest for the FAQ": the decision the suggestion itself checks."""
    return permissions.can_suggest(user)
