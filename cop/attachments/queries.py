"""Reading attachments, already filtered by what the user may see."""

from sqlalchemy import select

from cop import policy
from cop.attachments.models import Attachment
from cop.errors import NotFound
from cop.extensions import db

ID_MAX = 2**31 - 1  # larger ids cannot exist, and PostgreSQL refuses them as integers


def get_attachment(user, attachment_id: int) -> Attachment:
    """The attachment if the user may see it, in one query with the read rules, so that
    one that is not theirs takes the time a missing one does."""
    if attachment_id > ID_MAX:
        raise NotFound()
    attachment = db.session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, policy.readable_attachments(user))
    )
    if attachment is None or not policy.can(user, policy.VIEW, attachment):
        raise NotFound()
    return attachment


def by_post(post_ids) -> dict[int, list[Attachment]]:
    """The attachments of these posts, in the order they were added, in one query; the
    caller passes only posts whose files the user may see."""
    found: dict[int, list[Attachment]] = {}
    if not post_ids:
        return found
    rows = db.session.scalars(
        select(Attachment).where(Attachment.post_id.in_(list(post_ids))).order_by(Attachment.id)
    )
    for attachment in rows:
        found.setdefault(attachment.post_id, []).append(attachment)
    return found
