"""The Markdown -> HTML -> bleach pipeline: features that must work, XSS that must not."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from flask import has_app_context
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cop import text
from cop.demo.data import read
from cop.errors import Invalid
from cop.text import BODY_MAX, MARKS_MAX, check_body, count_marks, render_markdown

# Kept here on purpose rather than imported: widening the allowlist in cop/text.py must
# come with a deliberate change to this test.
TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6"),
    *("strong", "em", "del", "s", "code", "pre", "blockquote"),
    *("ul", "ol", "li", "a"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
ATTRIBUTES = {"a": {"href", "title", "rel", "class"}, "ol": {"start"}, "code": {"class"}}
SCHEMES = {"http", "https", "mailto"}
REL = "nofollow noopener ugc"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def scheme(url: str) -> str | None:
    """The scheme a lenient reader could see: %-decoded, whitespace and controls dropped.

    (HTMLParser has already decoded character references in attribute values.)"""
    url = re.sub(r"[\x00-\x20\x7f-\xa0\s]+", "", unquote(url))
    match = re.match(r"([a-z][a-z0-9+.-]*):", url, re.IGNORECASE)
    return match.group(1).lower() if match else None


def problems(html: str) -> list[str]:
    found = []
    if "<script" in html.lower():
        found.append("<script")
    for tag, attrs in tags(html):
        if tag not in TAGS:
            found.append(f"tag {tag}")
        for name, value in attrs.items():
            if re.fullmatch(r"on\w+", name):
                found.append(f"event handler {tag}[{name}]")
            if name not in ATTRIBUTES.get(tag, ()):
                found.append(f"attribute {tag}[{name}]")
            if name in ("href", "src", "action", "formaction", "data", "srcdoc"):
                url_scheme = scheme(value or "")
                if url_scheme is not None and url_scheme not in SCHEMES:
                    found.append(f"scheme {url_scheme} in {tag}[{name}]")
    return found


XSS = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<script\x00>alert(1)</script>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # event handlers, broken and unclosed markup
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<img src=\"x\" onerror='alert(1)'",
    "<p onmouseover=alert(1)>hover</p>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<body onload=alert(1)>",
    "<xss onafterscriptexecute=alert(1)>x</xss>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)></select>",
    "<textarea autofocus onfocus=alert(1)></textarea>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    '<a href="x" ' + "a" * 20_000 + " onclick=alert(1)>long</a>",
    # svg, math, frames, plugins
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    # style
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    # document-level tags
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    # raw HTML links with obfuscated schemes
    "<a href=javascript:alert(1)>x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    # Markdown links
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/png;base64,iVBORw0KGgo=)",
    "[x](data:image/svg+xml,<svg onload=alert(1)>)",
    "[x](   javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](<java script:alert(1)>)",
    "[x](\x01javascript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](\u00a0javascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java%09script:alert(1))",
    "[x](%6A%61vascript:alert(1))",
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    '[x](http://x.example "a" onmouseover="alert(1)")',
    '[x](http://x.example/"><script>alert(1)</script>)',
    "[<img src=x onerror=alert(1)>](http://x.example)",
    "[x](mailto:a@example.org?subject=<script>alert(1)</script>)",
    # autolinks and reference-style links
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    '<http://x.example/"onmouseover="alert(1)>',
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: data:text/html,<script>alert(1)</script>",
    '[x][r]\n\n[r]: http://x.example "t\\" onclick=\\"alert(1)"',
    "[r]\n\n[r]: &#x6A;avascript:alert(1)",
    # Markdown images
    "![x](javascript:alert(1))",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '![x](http://x.example/a.png" onerror="alert(1))',
    "![x](x onerror=alert(1))",
    # fenced code info strings
    '```js" onmouseover="alert(1)\ncode\n```',
    "```language-x onclick=alert(1)\ncode\n```",
    '```"><script>alert(1)</script>\ncode\n```',
    # comments hiding tags
    "<!--<script>alert(1)</script>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    # markup inside Markdown structures
    "> <script>alert(1)</script>",
    "*<img src=x onerror=alert(1)>*",
    "| <img src=x onerror=alert(1)> | b |\n|---|---|\n| [x](javascript:alert(1)) | <script> |",
    "- <svg onload=alert(1)>\n- [x](javascript:alert(1))",
    # already-escaped input and template injection
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "{{7*7}} ${7*7} <%= 7*7 %> {% if 1 %}x{% endif %}",
]


@pytest.mark.parametrize("source", XSS, ids=range(len(XSS)))
def test_xss_vector_is_neutralized(source):
    html = render_markdown(source)
    assert problems(html) == [], html


def test_the_inspector_catches_unsafe_html():
    assert problems("<script>alert(1)</script>")
    assert problems('<img src="x">')
    assert problems('<p onclick="alert(1)">x</p>')
    assert problems('<a href="&#x6A;ava&#x09;script:alert(1)">x</a>')
    assert problems('<a href="%6Aavascript:alert(1)">x</a>')
    assert problems('<code style="x">x</code>')
    assert problems('<a href="/spaces/1">x</a> <a href="#top">y</a>') == []


def test_there_are_enough_vectors():
    assert len(XSS) >= 45


def test_render_needs_no_app_context():
    assert not has_app_context()
    assert render_markdown("*x*") == "<p><em>x</em></p>\n"


def test_headings_and_emphasis():
    html = render_markdown("# One\n\n###### Six\n\n*em* **strong** ~~gone~~")
    assert "<h1>One</h1>" in html
    assert "<h6>Six</h6>" in html
    assert "<em>em</em> <strong>strong</strong> <s>gone</s>" in html


def test_lists():
    html = render_markdown("- a\n- b\n\n3. three\n4. four")
    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in html
    assert '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>' in html
    assert "<ol>\n<li>x</li>" in render_markdown("1. x")


def test_table_keeps_cells_but_not_alignment_styles():
    html = render_markdown("| Громада | Бюджет |\n|:--|--:|\n| Київ | 100 |\n| Львів | 50 |")
    assert "<thead>\n<tr>\n<th>Громада</th>\n<th>Бюджет</th>\n</tr>\n</thead>" in html
    assert "<tbody>\n<tr>\n<td>Київ</td>\n<td>100</td>\n</tr>" in html
    assert "<td>Львів</td>" in html
    assert "style" not in html
    assert problems(html) == []


def test_code():
    html = render_markdown("```python\nif a < b:\n    pass\n```\n\nInline `x<y` code")
    assert '<pre><code class="language-python">if a &lt; b:\n    pass\n</code></pre>' in html
    assert "<code>x&lt;y</code>" in html
    assert '<code class="language-c++">' in render_markdown("```c++\nx\n```")
    # Classes outside language-[a-z0-9+-]+ are dropped, the code block stays.
    assert "<pre><code>x\n</code></pre>" in render_markdown("```C#\nx\n```")


def test_blockquote():
    html = render_markdown("> Цитата\n> з двох рядків")
    assert html == "<blockquote>\n<p>Цитата\nз двох рядків</p>\n</blockquote>\n"


def test_links_get_rel_and_no_target():
    html = render_markdown(
        '[site](https://example.org/a?b=1&c=2 "Title") [space](/spaces/1) [top](#top) '
        "<mailto:info@example.org> <https://gromada.example>"
    )
    anchors = [attrs for tag, attrs in tags(html) if tag == "a"]
    assert [a["href"] for a in anchors] == [
        "https://example.org/a?b=1&c=2",
        "/spaces/1",
        "#top",
        "mailto:info@example.org",
        "https://gromada.example",
    ]
    assert all(a["rel"] == REL for a in anchors)
    assert anchors[0]["title"] == "Title"
    assert "target" not in html


def test_unsafe_link_keeps_its_text_but_loses_its_href():
    html = render_markdown("[click](data:image/png;base64,iVBORw0KGgo=)")
    assert html == f'<p><a rel="{REL}">click</a></p>\n'


def test_an_external_image_is_a_labelled_link_not_an_image():
    html = render_markdown("Див. ![схема *округів*](https://example.org/a.png)")
    link = f'<a href="https://example.org/a.png" class="image-link" rel="{REL}">'
    assert html == f"<p>Див. {link}схема округів</a></p>\n"
    unnamed = render_markdown("![](https://example.org/b.png)")
    assert ">https://example.org/b.png</a>" in unnamed
    # no other class gets through, and an image of a refused scheme is no link at all
    assert 'class="' not in render_markdown('[x](https://example.org "t") <a class="evil">')
    assert "href" not in render_markdown("![x](javascript:alert(1))")


def test_ukrainian_text_and_raw_html_are_kept_as_text():
    text = "Громада’s стратегія — «план» на 2026 рік: ґанок, їжак, є"
    assert render_markdown(text) == f"<p>{text}</p>\n"
    assert render_markdown("<b>жирний</b>") == "<p>&lt;b&gt;жирний&lt;/b&gt;</p>\n"


def test_template_strings_stay_literal():
    text = "{{ 7 * 7 }} {{config}} {% raw %} ${7 * 7} <%= 7 * 7 %>"
    html = render_markdown(text)
    assert html == "<p>{{ 7 * 7 }} {{config}} {% raw %} ${7 * 7} &lt;%= 7 * 7 %&gt;</p>\n"
    # `*` between two non-spaces is emphasis, as Markdown says; still nothing is evaluated.
    assert render_markdown("{{7*7}}") == "<p>{{7*7}}</p>\n"


def test_check_body_strips_and_accepts_up_to_the_cap(ctx):
    assert check_body("  *привіт*\n\n") == "*привіт*"
    assert check_body("я" * BODY_MAX) == "я" * BODY_MAX
    assert check_body(" " + "a" * BODY_MAX + "\n") == "a" * BODY_MAX


def test_check_body_rejects_too_long(ctx):
    with force_locale("en"), pytest.raises(Invalid) as info:
        check_body("a" * (BODY_MAX + 1), field="text")
    assert info.value.fields == {"text": f"At most {BODY_MAX} characters."}


@pytest.mark.parametrize("source", ["", "   ", "\n\t \n", None])
def test_check_body_rejects_empty(ctx, source):
    with force_locale("en"), pytest.raises(Invalid) as info:
        check_body(source)
    assert info.value.fields == {"body": "This field is required."}


def test_a_table_as_large_as_the_caps_allow_renders_and_one_row_more_is_refused(ctx):
    head = "| Громада | Рік | Сума |\n|---|---|---|\n"
    row = "| Київ | 2026 | 100 |\n"
    rows = (MARKS_MAX - count_marks(head)) // count_marks(row)
    source = check_body(head + row * rows)
    html = render_markdown(source)
    assert html.count("<tr>") == rows + 1
    assert html.count("<td>Київ</td>") == rows
    assert problems(html) == []
    with force_locale("en"), pytest.raises(Invalid) as info:
        check_body(head + row * (rows + 1))
    found = count_marks((head + row * (rows + 1)).strip())  # check_body strips
    assert info.value.fields["body"].startswith(
        f"Too much formatting for one text: {found} formatting marks"
    )
    assert f"at most {MARKS_MAX}. Remove some links" in info.value.fields["body"]


def test_the_refusal_says_in_ukrainian_what_to_shorten(ctx):
    with force_locale("uk"), pytest.raises(Invalid) as info:
        check_body("**так** " * 600, field="text")
    assert info.value.fields["text"].startswith("Забагато форматування в одному тексті: 2400")
    assert f"щонайбільше {MARKS_MAX}" in info.value.fields["text"]


def test_what_counts_as_formatting():
    assert count_marks("громада ухвалила бюджет, (майже) одностайно; 5 - 3 = 2!") == 0
    assert count_marks('*a* _b_ ~~c~~ `d` [e] <f> & "g" # \\\n') == 20
    assert count_marks("| a | b |") == 6  # a table's pipes count two
    assert count_marks("- a\n  * b\n1. c\n2) d") == 4 * 2 + 3 + 1  # two more per item
    assert count_marks("[a](/b) <https://x.org>") == 4 + 2 + 2  # two more per target
    assert count_marks("a  \nb") == 1 + 2  # two more for a hard line break


def _prose_post() -> str:
    """About BODY_MAX characters of a long, ordinary post: paragraphs, a link now and then,
    some emphasis, a short list."""
    words = ["громада", "рішення", "бюджет", "сесія", "депутат", "звернення", "село", "місто"]
    paragraph = " ".join(words[i % len(words)] for i in range(60))
    block = (
        f"{paragraph} Див. [рішення сесії](https://rada.gov.ua/x). {paragraph} **Важливо:** "
        f"{paragraph}\n\n- перше\n- друге\n\n"
    )
    return (block * (BODY_MAX // len(block)))[:BODY_MAX].strip()


def _demo_module() -> str:
    return max((m["body"] for m in read("course.yaml")["modules"]), key=len)


def _as_before(source: str) -> str:
    """What cop rendered before the link rule's shortcut: markdown-it as configured, with
    its own link rule, pictures as links, then the same sanitizer."""
    stock = (
        MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        .enable("table")
        .enable("strikethrough")
    )
    stock.add_render_rule("image", text._image_as_link)
    return text._cleaner().clean(stock.render(source))


@pytest.mark.parametrize("make", [_prose_post, _demo_module])
def test_long_ordinary_texts_are_accepted_and_render_as_before(ctx, make):
    source = make()
    assert check_body(source) == source
    assert render_markdown(source) == _as_before(source)


MARKDOWNISH = st.lists(
    st.sampled_from(
        ["[", "](", ")", "<", ">", "`", "```", "*", "_", "|", "---", "\n", "#", "&#", ";"]
        + ["javascript:", "java\tscript:", "%6a", "data:", "http://x", "<script>", "!["]
    )
    | st.text(max_size=10),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH | st.text())
def test_any_source_renders_safe_html_or_is_refused_with_a_message(source):
    assert problems(render_markdown(source)) == []
    try:
        clean = check_body(source)
    except Invalid as invalid:
        assert invalid.fields["body"]
    else:
        assert clean and problems(render_markdown(clean)) == []


@settings(max_examples=500, deadline=None)
@given(MARKDOWNISH)
def test_the_link_rule_shortcut_changes_no_output(source):
    assert render_markdown(source) == _as_before(source)
