"""What moderation publishes (cop.events), in the transaction of the change."""

from dataclasses import dataclass

from cop.accounts.models import User
from cop.events import Event
from cop.moderation.models import Report


@dataclass(frozen=True)
class PostReported(Event):
    """Someone reported a post to the moderators (once per person and post)."""

    name = "post.reported"
    actor: User
    report: Report
