"""Reads for community pages. Each returns data with its joins already done,
so a page costs a fixed number of queries however large the thread is."""

import difflib
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, NullIf, RowNumber

from accounts import selectors as account_selectors
from accounts.models import User
from community import caching, permissions, reading
from community.models import (
    Category,
    HelpfulVote,
    IdeaVote,
    MeToo,
    Post,
    ReadPosition,
    Review,
    StatusChange,
    Subscription,
    Tag,
    Thread,
)
from community.providers import providers
from config.prepared import PreparedValues, prepared_cursor

REPLIES_PER_PAGE = 20
# Beyond any real thread; bounds the cache keys a crawler can make.
MAX_REPLY_PAGES = 500
THREADS_PER_PAGE = 25
MAX_LIST_PAGES = 2000
# Replies nest this many levels under a top-level reply before the page offers
# "continue this thread".
MAX_DEPTH = 5
# A thread page shows this many replies under each top-level reply; the rest of
# a busy branch is one click away, so a hot thread's page stays small.
BRANCH_LIMIT = 6
# A thread with fewer replies than this is read whole, in one query, for each page of it.
SMALL_THREAD = 60

REPLY_SORTS = {
    "votes": ("-helpful_count", "created_at", "pk"),
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
}

LIST_FILTERS = {
    "latest": "Latest",
    "unanswered": "Unanswered",
    "solved": "Solved",
    "ideas": "Top ideas",
    "problems": "Top problems",
    "mine": "My threads",
    "following": "Following",
}
MEMBER_FILTERS = {"mine", "following"}


def categories() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=Category.objects.order_by("position", "name"))
    )


def all_categories() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("parent__position", "parent__name", "position", "name")


def category_and_children(category: Category) -> list[int]:
    # Ids, not a join on the parent: the planner then uses the category index.
    return [category.pk, *Category.objects.filter(parent=category).values_list("pk", flat=True)]


@dataclass
class ViewerState:
    """What the signed-in member has done on a page: a thin overlay on shared content."""

    helpful_post_ids: frozenset = frozenset()
    voted_idea: bool = False
    confirmed_problem: bool = False
    following: bool = False
    # The member's own replies in this thread that wait for a moderator.
    pending_post_ids: tuple = ()
    # The last post the member has read (None before they first read the thread), and their own
    # replies past it: those count as read too.
    read_through: int | None = None
    own_unread_ids: tuple = ()


def get_thread(viewer, pk: int) -> Thread | None:
    """The thread with its category, author, tags and the posts its header shows.

    Loaded once per thread version (every write to the thread bumps it in its
    own transaction), so a page costs one small version lookup here.
    """
    return read_thread_page(viewer, pk, with_state=False)[0]


def read_thread_page(
    viewer,
    pk: int,
    keys_for=None,
    *,
    with_state: bool = True,
    version: int | None = None,
    already: caching.Prefetched = caching.NOTHING_PREFETCHED,
) -> tuple[Thread | None, caching.Prefetched, ViewerState]:
    """`get_thread` for a thread page: with what the member has done in the thread, read with the
    version, and the cache keys `keys_for(version)` names, read with the thread's own in one round trip.

    A visitor's page may give the `version` it will be stored under, already
    read, or `caching.READ_WITH_PAGE`: the cache knew none, so the thread's
    header is read from the database at once, version and all, and the version
    noted; what is stored under that version is then taken as missing, not
    read. Keys the read `already` asked for are not asked again.
    """
    member = viewer if with_state and permissions.is_member(viewer) else None
    header = None
    if member is None and version is caching.READ_WITH_PAGE:
        state = ViewerState()
        header = _thread_values(pk)
        version = header["thread"]["version"] if header is not None else None
        if version is not None:
            caching.note_thread_versions({pk: version})
    elif member is None and version is not None:
        state = ViewerState()
    else:
        version, state = thread_state(pk, member)
    if version is None:
        return None, caching.NOTHING_PREFETCHED, state
    key = f"thread:{pk}:{version}"
    # The member's read position not yet flushed to its row, and their bell, come with the thread's own cache keys.
    unflushed = reading.pending_key(member.pk, pk) if member is not None else None
    fetched = caching.Prefetched.beyond(
        already,
        [
            *([caching.remember_key(key)] if header is None else ()),
            *(keys_for(version) if keys_for else ()),
            *([unflushed] if unflushed else ()),
            *(caching.member_page_keys(member.pk) if member is not None else ()),
        ],
        taken_as_missing=header is not None,
    )
    if unflushed and (cached := fetched.get(unflushed)) is not None:
        state.read_through = max(state.read_through or 0, cached)
    if header is not None:
        caching.store(caching.remember_key(key), header, caching.FRAGMENT_SECONDS)
    values = header or caching.remember(key, lambda: _thread_values(pk), caching.FRAGMENT_SECONDS, fetched)
    thread = _thread_from(values) if values is not None else None
    if thread is None or not permissions.can_view_thread(viewer, thread):
        return None, fetched, ViewerState()
    return thread, fetched, state


