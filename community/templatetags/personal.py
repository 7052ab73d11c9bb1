"""`{% personal "name" %}…{% endpersonal %}`: the parts of a page that belong to one member.

Members' pages are rendered once and shared (community.caching.render_shared):
in that shared rendering each personal region is left as a marker, and every
request renders only these regions into the shared page.

On such a page a region is rendered alone, so it sees only the personal
context its view passes, plus what the context processors give every request
(`request`, `user`, `perms`, `csrf_token`, `messages`, `site_urls`,
`SITE_NAME`): never the shared context, nor what an enclosing tag binds. That is why a region may sit
only at the top of a template, in a `{% block %}` or in an `{% if %}` (which
bind nothing), never in a `{% for %}`, a `{% with %}` or any other block tag,
nor in a template that is `{% include %}`d (its marker would have no node to
render), and why each name is used once on a page. `page_regions` finds breaches
of these rules; community.checks rejects them at startup.
"""

import weakref
from dataclasses import dataclass

from django import template
from django.template.defaulttags import IfNode
from django.template.loader_tags import BlockNode, ExtendsNode, IncludeNode

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


# The only tags a region may sit in: they bind no variables, so the region renders alone as it would in place.
TRANSPARENT = (ExtendsNode, BlockNode, IfNode, PersonalNode)


def walk(nodelist, outer=()):
    """Every node under `nodelist`, with the nodes it sits in (outermost first)."""
    for node in nodelist:
        yield node, outer
        for attr in node.child_nodelists:
            yield from walk(getattr(node, attr, None) or (), (*outer, node))


def where(node) -> str:
    return f"{node.origin.template_name}, line {node.token.lineno}"


def tag_name(node) -> str:
    return f"{{% {node.token.split_contents()[0]} %}}"


def constant_name(expression) -> str | None:
    """The template name an {% extends %} or {% include %} names in quotes; None if chosen at run time."""
    return expression.var if isinstance(expression.var, str) and not expression.filters else None


def chain(compiled):
    """A compiled template and those it extends, child first; a parent chosen at run time ends it."""
    while compiled is not None:
        yield compiled
        extends = next((node for node in compiled.nodelist if isinstance(node, ExtendsNode)), None)
        name = constant_name(extends.parent_name) if extends else None
        compiled = compiled.engine.get_template(name) if name else None


@dataclass(frozen=True)
class Regions:
    nodes: dict[str, PersonalNode]
    problems: tuple[str, ...]


_found: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def page_regions(compiled) -> Regions:
    """The personal regions of a page (a compiled template and those it extends) by name, and any rule they break.

    Read once per compiled template: the cached loader keeps those for the life of the process.
    """
    regions = _found.get(compiled)
    if regions is None:
        regions = _found[compiled] = _scan(compiled)
    return regions


def _scan(compiled) -> Regions:
    nodes, problems = {}, []
    for page in chain(compiled):
        for node, outer in walk(page.nodelist):
            if isinstance(node, PersonalNode):
                binding = [enclosing for enclosing in outer if not isinstance(enclosing, TRANSPARENT)]
                if binding:
                    problems.append(
                        f'{where(node)}: the personal region "{node.name}" is inside {tag_name(binding[-1])}, '
                        "whose variables it would not see when rendered alone"
                    )
                if node.name in nodes:
                    problems.append(
                        f'{where(node)}: a second personal region named "{node.name}" '
                        f"(the first is at {where(nodes[node.name])})"
                    )
                nodes.setdefault(node.name, node)
            elif isinstance(node, IncludeNode):
                name = constant_name(node.template)
                if name and _has_region(compiled.engine, name, set()):
                    problems.append(
                        f"{where(node)}: {name} holds a personal region, which an included template may not"
                    )
    return Regions(nodes, tuple(problems))


def _has_region(engine, name: str, seen: set) -> bool:
    if name in seen:
        return False
    seen.add(name)
    for page in chain(engine.get_template(name)):
        for node, _ in walk(page.nodelist):
            if isinstance(node, PersonalNode):
                return True
            included = constant_name(node.template) if isinstance(node, IncludeNode) else None
            if included and _has_region(engine, included, seen):
                return True
    return False
