"""`{% personal "name" %}…{% endpersonal %}`: the parts of a page that belong to one member.

Members' pages are rendered once and shared (community.caching.render_shared):
in that shared rendering each personal region is left as a marker, and every
request renders only these regions, with that member's context, into the
shared page. A personal region may use only the view's own context variables
(not loop or `with` variables from outside it), because it is rendered alone.
"""

from django import template

register = template.Library()

SHARED_RENDER = "_shared_render"


def marker(name: str) -> str:
    # An HTML comment: sanitised user text never contains one, so it cannot be forged.
    return f"<!--personal:{name}-->"


class PersonalNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, name: str, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        if context.get(SHARED_RENDER):
            return marker(self.name)
        return self.nodelist.render(context)


@register.tag
def personal(parser, token):
    try:
        _, name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("{% personal %} takes one quoted name") from None
    if name[0] not in "\"'" or name[-1] != name[0]:
        raise template.TemplateSyntaxError("{% personal %} takes one quoted name")
    nodelist = parser.parse(("endpersonal",))
    parser.delete_first_token()
    return PersonalNode(name[1:-1], nodelist)
