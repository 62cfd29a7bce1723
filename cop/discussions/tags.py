"""Free tags on discussions (as Moodle's forum tags): each space has its own, made by
writing them. Set by the discussion's author and the space's moderators on the forms and
the API, shown on lists, a filter on the space's list (?tag=) and `tag:` in search (the
posts' index documents carry their discussion's tags: cop/search/sources/posts.py).

A tag is one line of at most TAG_MAX characters, in lower case, with single spaces and
no commas (a form separates tags with commas); at most TAGS_MAX per discussion."""

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from cop import inputs, policy
from cop.discussions.models import TAG_MAX, TAGS_MAX, Discussion, DiscussionTag
from cop.errors import Invalid
from cop.extensions import db


def normalise_tag(text: str) -> str:
    """The stored form of a tag as typed (for filters and search too); "" if it is blank."""
    return " ".join(inputs.clean_line(text).split()).lower() if text.strip() else ""


def check_tags(names: Iterable[str], field: str = "tags") -> list[str]:
    """The tags, normalised, without repeats, in the order given; Invalid on `field`."""
    found: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise Invalid(fields={field: _("Tags are words or short phrases.")})
        try:
            tag = normalise_tag(name)
        except ValueError as error:
            raise Invalid(fields={field: str(error)}) from None
        if "," in tag:
            raise Invalid(fields={field: _("A tag cannot hold a comma.")})
        if len(tag) > TAG_MAX:
            raise Invalid(fields={field: _("A tag has at most %(n)s characters.", n=TAG_MAX)})
        if tag and tag not in found:
            found.append(tag)
    if len(found) > TAGS_MAX:
        raise Invalid(fields={field: _("At most %(n)s tags.", n=TAGS_MAX)})
    return found


def split_tags(text: str | None) -> list[str]:
    """A form's field: tags separated by commas."""
    return (text or "").split(",")


def write_tags(discussion: Discussion, names: list[str]) -> None:
    """Replace the discussion's tags with these checked ones, for a caller that commits
    (through the session, so that the search outbox sees each tag come and go)."""
    held = {
        t.name: t
        for t in db.session.scalars(
            select(DiscussionTag).where(DiscussionTag.discussion_id == discussion.id)
        )
    }
    for name, tag in held.items():
        if name not in names:
            db.session.delete(tag)
    db.session.add_all(
        DiscussionTag(discussion_id=discussion.id, name=n) for n in names if n not in held
    )
    discussion.tag_names = tuple(sorted(names))


def set_tags(actor, discussion: Discussion, names: Iterable[str]) -> Discussion:
    """The discussion's author and the space's moderators replace its tags; the search
    index follows (its outbox notes the change). Commits."""
    policy.require(actor, "tag", discussion)
    write_tags(discussion, check_tags(names))
    db.session.commit()
    return discussion


def load_tags(discussions: list[Discussion]) -> None:
    """Fill in `tag_names` for these discussions, in one query."""
    by_id: dict[int, list[str]] = {d.id: [] for d in discussions}
    if by_id:
        rows = db.session.execute(
            select(DiscussionTag.discussion_id, DiscussionTag.name)
            .where(DiscussionTag.discussion_id.in_(list(by_id)))
            .order_by(DiscussionTag.name)
        )
        for discussion_id, name in rows:
            by_id[discussion_id].append(name)
    for discussion in discussions:
        discussion.tag_names = tuple(by_id[discussion.id])


def tagged(name: str):
    """An SQL condition on Discussion: it carries this tag (as typed: normalised here)."""
    try:
        tag = normalise_tag(name)
    except ValueError:
        tag = ""
    return Discussion.id.in_(select(DiscussionTag.discussion_id).where(DiscussionTag.name == tag))
