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

A page's hottest part may be a Jinja2 template, brought in with
`{% jinja_regions "name" %}` (community/templatetags/jinja.py): there the same
tag, `{% personal "name" %}…{% endpersonal %}` (PersonalExtension), makes a
Jinja2 block that prints the marker in the shared rendering, and the block is
rendered alone for each request. The same rules hold, with Jinja2's
`{% for %}`, `{% macro %}`, `{% call %}`, `{% filter %}`, `{% with %}` and
`{% set %}…{% endset %}` as the tags a region may not sit in.
"""

import weakref
from dataclasses import dataclass

from django import template
from django.template import engines
from django.template.defaulttags import IfNode
from django.template.loader_tags import BlockNode, ExtendsNode, IncludeNode
from django.utils.safestring import mark_safe
from jinja2 import nodes
from jinja2.ext import Extension

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


def quoted_argument(token, what: str) -> str:
    """The one quoted argument of a tag, such as `{% personal "name" %}`, without its quotes."""
    tag = token.split_contents()[0]
    try:
        _, argument = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError(f"{{% {tag} %}} takes one quoted {what}") from None
    if argument[0] not in "\"'" or argument[-1] != argument[0]:
        raise template.TemplateSyntaxError(f"{{% {tag} %}} takes one quoted {what}")
    return argument[1:-1]


@register.tag
def personal(parser, token):
    name = quoted_argument(token, "name")
    nodelist = parser.parse(("endpersonal",))
    parser.delete_first_token()
    return PersonalNode(name, nodelist)


class JinjaRegionsNode(template.Node):
    """Renders a Jinja2 template with the whole page's context; its {% personal %} regions are the page's."""

    def __init__(self, template_name: str):
        self.template_name = template_name

    @staticmethod
    def environment():
        return engines["jinja2"].env

    def render(self, context):
        found = self.environment().get_template(self.template_name)
        return mark_safe(found.render(context.flatten()))  # noqa: S308 - an autoescaping template's output


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
    found, problems = {}, []

    def add(name, region, place):
        if name in found:
            problems.append(f'{place}: a second personal region named "{name}"')
        found.setdefault(name, region)

    for page in chain(compiled):
        for node, outer in walk(page.nodelist):
            if isinstance(node, PersonalNode):
                binding = [enclosing for enclosing in outer if not isinstance(enclosing, TRANSPARENT)]
                if binding:
                    problems.append(
                        f'{where(node)}: the personal region "{node.name}" is inside {tag_name(binding[-1])}, '
                        "whose variables it would not see when rendered alone"
                    )
                add(node.name, node, where(node))
            elif isinstance(node, JinjaRegionsNode):
                held = jinja_regions(node.environment(), node.template_name)
                problems += held.problems
                for name, region in held.nodes.items():
                    add(name, region, f"{where(node)} ({node.template_name})")
            elif isinstance(node, IncludeNode):
                name = constant_name(node.template)
                if name and _has_region(compiled.engine, name, set()):
                    problems.append(
                        f"{where(node)}: {name} holds a personal region, which an included template may not"
                    )
    return Regions(found, tuple(problems))


def _has_region(engine, name: str, seen: set) -> bool:
    if name in seen:
        return False
    seen.add(name)
    for page in chain(engine.get_template(name)):
        for node, _ in walk(page.nodelist):
            if isinstance(node, PersonalNode):
                return True
            if isinstance(node, JinjaRegionsNode) and jinja_regions(node.environment(), node.template_name).nodes:
                return True
            included = constant_name(node.template) if isinstance(node, IncludeNode) else None
            if included and _has_region(engine, included, seen):
                return True
    return False


# Jinja2 -------------------------------------------------------------------------


class PersonalExtension(Extension):
    """`{% personal "name" %}` for Jinja2: a block holding the region, which prints the marker when shared."""

    tags = {"personal"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        name = parser.parse_expression()
        if not isinstance(name, nodes.Const) or not isinstance(name.value, str):
            parser.fail("{% personal %} takes one quoted name", lineno)
        body = parser.parse_statements(("name:endpersonal",), drop_needle=True)
        shared = nodes.Name(SHARED_RENDER, "load")
        region = nodes.If(shared, [nodes.Output([nodes.TemplateData(marker(name.value))])], [], body)
        return nodes.Block(block_name(name.value), [region], False, False, lineno=lineno)


def block_name(name: str) -> str:
    """The Jinja2 block a region becomes: region names may hold hyphens, Python names may not."""
    return "personal_" + name.replace("-", "_")


class JinjaRegion:
    """A region of a Jinja2 template, rendered alone with the names a Django region would see."""

    def __init__(self, compiled, name: str):
        self.compiled, self.name = compiled, name

    def render(self, context) -> str:
        if context.get(SHARED_RENDER):
            return marker(self.name)
        # One Jinja2 context for all of a request's regions: each block only reads it.
        key = (JinjaRegion, id(self.compiled))
        names = context.render_context.get(key)
        if names is None:
            names = context.render_context[key] = self.compiled.new_context(context.flatten())
        return "".join(self.compiled.blocks[block_name(self.name)](names))


# Jinja2 tags that bind names or capture their body: a region inside one would not render alone as in place.
JINJA_BINDING = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.With, nodes.AssignBlock)


def jinja_regions(environment, name: str) -> Regions:
    """The regions of the Jinja2 template `name`, and any rule they break (checked on its source)."""
    source, filename, _ = environment.loader.get_source(environment, name)
    compiled = environment.get_template(name)
    found, problems = {}, []

    def visit(node, outer):
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Block) and child.name.startswith("personal_"):
                region = child.body[0].body[0].nodes[0].data.removeprefix("<!--personal:").removesuffix("-->")
                binding = [enclosing for enclosing in outer if isinstance(enclosing, JINJA_BINDING)]
                if binding:
                    tag = type(binding[-1]).__name__.lower()
                    problems.append(
                        f'{name}, line {child.lineno}: the personal region "{region}" is inside {{% {tag} %}}, '
                        "whose variables it would not see when rendered alone"
                    )
                found[region] = JinjaRegion(compiled, region)
            included = (
                child.template.value
                if isinstance(child, nodes.Include) and isinstance(child.template, nodes.Const)
                else None
            )
            if isinstance(included, str) and jinja_regions(environment, included).nodes:
                problems.append(
                    f"{name}, line {child.lineno}: {child.template.value} holds a personal region, "
                    "which an included template may not"
                )
            visit(child, (*outer, child))

    tree = environment.parse(source, name, filename)
    visit(tree, ())
    # A {% set %} outside a region is not made when the region renders alone.
    assigned = {target.name for node in tree.find_all(nodes.Assign) for target in node.find_all(nodes.Name)}
    for block in tree.find_all(nodes.Block):
        if block.name.startswith("personal_"):
            read = {used.name for used in block.find_all(nodes.Name) if used.ctx == "load"} & assigned
            problems += [f'{name}, line {block.lineno}: a personal region reads "{n}", set outside it' for n in read]
    return Regions(found, tuple(problems))


def jinja_outside_regions(environment, name: str):
    """Every name the Jinja2 template `name` reads outside its personal regions, with its line."""
    source, filename, _ = environment.loader.get_source(environment, name)

    def visit(node):
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Block) and child.name.startswith("personal_"):
                continue
            if isinstance(child, nodes.Name) and child.ctx == "load":
                yield child.name, child.lineno
            yield from visit(child)

    yield from visit(environment.parse(source, name, filename))