def _fields(model, prefix: str = "", only=None, leave_out=()) -> list[str]:
    """The attnames a page reads of `model`, reached through `prefix` for `.values()`."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in leave_out]
    return [f"{prefix}{name}" for name in names if only is None or name in only]


_CATEGORY_SHOWN = _fields(Category, leave_out=("description",))
_PARENT_SHOWN = ("id", "name", "slug")
_POST_SHOWN = _fields(Post, leave_out=("body", "body_text", "search_vector"))
# The posts a thread's header shows: the question, its accepted answer and the post that solved it.
_HEADER_POSTS = ("opening_post", "accepted_answer", "solving_post")
_TAG_SHOWN = ("id", "name", "slug")


@functools.cache
def _provided_facts() -> dict:
    """What other apps know of a thread that its page shows, as expressions over its row
    (settings.COMMUNITY_THREAD_FACTS): read with its header, and set on the thread as `annotate` would."""
    return {name: fact for provider in providers("COMMUNITY_THREAD_FACTS") for name, fact in provider().items()}


# The thread's own row with its category, the category's parent, its author and the posts its header
# shows, with theirs: one read, compiled and planned once (prepared), however wide its joins. A row
# for each of its tags and each of an idea's or a problem's status steps (with who took it), in their
# order, each with the rest repeated: cheaper than a read of their own, as threads have a few of each.
_STATUS_SHOWN = _fields(StatusChange, leave_out=("note",))
_THREAD_HEADER = PreparedValues(
    lambda pk: (
        Thread.objects.filter(pk=pk)
        .annotate(**_provided_facts())
        .order_by("tags__name", "status_changes__created_at", "status_changes__pk")
        .values(
            *_provided_facts(),
            *(f"tags__{name}" for name in _TAG_SHOWN),
            *_fields(Thread),
            *(f"category__{name}" for name in _CATEGORY_SHOWN),
            *(f"category__parent__{name}" for name in _PARENT_SHOWN),
            *_fields(User, "author__", only=account_selectors.SHOWN_FIELDS),
            *(f"{link}__{name}" for link in _HEADER_POSTS for name in _POST_SHOWN),
            *(
                name
                for link in _HEADER_POSTS
                for name in _fields(User, f"{link}__author__", only=account_selectors.SHOWN_FIELDS)
            ),
            *(f"status_changes__{name}" for name in _STATUS_SHOWN),
            *_fields(User, "status_changes__actor__", only=account_selectors.SHOWN_FIELDS),
        )
    )
)
HAS_STATUS = (Thread.Kind.IDEA, Thread.Kind.PROBLEM)


def _reader(prefix: str, names: Iterable[str]) -> Callable[[dict], dict]:
    """Takes from a row the values read through `prefix` for `names`, under their own names.

    The row's keys are worked out once: pages build tens of instances from rows a hundred values wide.
    """
    keys = [(name, f"{prefix}{name}") for name in names]
    return lambda row: {name: row[key] for name, key in keys}


_USER_SHOWN = _fields(User, only=account_selectors.SHOWN_FIELDS)
_read_thread = _reader("", _fields(Thread))
_read_category = _reader("category__", _CATEGORY_SHOWN)
_read_parent = _reader("category__parent__", _PARENT_SHOWN)
_read_author = _reader("author__", _USER_SHOWN)
_read_header_posts = [
    (_reader(f"{link}__", _POST_SHOWN), _reader(f"{link}__author__", _USER_SHOWN)) for link in _HEADER_POSTS
]
_read_status_change = _reader("status_changes__", _STATUS_SHOWN)
_read_actor = _reader("status_changes__actor__", _USER_SHOWN)
_read_tag = _reader("tags__", _TAG_SHOWN)


def _thread_values(pk: int) -> dict | None:
    """What a thread page's header shows, as plain values for the cache (`_thread_from` puts it back together)."""
    # The rare duplicate mark costs a read of its own.
    rows = _THREAD_HEADER(pk)
    if not rows:
        return None
    row = rows[0]
    thread = _read_thread(row)
    parent = _read_parent(row)
    posts = {}
    for read_post, read_author in _read_header_posts:
        post = read_post(row)
        if post["id"] is not None:
            posts[post["id"]] = (post, read_author(row))
    duplicate_of = None
    if thread["duplicate_of_id"]:
        duplicate_of = Thread.objects.filter(pk=thread["duplicate_of_id"]).values("id", "title", "slug").first()
    # Rows repeat each tag for every step and each step for every tag: each is kept where it first shows,
    # which is the order the read asked for.
    tags = {row["tags__id"]: row for row in rows if row["tags__id"] is not None}
    steps = {row["status_changes__id"]: row for row in rows if row["status_changes__id"] is not None}
    return {
        "thread": thread,
        "category": _read_category(row),
        "parent": parent if parent["id"] is not None else None,
        "author": _read_author(row),
        "duplicate_of": duplicate_of,
        "tags": [_read_tag(row) for row in tags.values()],
        "facts": {name: row[name] for name in _provided_facts()},
        "posts": list(posts.values()),
        "status_history": [(_read_status_change(row), _read_actor(row)) for row in steps.values()],
    }


