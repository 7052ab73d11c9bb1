"""User Markdown in, sanitised HTML out: the one place this happens.

markdown-it-py turns Markdown into HTML with raw HTML off, mentions become
links, and nh3 then cleans the result against an explicit allow-list. nh3 runs
last and trusts nothing the renderer produced, so a renderer bug or a future
plugin cannot widen what reaches the page.
"""

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import escape
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from accounts.models import User


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: tuple[str, ...]
    unknown_mentions: tuple[str, ...]
    mention_ids: tuple[int, ...] = ()
    # The words a reader sees (`plain_text`), from the same parse: stored beside the HTML for snippets.
    text: str = ""


# --- Sanitiser ----------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip

# No `style` anywhere: markdown-it puts `style="text-align"` on aligned table
# cells, but the CSP forbids inline styles, so keeping it would buy nothing and
# widen what the sanitiser has to reason about.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]+")
_ALLOWED_CLASSES = {"a": lambda c: c == "mention", "code": _LANGUAGE_CLASS.fullmatch}


def _is_media_url(url: str) -> bool:
    """Whether an image source is a path inside our own uploaded media.

    Images are kept only from there. The CSP's img-src is 'self' data:, so an
    external image would not load anyway; an <img> also fetches without a click,
    so a foreign src would leak readers' IPs to whoever posted it, and a local
    one outside /media/ could fire a same-origin GET. Browsers resolve `..`
    (even percent-encoded) and treat `\\` as `/` before fetching, so both are
    refused. Should MEDIA_URL move to another host, images fall back to links.
    """
    media = settings.MEDIA_URL
    if not media.startswith("/") or media.startswith("//") or not url.startswith(media) or "\\" in url:
        return False
    path = unquote(urlsplit(url).path)
    return "\\" not in path and ".." not in path.split("/")


