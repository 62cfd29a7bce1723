"""What attachments publish (cop.events): files added to or removed from a post."""

from dataclasses import dataclass

from cop.accounts.models import User
from cop.attachments.models import Attachment
from cop.events import Event


@dataclass(frozen=True)
class AttachmentAdded(Event):
    name = "attachment.added"
    actor: User
    attachment: Attachment


@dataclass(frozen=True)
class AttachmentRemoved(Event):
    name = "attachment.removed"
    actor: User
    attachment: Attachment
