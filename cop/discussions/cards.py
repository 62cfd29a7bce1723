"""The part of a post's card that is the same for every reader allowed to see it, rendered
once per process and language and kept.

A card's shared part is the author (name, profile link, role) and what the post shows:
its text (or the note that it was deleted or hidden), its word count and its files. It is
rendered by `templates/discussions/_card_shared.html` and kept in a per-process LRU under
a key holding every input of that rendering: the post, the language, whether the reader
is signed in (a name links to the profile only for them), the reader's permissions that
change it (author, text, files), the deleted and hidden states, the text itself, the
author's id, name, erasure and role, the word count and each file's id, name, size and
kind. So an edit, a moderator's hide, a rename, a removed file or another language gives
another key, in every process, without any counter; and what a reader may see is decided
per request (`policy.post_permissions`) before the key is made, so a reader only ever
gets the fragment rendered for the permissions they hold now. The per-person parts
(dates, unread marks, reactions, actions) are rendered per request by `_post.html`.
"""

from flask import Flask, current_app, g, request
from flask_login import current_user
from markupsafe import Markup

from cop.i18n import current_locale
from cop.sized_lru import SizedLRU

EXTENSION = "cop.post_cards"
TEMPLATE = "discussions/_card_shared.html"


def kept_fragments() -> SizedLRU | None:
    """This process's cache of rendered fragments, or None when it is turned off."""
    return current_app.extensions.get(EXTENSION)


def _reader() -> tuple:
    """What every card's key holds of the request: language, the site's root URL (links
    start with it) and whether the reader is signed in; worked out once a request."""
    reader = g.get("_card_reader")
    if reader is None:
        reader = g._card_reader = (
            current_locale(),
            request.script_root,
            current_user.is_authenticated,
        )
    return reader


def _key(post, thread, word_count) -> tuple:
    allowed = thread.allowed
    author = post.author
    files = thread.attachments.get(post.id) or ()
    return (
        post.id,
        *_reader(),
        post.id in allowed["view_author"],
        post.id in allowed["view_body"],
        post.deleted_at is not None,
        post.hidden_at is not None,
        author.id,
        author.display_name,
        author.erased_at is not None,
        author.role,
        post.body_html,
        word_count,
        tuple((a.id, a.filename, a.size, a.is_image) for a in files),
    )


def _render(post, thread, word_count) -> tuple[Markup, Markup]:
    """Render both fragments with the template's macros (its module made once a request)."""
    module = g.get("_card_module")
    if module is None:
        template = current_app.jinja_env.get_template(TEMPLATE)
        module = g._card_module = template.make_module(
            {"current_user": current_user._get_current_object()}
        )
    allowed = thread.allowed
    files = thread.attachments.get(post.id) or ()
    head = module.head(post, post.id in allowed["view_author"])
    body = module.body(post, post.id in allowed["view_body"], word_count, files)
    return Markup(head), Markup(body)


def shared_card(post, thread, word_count=None) -> tuple[Markup, Markup]:
    """The card's head (author) and body (text, word count, files) for this reader."""
    cache = kept_fragments()
    if cache is None:
        return _render(post, thread, word_count)
    key = _key(post, thread, word_count)
    found = cache.get(key)
    if found is None:
        found = _render(post, thread, word_count)
        cache.put(key, found, len(post.body_html))  # the post's text is in the key too
    return found


def init_app(app: Flask) -> None:
    megabytes = app.config["COP_CARD_CACHE_MB"]
    if megabytes > 0:  # a character of Ukrainian text takes two bytes in a Python string
        app.extensions[EXTENSION] = SizedLRU(megabytes * 1024 * 1024 // 2)
    app.jinja_env.globals["shared_card"] = shared_card