def _thread_from(values: dict) -> Thread:
    thread = caching.rebuilt(Thread, values["thread"])
    thread.__dict__.update(values["facts"])
    category = caching.rebuilt(Category, values["category"])
    if values["parent"] is not None:
        caching.relate(category, parent=caching.rebuilt(Category, values["parent"]))
    caching.relate(thread, category=category, author=caching.rebuilt(User, values["author"]))
    if values["duplicate_of"] is not None:
        caching.relate(thread, duplicate_of=caching.rebuilt(Thread, values["duplicate_of"]))
    # Answer `thread.tags.all()` from these, as prefetch_related would have (it fills the same two attributes).
    tags = thread.tags.all()
    tags._result_cache = [caching.rebuilt(Tag, tag) for tag in values["tags"]]
    tags._prefetch_done = True  # type: ignore[attr-defined]
    changes = thread.status_changes.all()
    changes._result_cache = []
    for change_values, actor_values in values["status_history"]:
        change = caching.rebuilt(StatusChange, change_values)
        caching.relate(change, actor=caching.rebuilt(User, actor_values))
        changes._result_cache.append(change)
    changes._prefetch_done = True  # type: ignore[attr-defined]
    thread._prefetched_objects_cache = {"tags": tags, "status_changes": changes}  # type: ignore[attr-defined]
    posts = {}
    for post_values, author_values in values["posts"]:
        post = caching.rebuilt(Post, post_values)
        caching.relate(post, author=caching.rebuilt(User, author_values), thread=thread)
        posts[post.pk] = post
    for name in ("opening_post", "accepted_answer", "solving_post"):
        shown = posts.get(getattr(thread, f"{name}_id"))
        if shown is not None:
            caching.relate(thread, **{name: shown})
    return thread


def accepted_answer(thread: Thread, *, moderator: bool) -> Post | None:
    """The accepted answer as the page shows it: to readers who may not see it, there is none.

    Decided by the kind of reader, not the reader: members share one rendering of the page.
    """
    answer = thread.accepted_answer if thread.accepted_answer_id else None
    if answer is None or moderator or permissions.is_public_post(answer):
        return answer
    return None


def status_history(thread: Thread) -> list[StatusChange]:
    """An idea's or a problem's steps, oldest first: read with the thread's header on its page."""
    if thread.kind not in HAS_STATUS:
        return []
    if "status_changes" in getattr(thread, "_prefetched_objects_cache", {}):
        return list(thread.status_changes.all())
    return list(thread.status_changes.select_related("actor"))


@dataclass
class ReplyNode:
    post: Post
    children: list["ReplyNode"] = field(default_factory=list)
    # True when replies exist deeper than the page shows.
    continues: bool = False


@dataclass(frozen=True)
class ReplyRow:
    post: Post
    depth: int  # 1 for a top-level reply (or the focused post), 2 for a reply to it, ...
    continues: bool
    # On a branch's last row: the top-level reply whose further replies are not shown, and how many.
    more_under: Post | None = None
    more_count: int = 0


