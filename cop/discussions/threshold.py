"""A forum's posting threshold (Moodle's "posts threshold for blocking"): within a period
of hours, a person is warned once they have written `warn_after` posts (discussions and
replies) in the forum, and cannot post once they have written `block_after`, until the
oldest of those leaves the period. Those who moderate the space are exempt. Deleted posts
do not count. The services refuse the post (Forbidden, with when posting opens again);
the forms show the warning, and the API tells both (GET /spaces/{id}/posting)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from cop import policy
from cop.dates import exact
from cop.db import utcnow
from cop.discussions.models import Discussion, Post, settings_of
from cop.errors import Forbidden
from cop.extensions import db
from cop.spaces.models import Space


@dataclass(frozen=True)
class Standing:
    posts: int  # written in the period
    period_hours: int
    warn_after: int
    block_after: int
    open_again: datetime | None  # when blocked: the moment one may post again

    @property
    def warned(self) -> bool:
        return bool(self.warn_after) and self.posts >= self.warn_after

    @property
    def blocked(self) -> bool:
        return bool(self.block_after) and self.posts >= self.block_after


def standing(user, space: Space) -> Standing | None:
    """Where the user stands against the forum's threshold; None when it has none or the
    user is exempt (one query otherwise)."""
    settings = settings_of(space)
    hours = settings.post_period_hours
    if not hours or not (settings.warn_after or settings.block_after):
        return None
    if not getattr(user, "is_authenticated", False) or policy.can(user, policy.MODERATE, space):
        return None
    period = timedelta(hours=hours)
    times = list(
        db.session.scalars(
            select(Post.created_at)
            .join(Discussion, Post.discussion_id == Discussion.id)
            .where(
                Discussion.space_id == space.id,
                Post.author_id == user.id,
                Post.deleted_at.is_(None),
                Post.created_at > utcnow() - period,
            )
            .order_by(Post.created_at)
        )
    )
    block = settings.block_after
    open_again = None
    if block and len(times) >= block:  # the posts beyond the limit must leave the period
        open_again = times[len(times) - block] + period
    return Standing(len(times), hours, settings.warn_after, block, open_again)


def warning(found: Standing | None) -> str | None:
    """What the forms and the API say to a person at or past the warning."""
    if found is None:
        return None
    if found.blocked:
        return _(
            "This forum takes at most %(n)s posts from each person in %(hours)s hours. "
            "You can post here again after %(when)s.",
            n=found.block_after,
            hours=found.period_hours,
            when=exact(found.open_again),
        )
    if not found.warned:
        return None
    if found.block_after:
        return _(
            "You have written %(posts)s posts in this forum in the last %(hours)s hours; "
            "at %(n)s you will not be able to post here for a while.",
            posts=found.posts,
            hours=found.period_hours,
            n=found.block_after,
        )
    return _(
        "You have written %(posts)s posts in this forum in the last %(hours)s hours: "
        "give others room to answer.",
        posts=found.posts,
        hours=found.period_hours,
    )


def check(actor, space: Space) -> None:
    """Refuse a new post past the threshold; for the services, after the policy."""
    found = standing(actor, space)
    if found is not None and found.blocked:
        raise Forbidden(warning(found))
