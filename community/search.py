"""Finding threads: PostgreSQL full-text search, with a simpler fallback on SQLite.

Each post stores a search vector (the opening post's includes the thread title
at weight A), kept current by the services that write posts and covered by a
GIN index. Queries use websearch_to_tsquery, expanded with the staff-maintained
synonym list, because customers don't call things by the product's own names.

Snippets are cut from the plain text a reader sees (the body without its
Markdown), never from stored HTML, and every word that matched is marked in
them and in the title: ts_headline does it on PostgreSQL, `fallback_snippet`
on SQLite.
"""

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts import selectors as account_selectors
from community import permissions
from community.models import Post, Review, Synonym, Thread
from community.selectors import category_and_children, public_answer, solved_threads

CONFIG = "english"
CANDIDATES = 300
RESULTS_PER_PAGE = 20
MAX_QUERY_LENGTH = 200
SNIPPET_LENGTH = 220
SNIPPET_FRAGMENTS = 2
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
    for negated, whole, phrase in _TERM.findall(query[:MAX_QUERY_LENGTH]):
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


def ts_query(terms: list[Term], groups):
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
    title: SafeString
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


def unmarked(text: str) -> str:
    """User text without our marker characters, so only the search itself can put a <mark> in a snippet."""
    return text.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")


def mark_words(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda found: f"{MARK_OPEN}{found.group(0)}{MARK_CLOSE}", text)


def words_pattern(alternatives: list[list[str]]) -> re.Pattern:
    """Any of the words, longest first, so a word is marked whole rather than a shorter one inside it."""
    words = sorted({word for words in alternatives for word in words}, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


def fallback_snippet(text: str, alternatives: list[list[str]]) -> str:
    """About SNIPPET_LENGTH characters of `text` showing where each term first appears, every match marked.

    `alternatives` holds, for each term, the words that match it (synonyms
    included). When the terms sit too far apart for one window, the snippet is
    made of up to SNIPPET_FRAGMENTS shorter ones, as ts_headline's are.
    """
    pattern = words_pattern(alternatives)
    term_of = {word.lower(): n for n, words in enumerate(alternatives) for word in words}
    firsts, seen = [], set()
    for found in pattern.finditer(text):
        term = term_of.get(found.group(0).lower(), found.group(0).lower())
        if term not in seen:
            seen.add(term)
            firsts.append(found)
    spans = _windows(text, firsts, SNIPPET_LENGTH)
    if len(spans) > 1:
        spans = _windows(text, firsts, SNIPPET_LENGTH // SNIPPET_FRAGMENTS)[:SNIPPET_FRAGMENTS]
    pieces = " … ".join(mark_words(text[start:end], pattern) for start, end in spans)
    return ("…" if spans[0][0] > 0 else "") + pieces + ("…" if spans[-1][1] < len(text) else "")


def _windows(text: str, anchors: list[re.Match], length: int) -> list[tuple[int, int]]:
    """Windows of about `length` characters around the anchors, merged where they meet, cut between words."""
    windows: list[list[int]] = []
    for found in anchors:
        if windows and found.start() < windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], min(found.end() + length // 3, len(text)))
            windows[-1][3] = max(windows[-1][3], found.end())
            continue
        start = max(found.start() - length // 3, windows[-1][1] if windows else 0)
        windows.append([start, min(start + length, len(text)), found.start(), found.end()])
    if not windows:
        windows = [[0, min(length, len(text)), 0, 0]]
    spans = []
    for start, end, first, last in windows:
        if start > 0 and (space := text.find(" ", start, first)) != -1:
            start = space + 1
        if end < len(text) and (space := text.rfind(" ", last, end)) != -1:
            end = space
        spans.append((start, end))
    return spans


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
    threads = (
        Thread.objects.select_related("category", "author")
        .defer(*account_selectors.unshown_fields("author__"))
        .prefetch_related("tags")
        .annotate(answered=public_answer())
    )
    by_id, titles, snippets = _marked(threads, chosen, terms, groups)
    hits = [
        Hit(
            thread=by_id[thread_id],
            post_id=post_id,
            title=highlight(titles[thread_id]),
            snippet=highlight(snippets.get(post_id, "")),
            rank=rank,
        )
        for thread_id, (post_id, rank) in chosen
    ]
    return hits, has_next


def _marked(threads, chosen, terms, groups) -> tuple[dict[int, Thread], dict[int, str], dict[int, str]]:
    """The chosen threads, their titles and their posts' snippets, with our markers around every match."""
    thread_ids = [thread_id for thread_id, _ in chosen]
    bodies = _plain_bodies([post_id for _, (post_id, _) in chosen])
    if is_full_text():
        query = ts_query(terms, groups)
        title = Replace(Replace(F("title"), Value(MARK_OPEN)), Value(MARK_CLOSE))
        by_id = threads.annotate(marked_title=headline(title, query, highlight_all=True)).in_bulk(thread_ids)
        return by_id, {pk: t.marked_title for pk, t in by_id.items()}, _pg_snippets(bodies, query)
    alternatives = [expand(term, groups) for term in terms if not term.negated]
    pattern = words_pattern(alternatives)
    by_id = threads.in_bulk(thread_ids)
    titles = {pk: mark_words(unmarked(thread.title), pattern) for pk, thread in by_id.items()}
    return by_id, titles, {pk: fallback_snippet(text, alternatives) for pk, text in bodies.items() if text}


def _pg_candidates(posts, terms, groups):
    from django.contrib.postgres.search import SearchRank

    query = ts_query(terms, groups)
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


def _plain_bodies(post_ids: list[int]) -> dict[int, str]:
    """Each post's text as a reader sees it (kept at write time): Markdown syntax would read as noise in a snippet."""
    rows = Post.objects.filter(pk__in=post_ids).values_list("pk", "body_text")
    return {pk: unmarked(text) for pk, text in rows}


def headline(expression, query, **options):
    from django.contrib.postgres.search import SearchHeadline

    return SearchHeadline(expression, query, config=CONFIG, start_sel=MARK_OPEN, stop_sel=MARK_CLOSE, **options)


def snippet_headline(text, query):
    """ts_headline's snippet of `text`, in fragments as long as the fallback's."""
    return headline(text, query, max_words=35, min_words=15, max_fragments=SNIPPET_FRAGMENTS, fragment_delimiter=" … ")


def _pg_snippets(bodies: dict[int, str], query) -> dict[int, str]:
    """ts_headline over the plain text (sent with the query, as it is not stored), in one statement."""
    if not bodies:
        return {}
    text = Case(*(When(pk=pk, then=Value(body)) for pk, body in bodies.items()), output_field=TextField())
    snippets = Post.objects.filter(pk__in=bodies).annotate(headline=snippet_headline(text, query))
    return dict(snippets.values_list("pk", "headline"))


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
