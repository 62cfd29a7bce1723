"""Timed discussions (Moodle's display period): a discussion shown from one moment and
until another. Outside it, the policy's read rule hides it from everyone but those who
moderate its space: lists, counts, search, notifications, sockets and files all follow
(cop/policy.py `_displayed`, `displayed_discussions`, `timed_out_discussions`)."""

from datetime import datetime

from flask_babel import gettext as _

from cop import inputs, policy
from cop.discussions.models import Discussion
from cop.errors import Invalid
from cop.extensions import db


def set_display_period(
    actor, discussion: Discussion, display_from: datetime | None, display_until: datetime | None
) -> Discussion:
    """Those who moderate the space set when a discussion is shown (either end may be
    open: None). Commits."""
    policy.require(actor, policy.MODERATE, discussion)
    if display_from is not None:
        inputs.check_date(display_from, "display_from")
    if display_until is not None:
        inputs.check_date(display_until, "display_until")
    if display_from and display_until and display_until <= display_from:
        message = _("The end of the display period must come after its start.")
        raise Invalid(message, fields={"display_until": message})
    discussion.display_from, discussion.display_until = display_from, display_until
    db.session.commit()
    return discussion
