"""Finding threads: PostgreSQL full-text search, with a simpler fallback on SQLite.

Each post stores a search vector (the opening post's includes the thread title
at weight A), kept current by the services that write posts and covered by a
GIN index. Queries use websearch_to_tsquery, expanded with the staff-maintained
synonym list, because customers don't call things by the product's own names.
"""

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Q, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts import selectors as account_selectors
from community import permissions
from community.models import Post, Review, Synonym, Thread
from community.selectors import category_and_children, public_answer, solved_threads

CONFIG = "english"
CANDIDATES = 300
RESULTS_PER_PAGE = 20
SIMILAR_RELATIVE_RANK = 0.5
# Words too common in titles to suggest similarity (PostgreSQL drops its own stop words too).
FILLER_WORDS = frozenset(
    {
        "the", "and", "for", "with", "what", "when", "where", "which", "while", "how", "why", "who", "does",
        "can", "cannot", "will", "not", "any", "anyone", "anybody", "there", "this", "that", "from", "into",
        "have", "has", "had", "after", "before", "about", "our", "your", "doesn", "won", "isn", "don",
    }
)  # fmt: skip
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_TERM = re.compile(r'(-?)("([^"]+)"|\S+)')


def is_full_text() -> bool:
    return connection.vendor == "postgresql"


# Indexing --------------------------------------------------------------------


def _vector(title_expression=None):
    from django.contrib.postgres.search import SearchVector

    body = SearchVector("body", weight="B", config=CONFIG)
    return SearchVector(title_expression, weight="A", config=CONFIG) + body if title_expression else body


def index_post(post: Post, title: str | None = None) -> None:
    """Refresh one post's stored vector; call inside the writing transaction."""
    if not is_full_text():
        return
    vector = _vector(Value(title)) if post.parent_id is None and title else _vector()
    Post.objects.filter(pk=post.pk).update(search_vector=vector)


def reindex_all() -> int:
    """Rebuild every vector in two statements (used by `reindex_search` and the benchmark seed)."""
    if not is_full_text():
        return 0
    from django.db.models import OuterRef, Subquery

    title = Subquery(Thread.objects.filter(pk=OuterRef("thread_id")).values("title")[:1])
    openers = Post.objects.filter(parent__isnull=True).update(search_vector=_vector(title))
    return openers + Post.objects.filter(parent__isnull=False).update(search_vector=_vector())


# Queries ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool
    phrase: bool


def parse(query: str) -> list[Term]:
    terms = []
    for negated, whole, phrase in _TERM.findall(query[:200]):
        text = (phrase or whole).strip().strip('"')
        if text:
            terms.append(Term(text=text, negated=bool(negated), phrase=bool(phrase)))
    return terms[:12]


SYNONYMS_KEY = "community:synonym-groups"


def synonym_groups() -> list[list[str]]:
    """The staff's synonym list, cached until an edit (see community.apps)."""
    groups = cache.get(SYNONYMS_KEY)
    if groups is None:
        groups = [synonym.words for synonym in Synonym.objects.all()]
        cache.set(SYNONYMS_KEY, groups, None)
    return groups


def forget_synonyms(**kwargs) -> None:
    cache.delete(SYNONYMS_KEY)


def expand(term: Term, groups: list[list[str]]) -> list[str]:
    """The term and, if it belongs to a synonym group, every other word of that group."""
    if term.negated:
        return [term.text]
    lowered = term.text.lower()
    for group in groups:
        if lowered in group:
            return [lowered, *(word for word in group if word != lowered)]
    return [term.text]


def _ts_query(terms: list[Term], groups):
    from django.contrib.postgres.search import SearchQuery

    combined = None
    for term in terms:
        alternatives = None
        for text in expand(term, groups):
            text = f'"{text}"' if (" " in text or term.phrase) else text
            piece = SearchQuery(text, search_type="websearch", config=CONFIG)
            alternatives = piece if alternatives is None else alternatives | piece
        if term.negated:
            alternatives = ~alternatives
        combined = alternatives if combined is None else combined & alternatives
    return combined


@dataclass
class Hit:
    thread: Thread
    post_id: int
    snippet: SafeString
    rank: float


def _filtered_threads(viewer, *, category=None, kind=None, solved=None, tag=None):
    threads = permissions.visible_threads(viewer, Thread.objects.all())
    if category is not None:
        threads = threads.filter(category_id__in=category_and_children(category))
    if kind in Thread.Kind.values:
        threads = threads.filter(kind=kind)
    if solved is True:
        threads = solved_threads(threads)
    elif solved is False:
        threads = threads.exclude(pk__in=solved_threads(Thread.objects.all()).values("pk"))
    if tag is not None:
        threads = threads.filter(tags=tag)
    return threads


def highlight(text: str) -> SafeString:
    """Escape a snippet, turning only our own markers into <mark> elements."""
    out, open_ = [], False
    for piece in re.split(f"([{MARK_OPEN}{MARK_CLOSE}])", text):
        if piece == MARK_OPEN and not open_:
            out.append("<mark>")
            open_ = True
        elif piece == MARK_CLOSE and open_:
            out.append("</mark>")
            open_ = False
        elif piece not in (MARK_OPEN, MARK_CLOSE):
            out.append(escape(piece))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of user text above is escaped


