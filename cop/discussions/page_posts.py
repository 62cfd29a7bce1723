"""The posts part of a discussion page (its pager, its cards and what the page needs of
them, and the discussion's tags), rendered once per person and kept across requests while
nothing it shows changed.

What that part shows depends on the discussion's posts, their authors, files, reactions
and permissions (written data: the page generation moves on any such write, in any
process, at its commit), on the person's read marks (their row of `person_generation`),
on the request (language, root URL, display mode, page) and on the clock (relative dates,
the edit window, the read horizon). So it is kept with `person_cache.kept` under the
person's key, in a name holding the request's part and what the policy decided for this
request (reply, moderate, the Q&A rule), and used only until `_lapses`, the first moment
one of its dates, edit or delete links, or unread marks would read otherwise. Nothing of
it is shared between people. The CSRF token, which must be the current one, is put in per
request in place of a mark that no post can hold (a random one per process).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from cop import person_cache, policy
from cop.dates import relative_until
from cop.db import utcnow
from cop.discussions import queries, tags
from cop.discussions.models import settings_of
from cop.errors import NotFound
from cop.i18n import current_locale
from cop.paging import Pager
from cop.text import count_words

TEMPLATE = "discussions/_posts.html"
CSRF_MARK = f"csrf-{secrets.token_hex(16)}"
# A kept part weighs one unit of person_cache.KEPT_WEIGHT per this many characters: about
# the few hundred bytes of a unit there (a Ukrainian character takes two bytes in a Python
# string), so the bound holds in bytes; the bench's long page (46,500 characters) weighs 311.
CHARS_PER_WEIGHT = 150


class Seen(NamedTuple):
    """An unread post: where it is and when it was written."""

    id: int
    created_at: datetime
    discussion_id: int


@dataclass(frozen=True)
class PostsPart:
    html: str  # with CSRF_MARK where the token goes
    first_id: int | None
    new_here: tuple[Seen, ...]  # the shown posts to mark new
    unread_elsewhere: Seen | None  # the oldest unread post on another page
    lapses: datetime | None  # the first moment its dates, links or marks may read otherwise
    tag_names: tuple[str, ...]  # the discussion's tags, shown in the page's head

    def markup(self) -> Markup:
        token = generate_csrf() if CSRF_MARK in self.html else ""
        return Markup(self.html.replace(CSRF_MARK, token))


def posts_part(
    user,
    discussion,
    mode: str,
    page: int,
    can_reply: bool,
    can_moderate: bool,
    page_url: Callable[[int, str, int], str],
) -> PostsPart:
    """The page's posts part for this reader, kept for a signed-in person (a guest's
    whole page is kept by the guest cache), with the discussion's tags (also written
    data): sets `discussion.tag_names`. Raises NotFound past the last page."""

    def compute() -> PostsPart:
        return _render(user, discussion, mode, page, can_reply, can_moderate, page_url)

    if not user.is_authenticated:
        part = compute()
    else:
        part = person_cache.kept(
            user,
            _name(discussion, mode, page, can_reply, can_moderate),
            compute,
            weight=lambda part: 1 + len(part.html) // CHARS_PER_WEIGHT,
            lapses=lambda part: part.lapses,
        )
    discussion.tag_names = part.tag_names
    return part


def _name(discussion, mode, page, can_reply, can_moderate) -> tuple:
    """What the kept part depends on besides the person's key (written data) and the
    clock: the request's part and what the policy decided for this request."""
    return (
        "discussion-posts",
        discussion.id,
        mode,
        page,
        current_locale(),
        request.script_root,
        can_reply,
        can_moderate,
        discussion.replies_hidden,
    )


def _render(user, discussion, mode, page, can_reply, can_moderate, page_url) -> PostsPart:
    thread = queries.load_thread(user, discussion, mode, page, elsewhere=True)
    if page > thread.pages:
        raise NotFound()
    tags.load_tags([discussion])
    html = render_template(
        TEMPLATE,
        discussion=discussion,
        thread=thread,
        mode=mode,
        pager=Pager(thread.page, thread.pages, lambda n: page_url(discussion.id, mode, n)),
        nested_url=page_url(discussion.id, "nested", thread.page),
        can_reply=can_reply,
        can_moderate=can_moderate,
        word_counts=_word_counts(discussion, thread),
        csrf_mark=CSRF_MARK,
    )
    new_here = tuple(
        Seen(p.id, p.created_at, p.discussion_id) for p in thread.posts if p.id in thread.unread
    )
    elsewhere = thread.unread_elsewhere
    if elsewhere is not None:
        elsewhere = Seen(elsewhere.id, elsewhere.created_at, elsewhere.discussion_id)
    return PostsPart(
        html=html,
        first_id=thread.first_id,
        new_here=new_here,
        unread_elsewhere=elsewhere,
        # a guest's part is not kept here (their whole page is, by the guest cache)
        lapses=_lapses(thread, new_here, elsewhere) if user.is_authenticated else None,
        tag_names=discussion.tag_names,
    )


def _word_counts(discussion, thread) -> dict[int, int]:
    """Each shown post's word count, in a forum that shows them."""
    if not settings_of(discussion.space).show_word_count:
        return {}
    return {post.id: count_words(post.body_html) for post in thread.posts}


def _lapses(thread, new_here, elsewhere) -> datetime | None:
    """The first moment the part may read otherwise by the clock alone: a shown date's
    relative text changes, a post leaves the edit window (its author's edit and delete
    links go), an unread post passes the read horizon (its mark goes)."""
    now = utcnow()
    window = policy.edit_window()
    moments = [relative_until(post.created_at, now) for post in thread.posts]
    moments += [p.created_at + window for p in thread.posts if p.created_at + window > now]
    horizon = timedelta(days=current_app.config["COP_READ_HORIZON_DAYS"])
    unread = [*new_here, *([elsewhere] if elsewhere else [])]
    moments += [p.created_at + horizon for p in unread]
    return min(moments, default=None)
