"""The forum page's table of discussions, with each row's shared part rendered once per
process and kept.

A row shows the discussion (title, pinned, locked, timed, tags), who started it, the
replies and the last post's author: the same for everyone who is shown that row. It is
rendered by `templates/spaces/_discussion_row.html` and kept in a per-process LRU under a
key of every input of that rendering: the language, the site's root URL, whether the
reader is signed in (names link to profiles only for them), the forum, and of the
discussion its id, title, pinned, locked and timed states, tags, author (id, name,
erasure), whether its replies are hidden from this reader (a Q&A forum, decided per
request by the policy before the key is made), the reply count and the last author. A new
reply, a rename, a moderator's hide (which moves the counts and the last post), a new tag
or a language switch therefore makes another key in every process at once, with no
counter to read; a stale entry is never looked up again and leaves by the LRU. Which rows
a reader gets is decided before, by the query that lists them. Per request: the unread
count (the reader's) and the last post's date (its wording moves with the clock and the
reader's language and time zone)."""

from flask import Flask, current_app, g, request
from flask_login import current_user
from markupsafe import Markup, escape

from cop.dates import when
from cop.i18n import current_locale
from cop.sized_lru import SizedLRU
from cop.urls import url_pattern

EXTENSION = "cop.forum_rows"
TEMPLATE = "spaces/_discussion_row.html"


def _key(reader: tuple, space_id: int, d, last: str | None) -> tuple:
    author = d.author
    return (
        *reader,
        space_id,
        d.id,
        d.title,
        d.pinned,
        d.locked,
        d.display_from is not None or d.display_until is not None,
        tuple(d.tag_names),
        author.id,
        author.display_name,
        author.erased_at is not None,
        d.replies_hidden,
        d.reply_count,
        last,
    )


def _render(space_id: int, d, last: str | None, unread_href: str) -> tuple[str, ...]:
    """The row's parts, with the row template's macros (its module made once a request)."""
    module = g.get("_row_module")
    if module is None:
        template = current_app.jinja_env.get_template(TEMPLATE)
        module = g._row_module = template.make_module(
            {"current_user": current_user._get_current_object()}
        )
    author = d.author
    person = (author.id, author.display_name, author.erased_at is not None)
    return (
        str(module.start(space_id, d, person)),
        str(escape(unread_href)),
        str(module.middle(d, last)),
        str(module.end(d)) + "\n",
    )


def forum_rows(space, forum: dict) -> Markup:
    """The rows of the forum page's table of discussions for this reader."""
    cache = current_app.extensions.get(EXTENSION)
    reader = (current_locale(), request.script_root, current_user.is_authenticated)
    unread, last_authors = forum["unread"], forum["last_authors"]
    unread_pattern = None
    out = []
    for d in forum["items"]:
        last = last_authors.get(d.last_post_id)
        key = _key(reader, space.id, d, last) if cache is not None else None
        parts = cache.get(key) if cache is not None else None
        if parts is None:
            if unread_pattern is None:
                unread_pattern = url_pattern("discussions.first_unread", "discussion_id")
            parts = _render(space.id, d, last, unread_pattern % d.id)
            if cache is not None:
                cache.put(key, parts)
        start, unread_href, middle, end = parts
        n = unread.get(d.id, 0)
        out.append(start)
        out.append(f'<a href="{unread_href}"><span class="badge">{n}</span></a>' if n else "0")
        out.append(middle)
        if not d.replies_hidden:
            out.append(when(d.last_post_at))
        out.append(end)
    return Markup("".join(out))


def init_app(app: Flask) -> None:
    megabytes = app.config["COP_CARD_CACHE_MB"]
    if megabytes > 0:  # a character of Ukrainian text takes two bytes in a Python string
        app.extensions[EXTENSION] = SizedLRU(megabytes * 1024 * 1024 // 2)
    app.jinja_env.globals["forum_rows"] = forum_rows
