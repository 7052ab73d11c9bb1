"""A startup check that members' shared pages can be shared.

Every project template is held to the rules of {% personal %} regions
(community/templatetags/personal.py), and every template rendered shared
(community.caching.SHARED_TEMPLATES), with the templates it extends and
includes, must read nothing of one member's outside its regions: the first
member to render it would otherwise show theirs to all the others.
"""

from pathlib import Path

from django.core.checks import Error
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.base import FilterExpression, Node, NodeList, Variable
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import IncludeNode

from community.templatetags.personal import (
    JinjaRegionsNode,
    PersonalNode,
    chain,
    constant_name,
    jinja_outside_regions,
    page_regions,
    walk,
    where,
)

# What Django's context processors know of the member making the request.
MEMBER_VARIABLES = frozenset({"user", "request", "perms", "messages", "csrf_token"})


def check_personal_regions(app_configs=None, **kwargs) -> list[Error]:
    from django.template import engines

    from community.caching import SHARED_TEMPLATES

    backend = next(backend for backend in engines.all() if hasattr(backend, "engine"))
    names = [
        path.relative_to(folder).as_posix()
        for folder in map(Path, backend.engine.dirs)
        for path in sorted(folder.rglob("*.html"))
    ]
    return template_errors(backend.engine, names, shared=SHARED_TEMPLATES)


def template_errors(engine, names, *, shared) -> list[Error]:
    """The errors in `names` and in the `shared` templates, each once."""
    messages = {}
    for name in [*names, *sorted(set(shared) - set(names))]:
        try:
            compiled = engine.get_template(name)
            found = [(problem, "community.E001") for problem in page_regions(compiled).problems]
            if name in shared:
                found += [(problem, "community.E002") for problem in member_state_outside_regions(compiled, set())]
        except (TemplateDoesNotExist, TemplateSyntaxError) as error:
            found = [(f"{name}: {error.__class__.__name__}: {error}", "community.E003")]
        for problem, code in found:
            messages.setdefault(problem, code)
    return [Error(problem, id=code) for problem, code in messages.items()]


def member_state_outside_regions(compiled, seen: set) -> list[str]:
    """Where a shared page (with what it extends and includes) reads a member's state outside its regions."""
    problems = []
    for page in chain(compiled):
        for node, outer in walk(page.nodelist):
            if isinstance(node, PersonalNode) or any(isinstance(enclosing, PersonalNode) for enclosing in outer):
                continue
            if isinstance(node, JinjaRegionsNode):
                read = jinja_outside_regions(node.environment(), node.template_name)
                problems += [
                    f'{node.template_name}, line {line}: "{name}" is read outside a personal region of a shared page'
                    for name, line in read
                    if name in MEMBER_VARIABLES
                ]
            if isinstance(node, CsrfTokenNode):
                problems.append(f"{where(node)}: {{% csrf_token %}} outside a personal region of a shared page")
            for name in sorted(set(names_read(node)) & MEMBER_VARIABLES):
                problems.append(f'{where(node)}: "{name}" is read outside a personal region of a shared page')
            if isinstance(node, IncludeNode):
                included = constant_name(node.template)
                if included is None:
                    problems.append(f"{where(node)}: a shared page includes a template chosen at run time")
                elif included not in seen:
                    seen.add(included)
                    problems += member_state_outside_regions(compiled.engine.get_template(included), seen)
    return problems


def names_read(node):
    """The first name of every variable a node reads itself (not in the nodes under it)."""
    skipped = {"token", "origin", *node.child_nodelists}
    pending = [value for attr, value in vars(node).items() if attr not in skipped]
    seen = set()
    while pending:
        item = pending.pop()
        if id(item) in seen or isinstance(item, (str, Node, NodeList)) or callable(item):
            continue
        seen.add(id(item))
        if isinstance(item, Variable):
            if item.lookups:
                yield item.lookups[0]
        elif isinstance(item, FilterExpression):
            pending += [item.var, item.filters]
        elif isinstance(item, dict):
            pending += item.values()
        elif isinstance(item, (list, tuple)):
            pending += item
        elif type(item).__module__.startswith("django.template"):
            # Tags keep their arguments in their own shapes ({% if %}'s operators, say).
            pending += vars(item).values() if hasattr(item, "__dict__") else ()
