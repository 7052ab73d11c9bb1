"""The FAQ on other apps' pages: the banner on a source thread, the promote tools, and JSON-LD."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from community import caching
from community.models import Post
from faq import permissions, selectors

register = template.Library()

# What json_script escapes: nothing in the data can close the element or start markup.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def ld_json(value):
    """`value` as a schema.org data block, escaped as json_script escapes it; browsers never execute it."""
    text = json.dumps(value, cls=DjangoJSONEncoder).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped above


@register.inclusion_tag("faq/partials/thread_banner.html", takes_context=True)
def faq_banner(context, thread):
    """For a {% personal %} region: the articles from `thread` this reader may open, read with the page."""
    fetched = context.get(caching.PREFETCHED) or caching.NOTHING_PREFETCHED
    return {"banners": selectors.thread_banners(context.get("user"), thread, fetched)}


@register.inclusion_tag("faq/partials/promote_tools.html", takes_context=True)
def faq_promote_tools(context, thread, viewer=None):
    """For a {% personal %} region: "Promote to FAQ" on the thread and, through viewer.js, on each post it may take."""
    user = context.get("user")
    if not permissions.can_promote(user):
        return {"allowed": False}
    on_page = [int(pk) for pk in (viewer or {}).get("tools", {})]
    promotable = permissions.promotable_posts(user, Post.objects.filter(thread=thread, pk__in=on_page))
    return {
        "allowed": True,
        "thread": thread,
        "post_tools": {str(pk): ["promote"] for pk in promotable.values_list("pk", flat=True)},
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("faq/partials/promote_post.html", takes_context=True)
def faq_promote_post(context, post, thread):
    """ "Promote to FAQ" for one post, on its actions page (readers without JavaScript)."""
    user = context.get("user")
    allowed = permissions.can_promote(user) and permissions.promotion_refusal(user, post, thread) is None
    return {"allowed": allowed, "post": post}
