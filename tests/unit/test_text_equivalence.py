"""cop.text renders the same HTML as the markdown-it + bleach pipeline it replaced (bleach
is kept as a test dependency for this): posts rendered before and after look the same.

Compared on the sources a post can have: cop.inputs refuses control characters other
than tab and line feed (html5lib, under bleach, replaced them), and turns CR into LF."""

import re
import sys
import unicodedata
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import bleach
import pytest
from bleach.html5lib_shim import Filter
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cop.text import render_markdown
from tests.unit.test_text import MARKDOWNISH, XSS

sys.path.insert(0, str(Path(__file__).parents[2] / "bench" / "text"))
from render import CASES  # noqa: E402  (the bench's worst cases, from its folder)

REL = "nofollow noopener ugc"
TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6"),
    *("strong", "em", "del", "s", "code", "pre", "blockquote"),
    *("ul", "ol", "li", "a"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
ATTRIBUTES = {"a": ("href", "title", "rel"), "ol": ("start",), "code": ("class",)}
SCHEMES = {"http", "https", "mailto"}


def _scheme_allowed(url: str) -> bool:
    decoded = re.sub(r"[\x00-\x20\x7f-\xa0\s]+", "", unquote(unescape(url)))
    match = re.match(r"([a-z][a-z0-9+.-]*):", decoded, re.IGNORECASE)
    return match is None or match.group(1).lower() in SCHEMES


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ATTRIBUTES.get(tag, ()):
        return False
    if tag == "code":
        return re.fullmatch(r"language-[a-z0-9+-]+", value) is not None
    if tag == "ol":
        return re.fullmatch(r"[0-9]{1,9}", value) is not None
    if name == "href":
        return _scheme_allowed(value)
    return True


class _LinkRel(Filter):
    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                token["data"][(None, "rel")] = REL
            yield token


_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
    .disable("image")
)
_cleaner = bleach.Cleaner(
    tags=TAGS,
    attributes=_allow_attribute,
    protocols=SCHEMES,
    strip=False,
    strip_comments=True,
    filters=[_LinkRel],
)


def bleached(source: str) -> str:
    """What cop.text.render_markdown returned until it stopped using bleach."""
    return _cleaner.clean(_markdown.render(source))


FEATURES = [
    "# h1\n\n## h2\n\n###### h6\n\nSetext\n===\n\n***\n\n- - -",
    "*em* **strong** ~~del~~ `code` a  \nb\\\nc",
    "- a\n- b\n  - c\n\n3. x\n4. y\n\n0. zero\n\n123456789. big",
    "> q\n> > qq\n>\n> - l\n\n    indented code <b>\n\n```c++\nx\n```\n\n```C#\ny\n```",
    "| a | b |\n|:-|-:|\n| 1 | **2** |\n| [l](/x) | `c|d` |",
    '[a](http://x.example/?a=1&b=2 "t<&\'>") [b](ftp://x) [c](#top) [d](<a b>) [e](/p%20q)',
    '<http://x.example/"a> <mailto:a@b.c> <a@b.c> <ftp://x> <irc:x>',
    '[r1] [r2][]\n\n[r1]: /u "&lt;&#39;&quot;&copy;"\n[r2]: javascript&#58;x',
    "&copy; &amp; &#0; &#x1F600; &bogus; &quot; \" ' < > &",
    '```js" x\ncode\n```\n\n~~~ py3 extra\ncode\n~~~\n\n``` &amp;\nz\n```',
    "Громада’s «план» — ґанок\u00a0їжак \u200b \ufeff",
]


def postable(source: str) -> bool:
    """Whether cop.inputs lets this text through as it is."""
    return not any(
        char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs") for char in source
    )


SOURCES = [source for source in FEATURES + XSS if postable(source)]


def test_most_attacks_are_compared():
    assert len(SOURCES) >= len(FEATURES) + len(XSS) - 5


@pytest.mark.parametrize("source", SOURCES, ids=range(len(SOURCES)))
def test_features_and_attacks_render_as_before(source):
    assert render_markdown(source) == bleached(source)


@pytest.mark.parametrize("name", list(CASES))
def test_the_bench_worst_cases_render_as_before(name):
    source = CASES[name]()[:3000]
    assert render_markdown(source) == bleached(source)


@settings(max_examples=1000, deadline=None)
@given(MARKDOWNISH | st.text())
def test_any_source_renders_as_before(source):
    assume(postable(source))
    assert render_markdown(source) == bleached(source)
