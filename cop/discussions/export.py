"""Export of a forum or one discussion as a CSV file (a row per post, for spreadsheets) or
as one HTML page to keep or print (Moodle's forum export): everything for those who
moderate the space (`exportforum`), only their own posts for the other signed-in
members who may read it (`exportownpost`). It holds exactly what the exporting person
may read there: the discussions their groups allow (discussion VIEW) and, in each, the
posts whose text they may read (post `view_body`: private replies, internal notes and
hidden posts by the same rules as the pages); deleted posts are left out. Two queries
whatever the size of the forum."""

from dataclasses import dataclass

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import and_, select, true

from cop import policy
from cop.discussions.models import Discussion, Post
from cop.discussions.spreadsheet import spreadsheet_csv
from cop.extensions import db
from cop.spaces.models import Space


@dataclass(frozen=True)
class Exported:
    discussion: Discussion
    posts: list[Post]  # oldest first


def export(user, space: Space, discussion: Discussion | None = None) -> list[Exported]:
    """The forum's discussions (or the one given), oldest first, each with the posts the
    user may read: all of them for those who moderate the space, else only the user's
    own (and only the discussions holding some); the caller has checked that the user
    may read the space."""
    where = and_(Discussion.space_id == space.id, policy.readable_discussions(user, space))
    if discussion is not None:
        where = and_(where, Discussion.id == discussion.id)
    own = not policy.can(user, policy.MODERATE, space)
    discussions = list(
        db.session.scalars(select(Discussion).where(where).order_by(Discussion.created_at))
    )
    posts: dict[int, list[Post]] = {d.id: [] for d in discussions}
    if discussions:
        found = db.session.scalars(
            select(Post)
            .where(
                Post.discussion_id.in_(list(posts)),
                Post.deleted_at.is_(None),
                Post.author_id == user.id if own else true(),
            )
            .order_by(Post.created_at, Post.id)
        )
        for post in found:
            posts[post.discussion_id].append(post)
    exported = [Exported(d, policy.readable_bodies(user, d, posts[d.id])) for d in discussions]
    return [item for item in exported if item.posts or not own]


def _moment(value) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def export_csv(exported: list[Exported], locale: str) -> str:
    """A row per post, in each discussion's order, with its Markdown source."""
    header = [
        _("Discussion"),
        _("Title"),
        _("Post"),
        _("In reply to"),
        _("Author"),
        _("Written"),
        _("Edited"),
        _("Private"),
        _("Internal note"),
        _("Hidden"),
        _("Text"),
    ]
    yes, no = _("yes"), _("no")
    rows = [
        [
            item.discussion.id,
            item.discussion.title,
            post.id,
            post.parent_id or "",
            post.author.display_name,
            _moment(post.created_at),
            _moment(post.edited_at),
            yes if post.private_to_id else no,
            yes if post.internal else no,
            yes if post.hidden_at else no,
            post.body,
        ]
        for item in exported
        for post in item.posts
    ]
    return spreadsheet_csv(header, rows, locale)
