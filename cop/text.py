"""The one text pipeline every post goes through: Markdown -> HTML, within an allowlist.

`check_body` validates the Markdown source (required, at most BODY_MAX characters);
`render_markdown` turns it into HTML that is safe to insert into a page as is.

1. markdown-it-py, CommonMark plus tables and strikethrough, with raw HTML off: `<script>`
   in the source comes out as escaped text, and markdown-it already refuses
   javascript:/vbscript:/file:/data: link targets. Markdown images are switched off
   (images will come as attachments), so `![alt](url)` renders as `!` and a plain link.
2. The allowlist, applied to markdown-it's tokens (_sanitize, _fence). With raw HTML off
   markdown-it writes no tag outside it, only attributes to remove:

   tags        p br hr h1-h6 strong em del s code pre blockquote ul ol li a
               table thead tbody tr th td
   attributes  a[href title rel]; ol[start] (digits, as markdown-it writes it);
               code[class] (only `language-[a-z0-9+-]+`, from fenced code info strings)
   protocols   http https mailto, or a relative URL (`/spaces/1`, `#anchor`)

   No style attributes: markdown-it puts table column alignment in `style`, so it is lost.
   An href whose scheme is not allowed even after HTML entities and %-escapes are decoded
   and whitespace/control characters removed is dropped as well.
3. Every link gets rel="nofollow noopener ugc" (never target=_blank).

Until 2026-12 a bleach.Cleaner re-parsed markdown-it's HTML for step 2: the output is the
same (tests/unit/test_text_equivalence.py), at a fraction of the cost (docs/benchmarks.md).
render_markdown does not need an app context. See docs/text-pipeline.md.
"""

import re
from html import unescape
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore

from cop import cpu, inputs

BODY_MAX = 20_000
# What @mentions match (usernames, cop.accounts.models.USERNAME_MAX long at most): Latin
# letters, digits, dot, dash and underscore, as in Discourse.
USERNAME_PATTERN = r"[a-z0-9](?:[a-z0-9_.-]{0,28}[a-z0-9_])"

ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"

_CODE_CLASS = re.compile(r"language-[a-z0-9+-]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")


def _scheme_allowed(url: str) -> bool:
    """False when the URL, decoded every way a reader might, names a scheme not allowed."""
    decoded = _INVISIBLE.sub("", unquote(unescape(url)))
    match = _SCHEME.match(decoded)
    return match is None or match.group(1).lower() in ALLOWED_PROTOCOLS


_FENCE_CLASS = re.compile(r'<pre><code class="([^"]*)">')


def _fence(renderer, tokens, idx, options, env) -> str:
    """markdown-it's fenced block, without its class unless the allowlist keeps it."""
    html = RendererHTML.fence(renderer, tokens, idx, options, env)
    match = _FENCE_CLASS.match(html)
    if match is None or _CODE_CLASS.fullmatch(match.group(1)):
        return html
    return "<pre><code>" + html[match.end() :]


def _sanitize(state: StateCore) -> None:
    """The allowlist, applied to markdown-it's tokens before they are rendered.

    With raw HTML off, markdown-it writes only tags of the allowlist, and escapes all text;
    what it may write outside the allowlist is attributes: an href of any scheme, th/td
    alignment styles (and code classes, which _fence drops). Those are dropped here, and
    every link gets LINK_REL. tests/unit/test_text_equivalence.py checks that the HTML is the
    same as that of the bleach allowlist this replaces."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            token.attrs.pop("style", None)
        elif token.type == "inline":
            for child in token.children or ():
                if child.type == "link_open":
                    href = child.attrs.get("href")
                    if href is not None and not _scheme_allowed(escapeHtml(str(href))):
                        del child.attrs["href"]
                    child.attrs["rel"] = LINK_REL


# xhtmlOut off: HTML5's void tags (`<br>`, `<hr>`), as the stored bodies have them.
_markdown = (
    MarkdownIt(
        "commonmark", {"html": False, "xhtmlOut": False, "linkify": False, "typographer": False}
    )
    .enable("table")
    .enable("strikethrough")
    .disable("image")
)
_markdown.core.ruler.push("sanitize", _sanitize)
_markdown.add_render_rule("fence", _fence)


def check_body(source: str, field: str = "body") -> str:
    """The clean Markdown source (see cop.inputs.clean_body), or Invalid when it has no
    visible character, a control character or more than BODY_MAX characters."""
    return inputs.check_body(source, field, BODY_MAX)


def render_markdown(source: str) -> str:
    """Sanitized HTML for Markdown source (pass it through check_body first); in a server,
    rendered in a cop.cpu worker process, off the event loop."""
    return cpu.run(_render, source)


def _render(source: str) -> str:
    return _markdown.render(source)


_MENTION = re.compile(rf"(?<![\w@.+-])@({USERNAME_PATTERN})(?![\w-])", re.IGNORECASE)


def find_mentions(source: str) -> set[str]:
    """The usernames @mentioned in Markdown source, lower-cased; mentions inside code or
    quotes (someone else's words) don't count. In a server, parsed in a cop.cpu worker."""
    return cpu.run(_find_mentions, source)


def _find_mentions(source: str) -> set[str]:
    names, quoted = set(), 0
    for token in _markdown.parse(source):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "inline" and not quoted:
            for child in token.children or ():
                if child.type == "text":
                    names.update(m.lower() for m in _MENTION.findall(child.content))
    return names
