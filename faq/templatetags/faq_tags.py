"""The FAQ on other apps' Django pages: "Promote to FAQ" on a post's actions page, and JSON-LD.

The thread page's banner and tools are Jinja2 globals (faq/jinja.py).
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from faq import permissions

register = template.Library()

# What json_script escapes: nothing in the data can close the element or start markup.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def ld_json(value):
    """`value` as a schema.org data block, escaped as json_script escapes it; browsers never execute it."""
    text = json.dumps(value, cls=DjangoJSONEncoder).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped above


@register.inclusion_tag("faq/partials/promote_post.html", takes_context=True)
def faq_promote_post(context, post, thread):
    """ "Promote to FAQ" for one post, on its actions page (readers without JavaScript)."""
    user = context.get("user")
    allowed = permissions.can_promote(user) and permissions.promotion_refusal(user, post, thread) is None
    return {"allowed": allowed, "post": post}
