"""Parts of a Django template rendered by the Jinja2 engine, where Django's cost shows on every page."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from community.templatetags.personal import JinjaRegionsNode, quoted_argument

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name: str, **values):
    """`template_name` from the apps' jinja2/ folders, with the page's member, request, links and CSRF token.

    Jinja2 sees no context processors and none of the page's other names:
    what it needs beyond those is passed as `values`, so it stays explicit.
    """
    found = engines["jinja2"].env.get_template(template_name)
    html = found.render(
        user=context.get("user"),
        request=context.get("request"),
        site_urls=context.get("site_urls"),
        csrf_token=context.get("csrf_token"),
        **values,
    )
    return mark_safe(html)  # noqa: S308 - an autoescaping template's output


@register.tag
def jinja_regions(parser, token):
    """`{% jinja_regions "name" %}`: the Jinja2 template `name` in place, seeing all the page sees.

    For the part of a page whose rendering cost shows: the template may hold
    `{% personal %}` regions, which community.caching.render_shared treats as
    the page's own (community/templatetags/personal.py).
    """
    return JinjaRegionsNode(quoted_argument(token, "template name"))