# Browsers ignore some of these inside a URL and older ones ignored all of them,
# so "java&#1;script:" could read as javascript: while nh3 saw a relative path.
# No real link needs them.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src") and _CONTROL_CHARS.search(value):
        return None
    if attribute == "class":
        kept = [name for name in value.split() if _ALLOWED_CLASSES.get(tag, lambda _: False)(name)]
        return " ".join(kept) or None
    if tag == "img" and attribute == "src":
        return value if _is_media_url(value) else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    link_rel=LINK_REL,
    url_schemes=set(URL_SCHEMES),
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Clean HTML against the allow-list; the last step of render_markdown."""
    return _cleaner.clean(html)


# --- Mentions -------------------------------------------------------------------

_MENTION = re.compile(r"@([A-Za-z0-9_-]{3,30})(?![A-Za-z0-9_-])")
# A name glued to the character before it is part of something else: an email
# (a@b.com), a path (/@maria) or a longer word. Any other punctuation, such as
# "(@maria)" or "cc:@maria", still starts a mention.
_NOT_BEFORE_MENTION = frozenset("_-./@+")


def _mention_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or state.linkLevel > 0:
        return False
    if pos > 0:
        before = state.src[pos - 1]
        if before.isalnum() or before in _NOT_BEFORE_MENTION:
            return False
    match = _MENTION.match(state.src, pos, state.posMax)
    if not match:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(0)
        token.meta = {"name": match.group(1)}
    state.pos = match.end()
    return True


def _mention_tokens(tokens: list[Token]):
    """Yield the mention tokens a reader will see as text, in document order.

    Image alt text is attribute text, never a link, so mentions parsed inside an
    image label are turned back into plain text rather than reported.
    """
    for token in tokens:
        if token.type == "mention":
            yield token
        elif token.type == "image":
            for child in token.children or []:
                if child.type == "mention":
                    child.type = "text"
        elif token.children:
            yield from _mention_tokens(token.children)


def _resolve_mentions(names: list[str]) -> dict[str, tuple[str, int]]:
    """Map each lowercased candidate to the stored username and id, in one query."""
    if not names:
        return {}
    rows = (
        User.objects.annotate(username_lower=Lower("username"))
        .filter(is_active=True, username_lower__in=names)
        .values_list("username", "pk")
    )
    return {username.lower(): (username, pk) for username, pk in rows}


def _render_mention(self, tokens, idx, options, env):
    token = tokens[idx]
    found = env.get("mentions", {}).get(token.meta["name"].lower())
    if found is None:
        return escape(token.content)
    username = found[0]
    href = reverse("recognition:profile", kwargs={"username": username})
    return f'<a class="mention" href="{escape(href)}">@{escape(username)}</a>'


# --- Markdown -------------------------------------------------------------------


def _link_depth(tokens: list[Token]) -> int:
    return sum(t.nesting for t in tokens if t.type in ("link_open", "link_close"))


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False}).enable(
        ["linkify", "table", "strikethrough"]
    )
    md.inline.ruler.before("linkify", "mention", _mention_rule)
    default_image = md.renderer.rules["image"]

    def render_image(self, tokens, idx, options, env):
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        if _is_media_url(src):
            return default_image(tokens, idx, options, env)
        alt = self.renderInlineAsText(token.children, options, env) or src
        # A link cannot hold another link, so inside one the alt text is enough.
        if _link_depth(tokens[:idx]) > 0:
            return escape(alt)
        # Anything else stays reachable as a link, which needs a click, so the
        # reader's browser fetches nothing from it on page load.
        title = token.attrGet("title")
        title_attr = f' title="{escape(title)}"' if title else ""
        return f'<a href="{escape(src)}"{title_attr}>{escape(alt)}</a>'

    md.add_render_rule("image", render_image)
    md.add_render_rule("mention", _render_mention)
    return md


_md = _build_markdown()


# --- Public API ----------------------------------------------------------------


def render_markdown(text: str) -> Rendered:
    """Render user Markdown to sanitised HTML, resolving @mentions in one query."""
    env: dict = {}
    tokens = _md.parse(text, env)

    seen: dict[str, None] = {}
    for token in _mention_tokens(tokens):
        seen.setdefault(token.meta["name"].lower(), None)
    candidates = list(seen)
    resolved = _resolve_mentions(candidates)
    env["mentions"] = resolved

    html = sanitize_html(_md.renderer.render(tokens, _md.options, env))
    return Rendered(
        html=html,
        text=_joined(_plain_text(tokens)),
        mentions=tuple(resolved[name][0] for name in candidates if name in resolved),
        unknown_mentions=tuple(name for name in candidates if name not in resolved),
        mention_ids=tuple(resolved[name][1] for name in candidates if name in resolved),
    )


def render_plain(text: str) -> str:
    """Escape one-line user text (titles, snippets) so every surface names its treatment."""
    return escape(text)


def _plain_text(tokens: list[Token]) -> list[str]:
    parts: list[str] = []
    for token in tokens:
        if token.children:
            parts.extend(_plain_text(token.children))
        elif token.type in ("text", "code_inline", "mention"):
            parts.append(token.content)
        elif token.type in ("fence", "code_block"):
            parts.append(f" {token.content} ")
        elif token.type in ("softbreak", "hardbreak") or token.block:
            # Block boundaries separate words that sit on different lines.
            parts.append(" ")
    return parts


def _joined(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


def plain_text(text: str) -> str:
    """The words a reader sees in Markdown, on one line, without its syntax; templates must still escape it."""
    return _joined(_plain_text(_md.parse(text)))


def excerpt(text: str, length: int = 200) -> str:
    """Plain text of Markdown, at most `length` characters; templates must still escape it."""
    plain = plain_text(text)
    if len(plain) <= length:
        return plain
    cut = plain[: length - 1]
    # Back up to the last whole word unless the cut already falls between words.
    if plain[length - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .,;:!?-") + "…"
