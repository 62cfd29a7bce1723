"""The one text pipeline every post goes through: Markdown -> HTML -> bleach allowlist.

`check_body` validates the Markdown source (required, at most BODY_MAX characters and
MARKS_MAX formatting marks); `render_markdown` turns it into HTML that is safe to insert
into a page as is.

1. markdown-it-py, CommonMark plus tables and strikethrough, with raw HTML off: `<script>`
   in the source comes out as escaped text, and markdown-it already refuses
   javascript:/vbscript:/file:/data: link targets. A Markdown image is not loaded from
   another site (pictures come as attachments): `![alt](url)` renders as a link to it,
   `<a class="image-link">`, labelled by its alt text (or its URL), which the stylesheet
   marks with a picture icon.
2. bleach.Cleaner, the second line, with this allowlist (nothing else survives;
   disallowed tags are escaped, comments dropped):

   tags        p br hr h1-h6 strong em del s code pre blockquote ul ol li a
               table thead tbody tr th td
   attributes  a[href title rel], a[class] (only `image-link`); ol[start] (digits only);
               code[class] (only `language-[a-z0-9+-]+`, from fenced code info strings)
   protocols   http https mailto, or a relative URL (`/spaces/1`, `#anchor`)

   No style attributes: markdown-it puts table column alignment in `style`, so it is lost.
   An href whose scheme is not allowed even after HTML entities and %-escapes are decoded
   and whitespace/control characters removed is dropped as well.
3. Every link gets rel="nofollow noopener ugc" (never target=_blank).
4. `@username` becomes a link to the person's profile when the caller passes it in
   `profiles` (people who do not exist stay plain text); never inside links or code.

render_markdown does not need an app context. See docs/text-pipeline.md.
"""

import re
import threading
from html import escape, unescape
from urllib.parse import unquote

import bleach
from bleach.html5lib_shim import Filter
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline, link
from markupsafe import Markup

from cop import cpu, inputs
from cop.errors import Invalid

BODY_MAX = 20_000
# What a render costs grows with the markup, not the letters: markdown-it's rules and
# bleach's html5lib pass cost far more per tag, entity or line than per plain character,
# and bleach's tree walker is quadratic in sibling elements. So a text also has at most
# MARKS_MAX of the characters that make tags or entities, and line breaks; with both caps
# the costliest text renders in well under 100 ms (docs/benchmarks.md, "Rendering").
MARKS_MAX = 1_600
MARKS = '[]*_~<>|`&"#\\\n'
# What the API's OpenAPI document says of every Markdown field.
BODY_RULE = (
    f"Markdown, at most {BODY_MAX} characters and {MARKS_MAX} formatting marks "
    "(docs/text-pipeline.md)"
)
# What costs more still counts two marks more: a list item, a link's target, an autolink,
# a hard line break (two spaces before the break); and a table's `|` one more (bleach's
# tree walker is quadratic in a table's rows).
_COSTLY = re.compile(
    r"^[ \t]*(?:[-+*]|[0-9]{1,9}[.)])(?=[ \t\n])|\]\(|<[a-z][a-z0-9+.-]{1,31}:", re.I | re.M
)
# What @mentions match (usernames, cop.accounts.models.USERNAME_MAX long at most): Latin
# letters, digits, dot, dash and underscore, as in Discourse.
USERNAME_PATTERN = r"[a-z0-9](?:[a-z0-9_.-]{0,28}[a-z0-9_])"

ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("strong", "em", "del", "s", "code", "pre", "blockquote"),
        *("ul", "ol", "li", "a"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ("href", "title", "rel", "class"),
    "ol": ("start",),
    "code": ("class",),
}
IMAGE_LINK = "image-link"
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"

_CODE_CLASS = re.compile(r"language-[a-z0-9+-]+")
_START = re.compile(r"[0-9]{1,9}")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")


def _scheme_allowed(url: str) -> bool:
    """False when the URL, decoded every way a reader might, names a scheme not allowed."""
    decoded = _INVISIBLE.sub("", unquote(unescape(url)))
    match = _SCHEME.match(decoded)
    return match is None or match.group(1).lower() in ALLOWED_PROTOCOLS


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if tag == "code":
        return _CODE_CLASS.fullmatch(value) is not None
    if name == "class":
        return value == IMAGE_LINK
    if tag == "ol":
        return _START.fullmatch(value) is not None
    if name == "href":
        return _scheme_allowed(value)
    return True


