"""Checks that many tests share: one copy of each."""

from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser

from community.counters import recount
from community.models import Category, Post, Thread
from recognition.ledger import reputation_disagreements


def tree_problems() -> list[str]:
    """Everything wrong with the stored trees, walked from the rows.

    Every thread with posts owns exactly one tree, which no other thread shares;
    its root is the opening post; the nested sets have no gaps or overlaps;
    children sit inside their parents one level down; `branch` names the
    top-level reply above each deeper post. A merged thread has no posts.
    """
    problems = []
    rows = Post.objects.values_list("pk", "thread_id", "parent_id", "branch_id", "tree_id", "lft", "rght", "level")
    by_thread, owners = defaultdict(list), defaultdict(set)
    for row in rows:
        by_thread[row[1]].append(row)
        owners[row[4]].add(row[1])
    for tree_id, threads in owners.items():
        if len(threads) > 1:
            problems.append(f"tree {tree_id} is shared by threads {sorted(threads)}")
    for pk, opening_id, merged_into in Thread.objects.values_list("pk", "opening_post_id", "merged_into_id"):
        posts_ = by_thread.get(pk, [])
        if merged_into:
            if posts_ or opening_id:
                problems.append(f"merged thread {pk} still has posts")
            continue
        problems += _nested_set_problems(pk, opening_id, posts_)
    return problems


def _nested_set_problems(thread_id, opening_id, rows) -> list[str]:
    problems = []
    if not rows:
        return [f"thread {thread_id} has no posts"]
    if len({r[4] for r in rows}) != 1:
        return [f"thread {thread_id} spans trees {sorted({r[4] for r in rows})}"]
    by_pk = {r[0]: r for r in rows}
    roots = [r for r in rows if r[2] is None]
    if [r[0] for r in roots] != [opening_id]:
        problems.append(f"thread {thread_id}: roots {[r[0] for r in roots]}, opening post {opening_id}")
    bounds = sorted([r[5] for r in rows] + [r[6] for r in rows])
    if bounds != list(range(1, 2 * len(rows) + 1)):
        problems.append(f"thread {thread_id}: lft/rght have gaps or overlaps: {bounds}")
    for pk, _, parent_id, branch_id, _, lft, rght, level in rows:
        if lft >= rght:
            problems.append(f"post {pk}: lft {lft} >= rght {rght}")
        descendants = sum(1 for other in rows if lft < other[5] < rght)
        if rght - lft != 2 * descendants + 1:
            problems.append(f"post {pk}: width {rght - lft} for {descendants} descendants")
        if parent_id is None:
            if (lft, level, branch_id) != (1, 0, None):
                problems.append(f"root {pk}: lft {lft}, level {level}, branch {branch_id}")
            continue
        parent = by_pk.get(parent_id)
        if parent is None:
            problems.append(f"post {pk}: parent {parent_id} is in another thread")
            continue
        if not (parent[5] < lft and rght < parent[6]):
            problems.append(f"post {pk} lies outside its parent {parent_id}")
        if level != parent[7] + 1:
            problems.append(f"post {pk}: level {level} under a level {parent[7]} parent")
        expected_branch = None if level == 1 else (parent_id if level == 2 else parent[3])
        if branch_id != expected_branch:
            problems.append(f"post {pk}: branch {branch_id}, expected {expected_branch}")
    return problems


def counters():
    """Every denormalised counter that `recount()` rebuilds."""
    return (
        sorted(Post.objects.values_list("pk", "helpful_count")),
        sorted(Thread.objects.values_list("pk", "reply_count", "vote_count", "me_too_count", "has_team_verified")),
        sorted(Category.objects.values_list("pk", "thread_count", "post_count", "last_activity_at")),
    )


def assert_consistent():
    """Trees are valid, `recount()` finds nothing to correct, and every reputation is its ledger's sum."""
    problems = tree_problems()
    assert problems == [], problems
    live = counters()
    recount()
    rebuilt = counters()
    wrong = [
        (live_row, rebuilt_row)
        for live_rows, rebuilt_rows in zip(live, rebuilt, strict=True)
        for live_row, rebuilt_row in zip(live_rows, rebuilt_rows, strict=True)
        if live_row != rebuilt_row
    ]
    assert wrong == [], f"live counters (left) that recount() corrects (right): {wrong}"
    wrong_reputation = reputation_disagreements()
    assert wrong_reputation == [], f"(member, reputation, sum of their ledger) that disagree: {wrong_reputation}"
    strays = votes_away_from_their_posts()
    assert strays == [], f"(vote, its thread, its post's thread) that disagree: {strays}"


def votes_away_from_their_posts() -> list[tuple[int, int, int]]:
    """Helpful votes whose copy of the thread is not their post's thread (posts move when threads merge or split)."""
    from django.db.models import F

    from community.models import HelpfulVote

    return list(
        HelpfulVote.objects.exclude(thread_id=F("post__thread_id")).values_list("pk", "thread_id", "post__thread_id")
    )


# Void elements never have an end tag, so nothing nests inside them.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_UNREAD = {"script", "style", "template"}


class Element:
    """One element of a parsed page, to ask what a browser would show: where it sits, what it says."""

    def __init__(self, tag: str, attrs: dict, parent: "Element | None" = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    def descendants(self) -> Iterator["Element"]:
        """Every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.descendants()

    def find_all(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> list["Element"]:
        """Elements below this one with the tag, class and attributes given (aria_pressed for aria-pressed)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.descendants()
            if (tag is None or element.tag == tag)
            and (cls is None or cls in element.classes)
            and all(element.attrs.get(name) == value for name, value in wanted.items())
        ]

    def find(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> "Element | None":
        found = self.find_all(tag, cls=cls, **attrs)
        return found[0] if found else None

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def raw_text(self) -> str:
        """The text exactly as written, as a textarea holds it."""
        return "".join(child if isinstance(child, str) else child.raw_text for child in self.children)

    @property
    def text(self) -> str:
        """The visible text, with whitespace collapsed; scripts, styles and templates left out."""
        parts = [
            child if isinstance(child, str) else child.text
            for child in self.children
            if isinstance(child, str) or child.tag not in _UNREAD
        ]
        return " ".join(" ".join(parts).split())

    def comes_before(self, other: "Element") -> bool:
        root = self
        while root.parent is not None:
            root = root.parent
        order = list(root.descendants())
        return order.index(self) < order.index(other)


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value if value is not None else "" for name, value in attrs}, self.current)
        self.current.children.append(element)
        if tag not in _VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        open_element = self.current
        while open_element is not None and open_element.tag != tag:
            open_element = open_element.parent
        if open_element is not None and open_element.parent is not None:
            self.current = open_element.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(html: str | bytes) -> Element:
    """The page as a tree of elements; forgiving, as browsers are, of an end tag with no start."""
    builder = _TreeBuilder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root
