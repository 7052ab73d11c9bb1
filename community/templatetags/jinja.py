"""Parts of a Django template rendered by the Jinja2 engine, where Django's cost shows on every page."""

from django import template
from django.template import engines
from django.template.base import Node
from django.utils.safestring import mark_safe

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


class JinjaRegionsNode(Node):
    """Renders a Jinja2 template with the whole page's context; its {% personal %} regions are the page's."""

    def __init__(self, template_name: str):
        self.template_name = template_name

    @staticmethod
    def environment():
        return engines["jinja2"].env

    def render(self, context):
        found = self.environment().get_template(self.template_name)
        return mark_safe(found.render(context.flatten()))  # noqa: S308 - an autoescaping template's output


@register.tag
def jinja_regions(parser, token):
    """`{% jinja_regions "name" %}`: the Jinja2 template `name` in place, seeing all the page sees.

    For the part of a page whose rendering cost shows: the template may hold
    `{% personal %}` regions, which community.caching.render_shared treats as
    the page's own (community/templatetags/personal.py).
    """
    try:
        _, name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("{% jinja_regions %} takes one quoted template name") from None
    if name[0] not in "\"'" or name[-1] != name[0]:
        raise template.TemplateSyntaxError("{% jinja_regions %} takes one quoted template name")
    return JinjaRegionsNode(name[1:-1])