@dataclass
class ReplyPage:
    nodes: list[ReplyNode]
    page: int
    has_next: bool
    sort: str
    post_ids: list[int]
    # Top-level reply id -> how many replies under it the page leaves out.
    hidden: dict = field(default_factory=dict)

    @property
    def facts(self) -> dict[int, tuple]:
        """What the per-post capabilities read, by post id: cached with the page, so no query is needed."""
        found = {}

        def walk(nodes):
            for node in nodes:
                found[node.post.pk] = tuple(permissions.PostFacts.of(node.post))
                walk(node.children)

        walk(self.nodes)
        return found

    @property
    def rows(self) -> list[ReplyRow]:
        """The tree flattened in reading order, so templates loop once, without recursion."""
        rows = []

        def walk(nodes, depth):
            for node in nodes:
                rows.append(ReplyRow(node.post, depth, node.continues))
                walk(node.children, depth + 1)

        for node in self.nodes:
            walk([node], 1)
            hidden = self.hidden.get(node.post.pk, 0)
            if hidden:
                last = rows[-1]
                rows[-1] = ReplyRow(last.post, last.depth, last.continues, node.post, hidden)
        return rows


def _build_tree(roots: list[Post], descendants: list[Post], depth_limit: int) -> list[ReplyNode]:
    nodes = {post.pk: ReplyNode(post) for post in roots}
    for post in descendants:  # in lft order, so a parent always comes first
        parent = nodes.get(post.parent_id)
        if parent is None:
            continue
        node = ReplyNode(post)
        nodes[post.pk] = node
        parent.children.append(node)
    for node in nodes.values():
        post = node.post
        node.continues = post.level >= depth_limit and post.rght - post.lft > 1
    return [nodes[post.pk] for post in roots]