def search(viewer, query: str, *, page: int = 1, **filters) -> tuple[list[Hit], bool]:
    """Threads matching `query`, best first, one hit per thread, and whether more pages exist."""
    terms = parse(query)
    if not any(not t.negated for t in terms):
        return [], False
    threads = _filtered_threads(viewer, **filters)
    posts = Post.objects.filter(is_deleted=False, review=Review.PUBLISHED, thread__in=threads)
    groups = synonym_groups()
    ranked = _pg_candidates(posts, terms, groups) if is_full_text() else _fallback_candidates(posts, terms, groups)
    best: dict[int, tuple[int, float]] = {}
    for post_id, thread_id, rank in ranked:
        if thread_id not in best:
            best[thread_id] = (post_id, rank)
    start = (max(page, 1) - 1) * RESULTS_PER_PAGE
    chosen = list(best.items())[start : start + RESULTS_PER_PAGE + 1]
    has_next = len(chosen) > RESULTS_PER_PAGE
    chosen = chosen[:RESULTS_PER_PAGE]
    snippets = _snippets([post_id for _, (post_id, _) in chosen], terms, groups)
    by_id = (
        Thread.objects.select_related("category", "author")
        .defer(*account_selectors.unshown_fields("author__"))
        .prefetch_related("tags")
        .annotate(answered=public_answer())
        .in_bulk([thread_id for thread_id, _ in chosen])
    )
    hits = [
        Hit(thread=by_id[thread_id], post_id=post_id, snippet=snippets.get(post_id, mark_safe("")), rank=rank)
        for thread_id, (post_id, rank) in chosen
    ]
    return hits, has_next


def _pg_candidates(posts, terms, groups):
    from django.contrib.postgres.search import SearchRank

    query = _ts_query(terms, groups)
    return (
        posts.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query, normalization=Value(1)))
        .order_by("-rank", "pk")
        .values_list("pk", "thread_id", "rank")[:CANDIDATES]
    )


def _fallback_candidates(posts, terms, groups):
    for term in terms:
        match = Q()
        for text in expand(term, groups):
            match |= Q(body__icontains=text) | Q(parent__isnull=True, thread__title__icontains=text)
        posts = posts.exclude(match) if term.negated else posts.filter(match)
    return [
        (pk, thread_id, 1.0)
        for pk, thread_id in posts.order_by("-thread__last_activity_at", "lft").values_list("pk", "thread_id")[
            :CANDIDATES
        ]
    ]


def _snippets(post_ids, terms, groups) -> dict[int, SafeString]:
    if not post_ids:
        return {}
    if is_full_text():
        from django.contrib.postgres.search import SearchHeadline

        rows = Post.objects.filter(pk__in=post_ids).annotate(
            headline=SearchHeadline(
                "body",
                _ts_query(terms, groups),
                config=CONFIG,
                start_sel=MARK_OPEN,
                stop_sel=MARK_CLOSE,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        return {pk: highlight(headline) for pk, headline in rows.values_list("pk", "headline")}
    words = [w for t in terms if not t.negated for w in expand(t, groups)]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    snippets = {}
    for pk, body in Post.objects.filter(pk__in=post_ids).values_list("pk", "body"):
        found = pattern.search(body)
        start = max((found.start() if found else 0) - 80, 0)
        window = body[start : start + 220]
        marked = pattern.sub(lambda m: f"{MARK_OPEN}{m.group(0)}{MARK_CLOSE}", window)
        snippets[pk] = highlight(("…" if start else "") + marked + ("…" if len(body) > start + 220 else ""))
    return snippets


def similar(viewer, title: str, limit: int = 5) -> list[Thread]:
    """Threads whose title and question resemble `title`, solved ones first."""
    words = [w for w in re.findall(r"\w+", title.lower()) if len(w) > 2 and w not in FILLER_WORDS][:10]
    if len(words) < 2:
        return []
    threads = permissions.visible_threads(viewer, Thread.objects.all())
    if is_full_text():
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(" or ".join(words), search_type="websearch", config=CONFIG)
        ranked = list(
            Post.objects.filter(parent__isnull=True, is_deleted=False, search_vector=query, thread__in=threads)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank")
            .values_list("thread_id", "rank")[:20]
        )
        if not ranked:
            return []
        # A word shared only with a thread's body is weak evidence next to a
        # shared title; keep the threads that rank near the best match.
        cutoff = ranked[0][1] * SIMILAR_RELATIVE_RANK
        order = {pk: i for i, (pk, rank) in enumerate(ranked) if rank >= cutoff}
        candidates = list(
            Thread.objects.select_related("category").annotate(answered=public_answer()).filter(pk__in=order)
        )
        candidates.sort(key=lambda t: (not _solved(t), order[t.pk]))
        return candidates[:limit]
    match = Q()
    for word in words:
        match |= Q(title__icontains=word)
    found = list(
        threads.select_related("category")
        .annotate(answered=public_answer())
        .filter(match)
        .order_by("-last_activity_at")[:20]
    )
    found.sort(key=lambda t: (not _solved(t), -sum(w in t.title.lower() for w in words)))
    return found[:limit]


def _solved(thread: Thread) -> bool:
    return thread.answered or thread.problem_status == Thread.ProblemStatus.SOLVED