class _LinkRel(Filter):
    """Runs after the sanitizer: gives every link the same rel, whatever it had."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                token["data"][(None, "rel")] = LINK_REL
            yield token


def _link(state: StateInline, silent: bool) -> bool:
    """markdown-it's link rule, which first scans for the label's end from every `[` at
    a cost of several other rules each: a `[` with no `]` after it opens no link anyway."""
    if state.src.find("]", state.pos, state.posMax) < 0:
        return False
    return link(state, silent)


def _image_as_link(self, tokens, idx, options, env) -> str:
    image = tokens[idx]
    src = image.attrGet("src") or ""
    label = self.renderInlineAsText(image.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}" class="{IMAGE_LINK}">{escapeHtml(label)}</a>'


_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)
_markdown.inline.ruler.at("link", _link)
_markdown.add_render_rule("image", _image_as_link)
# A Cleaner keeps parser state, so it must not be shared between threads: one per thread.
_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_allow_attribute,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,
            strip_comments=True,
            filters=[_LinkRel],
        )
    return cleaner


def count_marks(source: str) -> int:
    """How many characters of `source` are formatting marks (MARKS) or line breaks, plus
    two for each of the costlier constructs (_COSTLY, hard breaks) and one for each `|`."""
    costly = len(_COSTLY.findall(source)) + source.count("  \n")
    return sum(map(source.count, MARKS)) + source.count("|") + 2 * costly


def check_body(
    source: str, field: str = "body", limit: int = BODY_MAX, marks: int = MARKS_MAX
) -> str:
    """The clean Markdown source (see cop.inputs.clean_body), or Invalid when it has no
    visible character, a control character, more than `limit` characters or more than
    `marks` formatting marks. Cheap: nothing is parsed."""
    return check_marks(inputs.check_body(source, field, limit), field, marks)


def check_marks(source: str, field: str, marks: int = MARKS_MAX) -> str:
    """`source`, or Invalid on `field` when it has more than `marks` formatting marks."""
    found = count_marks(source)
    if found > marks:
        message = _(
            "Too much formatting for one text: %(found)s formatting marks (the characters "
            '[ ] * _ ~ < > | ` & " # \\ and line breaks; list items, links and tables count '
            "more), at most %(max)s. Remove some links, emphasis, list items, quotes or table "
            "rows, or split the text in two.",
            found=found,
            max=marks,
        )
        raise Invalid(fields={field: message})
    return source


# Texts this short and this plain are rendered where they are asked for, even in a server:
# a render's cost follows its formatting marks (up to ~0.05 ms each), so the worst of them
# costs about 2 ms, less than the wait for a cpu worker busy with a long post, which a
# live question must not stand behind.
INLINE_MAX = 1_000
INLINE_MARKS = 40


def _inline(source: str) -> bool:
    return len(source) <= INLINE_MAX and count_marks(source) <= INLINE_MARKS


def render_markdown(source: str, profiles: dict[str, str] | None = None) -> str:
    """Sanitized HTML for Markdown source (pass it through check_body first); in a server,
    a text longer than INLINE_MAX or with more than INLINE_MARKS formatting marks is
    rendered in a cop.cpu worker process, off the event loop. `profiles`: the profile
    address of each @mentioned username (lower-case) that names someone."""
    if _inline(source):
        return _render(source, profiles)
    return cpu.run(_render, source, profiles)


def plain_text(source: str) -> str:
    """The words a reader sees of Markdown source, without markup (no `**`, list numbers or
    link targets), for snippets. markdown-it's HTML with its tags taken away: none of it
    is shown as HTML (whoever shows it escapes it), so it needs no sanitizer, which was
    two thirds of the cost."""
    return Markup(_markdown.render(source)).striptags() if source else ""


def _render(source: str, profiles: dict[str, str] | None = None) -> str:
    html = _cleaner().clean(_markdown.render(source))
    return _link_mentions(html, profiles) if profiles else html


_TAG = re.compile(r"(<[^>]*>)")
_NO_LINKS_INSIDE = re.compile(r"<(/?)(a|code|pre)[\s>]")


def _link_mentions(html: str, profiles: dict[str, str]) -> str:
    """Links the mentions in the text between the sanitizer's tags (where `<` is always
    escaped, so splitting at tags is exact), outside links and code."""

    def link(match: re.Match) -> str:
        url = profiles.get(match.group(1).lower())
        if url is None:
            return match.group(0)
        return f'<a href="{escape(url)}" rel="{LINK_REL}">{match.group(0)}</a>'

    parts, inside = [], 0
    for part in _TAG.split(html):
        tag = _NO_LINKS_INSIDE.match(part)
        if tag:
            inside += -1 if tag.group(1) else 1
        elif not inside and not part.startswith("<"):
            part = _MENTION.sub(link, part)
        parts.append(part)
    return "".join(parts)


_MENTION = re.compile(rf"(?<![\w@.+-])@({USERNAME_PATTERN})(?![\w-])", re.IGNORECASE)


_TAG = re.compile(r"<[^>]*>")
_COUNTED_WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*")


def count_words(html: str) -> int:
    """The words of a post as readers see it (its sanitized HTML without the tags); one
    with an apostrophe or a hyphen inside counts once."""
    return len(_COUNTED_WORD.findall(unescape(_TAG.sub(" ", html))))


# The mentions of the last long texts parsed: a post's are found before it is rendered
# (its profile links) and again once it is written (its notifications), and the second
# time must not wait in the cpu workers' queue while the write holds SQLite's writers
# back (cop/sqlite.py).
_MENTIONS_KEPT = 64
_mentions: dict[str, frozenset[str]] = {}


def find_mentions(source: str) -> set[str]:
    """The usernames @mentioned in Markdown source, lower-cased; mentions inside code or
    quotes (someone else's words) don't count. In a server, a text that is not short and
    plain (INLINE_MAX, INLINE_MARKS) is parsed in a cop.cpu worker, once while it is
    among the last _MENTIONS_KEPT such texts."""
    if _inline(source):
        return _find_mentions(source)
    names = _mentions.get(source)
    if names is None:
        names = frozenset(cpu.run(_find_mentions, source))
        if len(_mentions) >= _MENTIONS_KEPT:
            _mentions.pop(next(iter(_mentions)), None)
        _mentions[source] = names
    return set(names)


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