def _with_authors(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.select_related("author").defer(
        "body", "body_text", "search_vector", *account_selectors.unshown_fields("author__")
    )


def _shown(posts: QuerySet[Post], moderator: bool) -> QuerySet[Post]:
    """Posts waiting for approval appear only to moderators (their authors see them apart)."""
    return posts if moderator else posts.exclude(review=Review.PENDING)


def reply_page(thread: Thread, *, sort: str = "votes", page: int = 1, moderator: bool = False) -> ReplyPage:
    """One page of top-level replies with their nested replies.

    A small thread is read whole in one query and paged here; a larger one in
    two (the page's top-level replies, then the first replies under each).
    """
    sort = sort if sort in REPLY_SORTS else "votes"
    page = max(page, 1)
    found = _small_thread_page(thread, sort, page, moderator) if thread.reply_count < SMALL_THREAD else None
    roots, descendants, has_next = found or _large_thread_page(thread, sort, page, moderator)
    nodes = _build_tree(roots, descendants, MAX_DEPTH)
    shown: dict[int | None, int] = {}
    for post in descendants:
        shown[post.branch_id] = shown.get(post.branch_id, 0) + 1
    hidden = {}
    for root in roots:
        below = (root.rght - root.lft - 1) // 2
        if below > shown.get(root.pk, 0) and shown.get(root.pk, 0) >= BRANCH_LIMIT:
            hidden[root.pk] = below - shown[root.pk]
    return ReplyPage(
        nodes=nodes,
        page=page,
        has_next=has_next,
        sort=sort,
        post_ids=[p.pk for p in roots] + [p.pk for p in descendants],
        hidden=hidden,
    )


def _large_thread_page(thread: Thread, sort: str, page: int, moderator: bool):
    accepted = thread.accepted_answer_id is not None
    top = _top_replies(sort, page, moderator, accepted)
    roots = [_post_from(row) for row in top(thread.pk, *([thread.accepted_answer_id] if accepted else []))]
    has_next = len(roots) > REPLIES_PER_PAGE
    roots = roots[:REPLIES_PER_PAGE]
    descendants = []
    if roots:
        ids = [post.pk for post in roots]
        descendants = [
            _post_from(row) for row in _BRANCH_REPLIES[moderator](*ids, *[None] * (REPLIES_PER_PAGE - len(ids)))
        ]
    return roots, descendants, has_next


# The author's id is the post's `author_id`: read twice, Django's wrapping of the window query gives both one name.
_SHOWN_WITH_AUTHOR = (
    *_POST_SHOWN,
    *_fields(User, "author__", only=set(account_selectors.SHOWN_FIELDS) - {"id"}),
)
# A large thread's reads, compiled once per shape (sort, page, kind of reader, whether an answer is accepted).
_TOP_REPLIES: dict[tuple, PreparedValues] = {}


def _top_replies(sort: str, page: int, moderator: bool, accepted: bool) -> PreparedValues:
    """A page of a large thread's top-level replies (one more, to tell whether another page follows)."""
    shape = (sort, page, moderator, accepted)
    found = _TOP_REPLIES.get(shape)
    if found is None:

        def build(pk, *accepted_id):
            top = _shown(Post.objects.filter(thread=pk, level=1), moderator)
            ordering = REPLY_SORTS[sort]
            if accepted:
                first = Case(When(pk=accepted_id[0], then=Value(0)), default=Value(1), output_field=IntegerField())
                top, ordering = top.annotate(accepted_first=first), ("accepted_first", *ordering)
            start = (page - 1) * REPLIES_PER_PAGE
            return top.order_by(*ordering).values(*_SHOWN_WITH_AUTHOR)[start : start + REPLIES_PER_PAGE + 1]

        found = _TOP_REPLIES[shape] = PreparedValues(build, arity=2 if accepted else 1)
    return found


def _branch_replies(moderator: bool) -> PreparedValues:
    """The first BRANCH_LIMIT replies under each of a page's top-level replies (ids padded with None)."""

    def build(*roots):
        ranked = _shown(Post.objects.filter(branch_id__in=roots, level__lte=MAX_DEPTH), moderator).annotate(
            place=Window(RowNumber(), partition_by=[F("branch_id")], order_by=F("lft").asc())
        )
        return ranked.filter(place__lte=BRANCH_LIMIT).order_by("tree_id", "lft").values(*_SHOWN_WITH_AUTHOR)

    return PreparedValues(build, arity=REPLIES_PER_PAGE)


_BRANCH_REPLIES = {moderator: _branch_replies(moderator) for moderator in (False, True)}


def _small_thread_replies(moderator: bool) -> PreparedValues:
    return PreparedValues(
        lambda pk: (
            _shown(Post.objects.filter(thread=pk, level__gte=1, level__lte=MAX_DEPTH), moderator)
            .order_by("tree_id", "lft")
            .values(*_POST_SHOWN, *_fields(User, "author__", only=account_selectors.SHOWN_FIELDS))[: 2 * SMALL_THREAD]
        )
    )


# A small thread's replies for each kind of reader, compiled once: most uncached thread pages read one of these.
_SMALL_THREAD_REPLIES = {moderator: _small_thread_replies(moderator) for moderator in (False, True)}


_read_reply = _reader("", _POST_SHOWN)
_read_reply_author = _reader("author__", [name for name in _USER_SHOWN if name != "id"])


def _post_from(row: dict) -> Post:
    """A post and its author from a row of `_POST_SHOWN` and the author's shown fields."""
    post = caching.rebuilt(Post, _read_reply(row))
    caching.relate(post, author=caching.rebuilt(User, {"id": row["author_id"], **_read_reply_author(row)}))
    return post


def _small_thread_page(thread: Thread, sort: str, page: int, moderator: bool):
    """`_large_thread_page`'s answer from one read of the whole thread, or None if it is not small after all.

    (Its reply count leaves out held and removed replies, which the read may hold too.)
    """
    limit = 2 * SMALL_THREAD
    posts = [_post_from(row) for row in _SMALL_THREAD_REPLIES[moderator](thread.pk)]
    if len(posts) == limit:
        return None
    roots = [post for post in posts if post.level == 1]
    # Sorted as REPLY_SORTS orders them in SQL: stable sorts, from the last key to the first.
    for name in reversed(REPLY_SORTS[sort]):
        roots.sort(key=attrgetter(name.lstrip("-")), reverse=name.startswith("-"))
    roots.sort(key=lambda post: post.pk != thread.accepted_answer_id)
    start = (page - 1) * REPLIES_PER_PAGE
    on_page = roots[start : start + REPLIES_PER_PAGE]
    branches = {post.pk: 0 for post in on_page}
    descendants = []
    for post in posts:
        if post.level > 1 and post.branch_id in branches and branches[post.branch_id] < BRANCH_LIMIT:
            branches[post.branch_id] += 1
            descendants.append(post)
    return on_page, descendants, len(roots) > start + REPLIES_PER_PAGE


def subtree(post: Post, *, moderator: bool = False) -> ReplyPage:
    """A post and the replies under it, for "continue this thread"."""
    limit = post.level + MAX_DEPTH
    below = Post.objects.filter(tree_id=post.tree_id, lft__gt=post.lft, rght__lt=post.rght, level__lte=limit)
    posts = list(_with_authors(_shown(below, moderator)).order_by("lft"))
    root = _with_authors(Post.objects.filter(pk=post.pk)).get()
    nodes = _build_tree([root], posts, limit)
    return ReplyPage(nodes=nodes, page=1, has_next=False, sort="oldest", post_ids=[root.pk] + [p.pk for p in posts])


# The most replies a page that was left open fetches at once; it reloads for more.
SINCE_LIMIT = 50


@dataclass
class NewReplies(ReplyPage):
    """Replies written after a page was rendered, each at its own depth, to be added to that page."""

    @property
    def rows(self) -> list[ReplyRow]:
        return [ReplyRow(node.post, min(node.post.level, MAX_DEPTH), False) for node in self.nodes]


def replies_since(viewer, thread: Thread, since, *, moderator: bool = False) -> NewReplies:
    """The replies `viewer` may see that were written after `since`, oldest first (at most SINCE_LIMIT)."""
    posts = Post.objects.filter(thread=thread, level__gte=1, level__lte=MAX_DEPTH, created_at__gt=since)
    posts = _with_authors(_shown(permissions.visible_posts(viewer, posts), moderator))
    found = list(posts.order_by("created_at", "pk")[:SINCE_LIMIT])
    return NewReplies(
        nodes=[ReplyNode(post) for post in found],
        page=0,
        has_next=False,
        sort="oldest",
        post_ids=[post.pk for post in found],
    )


_TABLES = {
    "thread": Thread._meta.db_table,
    "post": Post._meta.db_table,
    "subscription": Subscription._meta.db_table,
    "helpful": HelpfulVote._meta.db_table,
    "idea": IdeaVote._meta.db_table,
    "me_too": MeToo._meta.db_table,
    "read": ReadPosition._meta.db_table,
}


def thread_state(pk: int, member=None) -> tuple[int | None, ViewerState]:
    """The thread's version (None when there is no such thread) and what `member`, if given, has done in it.

    One round trip, run on every thread page view: raw SQL, a UNION of small
    indexed reads, where building the same UNION with the ORM cost more than
    running it. Only table names and placeholders go into the text; every
    value is a parameter.
    """
    version = "SELECT version, 'version' FROM {thread} WHERE id = %s"
    if member is None:
        with prepared_cursor() as cursor:
            cursor.execute(version.format(**_TABLES), [pk])
            row = cursor.fetchone()
        return (row[0] if row else None), ViewerState()
    reads = [
        (version, [pk]),
        # A muted thread is one the member asked to hear nothing of, not one they follow.
        (
            "SELECT thread_id, 'following' FROM {subscription} WHERE user_id = %s AND thread_id = %s AND level <> %s",
            [member.pk, pk, Subscription.Level.MUTED],
        ),
        # Replies only: a held opening post is the page's own first post, under the held notice.
        (
            "SELECT id, 'pending' FROM {post}"
            " WHERE author_id = %s AND thread_id = %s AND review = %s AND parent_id IS NOT NULL",
            [member.pk, pk, Review.PENDING],
        ),
        # The member's votes in the whole thread: few, and known before the page's posts are.
        ("SELECT post_id, 'helpful' FROM {helpful} WHERE voter_id = %s AND thread_id = %s", [member.pk, pk]),
        ("SELECT thread_id, 'idea' FROM {idea} WHERE voter_id = %s AND thread_id = %s", [member.pk, pk]),
        ("SELECT thread_id, 'me_too' FROM {me_too} WHERE member_id = %s AND thread_id = %s", [member.pk, pk]),
        ("SELECT read_through, 'read' FROM {read} WHERE user_id = %s AND thread_id = %s", [member.pk, pk]),
        # The member's own replies past their read position, which the page must not call new.
        (
            "SELECT id, 'own' FROM {post} WHERE author_id = %s AND thread_id = %s AND parent_id IS NOT NULL"
            " AND id > COALESCE((SELECT read_through FROM {read} WHERE user_id = %s AND thread_id = %s), 0)",
            [member.pk, pk, member.pk, pk],
        ),
    ]
    params = [value for _, values in reads for value in values]
    found: dict[str, list[int]] = {}
    # Prepared: each read has an index of its own, so the generic plan is the one planned anew.
    with prepared_cursor() as cursor:
        cursor.execute(" UNION ALL ".join(text for text, _ in reads).format(**_TABLES), params)
        for value, tag in cursor.fetchall():
            found.setdefault(tag, []).append(value)
    if "version" not in found:
        return None, ViewerState()
    return found["version"][0], ViewerState(
        helpful_post_ids=frozenset(found.get("helpful", ())),
        voted_idea="idea" in found,
        confirmed_problem="me_too" in found,
        following="following" in found,
        pending_post_ids=tuple(sorted(found.get("pending", ()))),
        read_through=found["read"][0] if "read" in found else None,
        own_unread_ids=tuple(sorted(found.get("own", ()))),
    )


def unread_replies(member, thread_ids) -> dict[int, tuple[int, int]]:
    """How many replies each of `thread_ids` has that `member` has not read, and the first of them.

    Only threads the member has read before count: a thread they never opened
    stays quiet. Replies every reader may see count, never the member's own.
    Their position is the larger of the row and the one the cache holds for
    the flush. One query for the page's threads; threads with nothing new are left out.
    """
    thread_ids = list(thread_ids)
    if not thread_ids:
        return {}
    noted = reading.pending(member.pk, thread_ids)
    stored = ReadPosition.objects.filter(user=member, thread=OuterRef("pk"))
    mark: Func = Coalesce(Subquery(stored.values("read_through")[:1]), Value(0))
    if noted:
        unflushed = Case(*(When(pk=pk, then=Value(through)) for pk, through in noted.items()), default=Value(0))
        mark = Greatest(mark, unflushed)
    newer = permissions.visible_posts(
        None, Post.objects.filter(thread=OuterRef("pk"), level__gt=0, is_deleted=False, pk__gt=OuterRef("mark"))
    ).exclude(author=member)
    rows = (
        Thread.objects.filter(pk__in=thread_ids)
        .filter(Q(pk__in=list(noted)) | Exists(stored))
        .annotate(mark=mark)
        .annotate(
            new=Subquery(newer.order_by().values("thread").annotate(n=Count("pk")).values("n")),
            first=Subquery(newer.order_by("pk").values("pk")[:1]),
        )
        .values_list("pk", "new", "first")
    )
    return {pk: (new, first) for pk, new, first in rows if new}


def pending_posts(viewer, thread: Thread, state: ViewerState) -> list[Post]:
    """The member's own replies awaiting review, shown to them alone above the replies."""
    if not state.pending_post_ids:
        return []
    return list(_with_authors(Post.objects.filter(pk__in=state.pending_post_ids, author=viewer)).order_by("pk"))


def marked_helpful(member, post: Post) -> bool:
    """Whether `member` has marked `post` helpful: the one fact of theirs a post's actions page shows."""
    return HelpfulVote.objects.filter(voter=member, post=post).exists()


def _list_base(viewer, filter_name: str) -> QuerySet[Thread]:
    threads = Thread.objects.select_related("category", "author").prefetch_related("tags")
    if filter_name == "mine":
        threads = permissions.own_threads(viewer, threads)
    else:
        threads = permissions.visible_threads(viewer, threads)
    return _as_every_reader_sees(threads.defer(*account_selectors.unshown_fields("author__")))


def _as_every_reader_sees(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """Who wrote the last reply every reader can see, and when: `last_reply_by` and `last_reply_at`;
    and `answered`, whether its accepted answer is one every reader can see.

    Lists are shared between readers, so they go by public posts only; the
    thread's own last_poster may be someone whose reply was since hidden or removed.
    """
    replies = permissions.visible_posts(
        None, Post.objects.filter(thread=OuterRef("pk"), level__gt=0, is_deleted=False)
    )
    last = replies.order_by("-created_at", "-pk")
    name = Coalesce(NullIf(F("author__display_name"), Value("")), F("author__username"))
    return threads.annotate(
        last_reply_at=Subquery(last.values("created_at")[:1]),
        last_reply_by=Subquery(last.annotate(name=name).values("name")[:1]),
        answered=public_answer(),
    )


def public_answer() -> Exists:
    """Whether a thread's accepted answer is one every reader may see: what "Answered" and "solved" mean
    on pages shared between readers, so a held or hidden answer never shows there as an answer."""
    return Exists(
        permissions.visible_posts(None, Post.objects.filter(pk=OuterRef("accepted_answer_id"), is_deleted=False))
    )


def solved_threads(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """Threads with an answer every reader may see, and problems marked solved."""
    return threads.annotate(answered=public_answer()).filter(
        Q(answered=True) | Q(problem_status=Thread.ProblemStatus.SOLVED)
    )


def thread_list(
    viewer,
    *,
    filter_name: str = "latest",
    category: Category | None = None,
    tag: Tag | None = None,
    kind: str | None = None,
) -> QuerySet[Thread]:
    threads = _list_base(viewer, filter_name)
    ordering = ["-last_activity_at"]
    if category is not None:
        threads = threads.filter(category_id__in=category_and_children(category))
        ordering = ["-is_pinned", "-last_activity_at"]
    if tag is not None:
        threads = threads.filter(tags=tag)
    if kind in Thread.Kind.values:
        threads = threads.filter(kind=kind)
    if filter_name == "unanswered":
        threads = threads.filter(kind=Thread.Kind.QUESTION, reply_count=0, state=Thread.State.OPEN)
        ordering = ["created_at"]
    elif filter_name == "solved":
        threads = threads.filter(Q(answered=True) | Q(problem_status=Thread.ProblemStatus.SOLVED))
    elif filter_name == "ideas":
        threads = threads.filter(kind=Thread.Kind.IDEA)
        ordering = ["-vote_count", "-created_at"]
    elif filter_name == "problems":
        threads = threads.filter(kind=Thread.Kind.PROBLEM)
        ordering = ["-me_too_count", "-created_at"]
    elif filter_name == "following":
        following = Subscription.objects.filter(user=viewer).exclude(level=Subscription.Level.MUTED)
        threads = (
            threads.filter(pk__in=following.values("thread_id")) if permissions.is_member(viewer) else threads.none()
        )
    return threads.order_by(*ordering, "-pk")


def paginate(queryset, page_number, per_page: int = THREADS_PER_PAGE):
    return Paginator(queryset, per_page).get_page(page_number)


def _category_page(member: bool) -> PreparedValues:
    def build(slug, *member_id):
        following = (
            Exists(
                Subscription.objects.filter(user_id=member_id[0], category=OuterRef("pk")).exclude(
                    level=Subscription.Level.MUTED
                )
            )
            if member
            else Value(False)
        )
        categories = Category.objects.filter(slug=slug).order_by().annotate(following=following)
        return categories.values(*_fields(Category), *_fields(Category, "parent__"), "following")

    return PreparedValues(build, arity=2 if member else 1)


# A category page's category, its parent and whether the member follows it: one read, compiled once.
_CATEGORY_PAGE = {member: _category_page(member) for member in (False, True)}
_read_page_category = _reader("", _fields(Category))
_read_page_parent = _reader("parent__", _fields(Category))


def category_for_page(viewer, slug: str) -> Category | None:
    """The category with its parent and, as `following`, whether the member follows it: one query."""
    member = permissions.is_member(viewer)
    rows = _CATEGORY_PAGE[member](slug, viewer.pk) if member else _CATEGORY_PAGE[member](slug)
    if not rows:
        return None
    row = rows[0]
    category = caching.rebuilt(Category, _read_page_category(row))
    parent = _read_page_parent(row)
    category.parent = caching.rebuilt(Category, parent) if parent["id"] is not None else None
    category.following = row["following"]  # type: ignore[attr-defined]
    return category


def mention_candidates(prefix: str, limit: int = 8):
    from accounts.selectors import active_users

    prefix = prefix.strip().lstrip("@")
    if not prefix:
        return []
    return list(
        active_users()
        .filter(username__istartswith=prefix)
        .order_by("username")
        .values("username", "display_name")[:limit]
    )


@dataclass
class Edit:
    number: int
    edited_by: object
    created_at: object
    lines: list[tuple[str, str]]
    old_title: str = ""
    new_title: str = ""


def line_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(added, removed or same, line) for each line from `before` to `after`; templates escape the text."""
    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        marker, text = line[:2], line[2:]
        if marker != "? ":
            lines.append(({"+ ": "added", "- ": "removed"}.get(marker, "same"), text))
    return lines


def revision_diffs(post: Post) -> list[Edit]:
    """Each edit as a line diff, newest first. A revision keeps the text from before its edit."""
    revisions = list(post.revisions.select_related("edited_by").order_by("number"))
    if not revisions:
        return []
    later_bodies = [r.body for r in revisions[1:]] + [post.body]
    later_titles = [r.title for r in revisions[1:]] + [post.thread.title]
    edits = []
    for revision, after, after_title in zip(revisions, later_bodies, later_titles, strict=True):
        lines = line_diff(revision.body, after)
        title_changed = post.is_opening and revision.title and revision.title != after_title
        edits.append(
            Edit(
                number=revision.number,
                edited_by=revision.edited_by,
                created_at=revision.created_at,
                lines=lines,
                old_title=revision.title if title_changed else "",
                new_title=after_title if title_changed else "",
            )
        )
    return edits[::-1]
