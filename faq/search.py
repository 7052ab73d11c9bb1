"""Finding FAQ articles with the discussions' machinery: full text on PostgreSQL, a simpler match on SQLite.

An article's vector weighs its question (A) above its summary (B) and its
answer (C); `index_article` keeps it current and is called by whatever writes
an article, inside its transaction, as community's services call
`index_post`. Every query reads through `faq.permissions.visible_articles`,
so a draft or an internal article is never found by someone who may not read
it.
"""

import re
from dataclasses import dataclass

from django.db.models import Case, F, Q, TextField, Value, When
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from community import rendering, tallies
from community import search as community_search
from faq.models import Article
from faq.permissions import visible_articles

SITE_RESULTS = 3
ASK_SUGGESTIONS = 3
# Threads a search found, counted for the FAQ candidates' ranking (see faq.signal_tasks).
SEARCH_HITS = "faq-search-hits"


def _vector():
    from django.contrib.postgres.search import SearchVector

    config = community_search.CONFIG
    return (
        SearchVector("question", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )


def index_article(article: Article) -> None:
    """Refresh one article's stored vector; call inside the transaction that wrote it."""
    if community_search.is_full_text():
        Article.objects.filter(pk=article.pk).update(search_vector=_vector())


def reindex_articles() -> int:
    if not community_search.is_full_text():
        return 0
    return Article.objects.update(search_vector=_vector())


@dataclass
class ArticleHit:
    article: Article
    title: SafeString
    snippet: SafeString


def _plain(article: Article) -> str:
    return community_search.unmarked(article.summary or rendering.plain_text(article.body))


def search_articles(viewer, query: str, *, limit: int = SITE_RESULTS) -> list[ArticleHit]:
    """The articles `viewer` may read that match `query`, best first, with every matching word marked."""
    terms = community_search.parse(query)
    if not any(not term.negated for term in terms):
        return []
    groups = community_search.synonym_groups()
    articles = visible_articles(viewer).select_related("section")
    if community_search.is_full_text():
        return _pg_hits(articles, terms, groups, limit)
    alternatives = [community_search.expand(term, groups) for term in terms if not term.negated]
    for term in terms:
        match = Q()
        for text in community_search.expand(term, groups):
            match |= Q(question__icontains=text) | Q(summary__icontains=text) | Q(body__icontains=text)
        articles = articles.exclude(match) if term.negated else articles.filter(match)
    pattern = community_search.words_pattern(alternatives)
    return [
        ArticleHit(
            article=article,
            title=community_search.highlight(
                community_search.mark_words(community_search.unmarked(article.question), pattern)
            ),
            snippet=community_search.highlight(community_search.fallback_snippet(_plain(article), alternatives)),
        )
        for article in articles.order_by("-helpful_yes", "-updated_at")[:limit]
    ]


def _pg_hits(articles, terms, groups, limit: int) -> list[ArticleHit]:
    from django.contrib.postgres.search import SearchRank
    from django.db.models.functions import Replace

    query = community_search.ts_query(terms, groups)
    found = list(
        articles.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query, normalization=Value(1)))
        .order_by("-rank", "pk")[:limit]
    )
    if not found:
        return []
    plain = {article.pk: _plain(article) for article in found}
    text = Case(*(When(pk=pk, then=Value(body)) for pk, body in plain.items()), output_field=TextField())
    title = Replace(Replace(F("question"), Value(community_search.MARK_OPEN)), Value(community_search.MARK_CLOSE))
    marked = {
        pk: (question, snippet)
        for pk, question, snippet in Article.objects.filter(pk__in=plain)
        .annotate(
            marked_question=community_search.headline(title, query, highlight_all=True),
            snippet=community_search.snippet_headline(text, query),
        )
        .values_list("pk", "marked_question", "snippet")
    }
    return [
        ArticleHit(
            article=article,
            title=community_search.highlight(marked[article.pk][0]),
            snippet=community_search.highlight(marked[article.pk][1]),
        )
        for article in found
    ]


def site_search_results(*, viewer, query: str, page: int, thread_ids: list[int]) -> str:
    """Site search's slot above the threads (settings.COMMUNITY_SEARCH_PROVIDERS).

    The threads found are counted here, once per rendering of a results page:
    a page served again from the cache doesn't count again, so repeating one
    search doesn't push a thread up the FAQ candidates.
    """
    for thread_id in thread_ids:
        tallies.count_soon(SEARCH_HITS, thread_id)
    if page > 1:
        return ""
    hits = search_articles(viewer, query)
    return render_to_string("faq/partials/search_articles.html", {"hits": hits}) if hits else ""


TITLE_WORDS = re.compile(r"\w+")


def similar_articles(viewer, title: str, *, limit: int = ASK_SUGGESTIONS) -> list[Article]:
    """Published articles the viewer may read whose question resembles a title being typed."""
    words = [
        word
        for word in TITLE_WORDS.findall(title.lower())
        if len(word) > 2 and word not in community_search.FILLER_WORDS
    ][:10]
    if len(words) < 2:
        return []
    articles = visible_articles(viewer).select_related("section")
    if community_search.is_full_text():
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(" or ".join(words), search_type="websearch", config=community_search.CONFIG)
        ranked = list(
            articles.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "pk")[: limit * 2]
        )
        if not ranked:
            return []
        cutoff = ranked[0].rank * community_search.SIMILAR_RELATIVE_RANK
        close: list[Article] = [article for article in ranked if article.rank >= cutoff]
        return close[:limit]
    match = Q()
    for word in words:
        match |= Q(question__icontains=word)
    found = list(articles.filter(match)[:20])
    found.sort(key=lambda a: (-sum(word in a.question.lower() for word in words), -a.helpful_yes))
    return found[:limit]
