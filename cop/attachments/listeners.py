"""An erased person's files go: the attachments of their posts are deleted in the
erasure's transaction, and the bytes nothing else refers to leave the disk after it
commits (another post holding the same bytes keeps them)."""

from flask import Flask
from sqlalchemy import delete, select

from cop import events
from cop.accounts.events import PersonErased
from cop.attachments import storage
from cop.attachments.models import Attachment
from cop.discussions.models import Post
from cop.extensions import db


def _person_erased(event: PersonErased) -> None:
    theirs = select(Post.id).where(Post.author_id == event.user.id)
    files = select(Attachment.sha256).where(Attachment.post_id.in_(theirs))
    hashes = set(db.session.scalars(files))
    if hashes:
        db.session.execute(delete(Attachment).where(Attachment.post_id.in_(theirs)))
        events.after_commit(storage.prune, hashes)


def register(app: Flask) -> None:
    events.subscribe(app, PersonErased, _person_erased)
