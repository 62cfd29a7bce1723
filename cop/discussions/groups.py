"""Groups in a forum's lists and posts (Moodle's group mode, with the communities as
groups): the group filter of a forum's discussion list, and "post a copy to all groups",
which starts the same discussion once for each group."""

from flask_babel import gettext as _
from sqlalchemy import select

from cop import policy
from cop.discussions.models import Discussion, GroupMode, settings_of
from cop.discussions.service import (
    DISCUSSION_KINDS,
    _forum_type_refusal,
    check_title,
    write_discussion,
)
from cop.errors import Conflict
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, Community
from cop.spaces.models import Space
from cop.text import check_body


def _groups():
    """The groups: the communities that have a committee (a community of nobody is none)."""
    with_committee = select(CommitteeMembership.community_id)
    return select(Community).where(Community.id.in_(with_committee)).order_by(Community.name)


def group_choices(user, space: Space) -> list[tuple[int, str]] | None:
    """The groups to filter a forum's list by: every group for the space's moderators and
    in visible-groups mode, else one's own; None when the forum has no groups."""
    mode = settings_of(space).group_mode
    if space.kind not in DISCUSSION_KINDS or mode == GroupMode.NONE:
        return None
    everyone = mode == GroupMode.VISIBLE or policy.can(user, policy.MODERATE, space)
    return [
        (c.id, c.name)
        for c in db.session.scalars(_groups())
        if everyone or policy.in_community_group(user, c.id)
    ]


def may_post_to_all_groups(user, space: Space) -> bool:
    """For pages: whether to offer 'post a copy to all groups'."""
    return (
        space.kind in DISCUSSION_KINDS
        and settings_of(space).group_mode != GroupMode.NONE
        and policy.can(user, policy.POST, space)
        and policy.can(user, policy.MODERATE, space)
    )


def start_in_every_group(actor, space: Space, *, title: str, body: str) -> list[Discussion]:
    """Moodle's "post a copy to all groups": the space's moderators start the same
    discussion once for each group, each read by its group (and staff) as any group's
    discussion is; each notifies its own readers. No files (one post's files are not
    copied N times). Commits once."""
    policy.require(actor, policy.POST, space)
    policy.require(actor, policy.MODERATE, space)
    if not may_post_to_all_groups(actor, space):
        raise Conflict(_("This forum has no groups."))
    refusal = _forum_type_refusal(actor, space)
    if refusal:
        raise Conflict(refusal)
    title, body = check_title(title), check_body(body)
    groups = db.session.scalars(_groups()).all()
    if not groups:
        raise Conflict(_("No community has a committee yet."))
    made = [write_discussion(actor, space, title, body, group.id) for group in groups]
    db.session.commit()
    return made
