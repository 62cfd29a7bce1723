"""Attaching files to posts and removing them: the only code that writes attachments.

Starting a discussion, replying and editing (cop.discussions.service) check and stage
their uploads here before they write anything, and attach them in their own commit."""

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cop import events, policy
from cop.attachments import bounds, filetypes, storage
from cop.attachments.events import AttachmentAdded, AttachmentRemoved
from cop.attachments.models import Attachment
from cop.discussions.models import Post, settings_of
from cop.errors import Invalid
from cop.extensions import db
from cop.i18n import format_size
from cop.spaces.models import Space

FIELD = "file"  # the form and API field uploads come in, and errors go to


@dataclass(frozen=True)
class Limits:
    count: int  # files per post; 0: attachments are off
    max_bytes: int  # per file


def limits_of(space: Space) -> Limits:
    """The forum's own limits, within the site-wide ceilings from the configuration."""
    settings = settings_of(space)
    config = current_app.config
    return Limits(
        min(settings.max_attachments, config["COP_ATTACHMENT_MAX_FILES"]),
        min(settings.max_attachment_bytes, config["COP_ATTACHMENT_MAX_BYTES"]),
    )


@dataclass
class Upload:
    """A checked upload waiting for its post."""

    filename: str
    content_type: str
    stored: storage.Staged


def stage_uploads(space: Space, files: Iterable[FileStorage], existing: int = 0) -> list[Upload]:
    """Checks uploads against the forum's limits and the allowed types and copies them
    aside. Raises Invalid naming every refused file and why, keeping none of them. The
    caller attaches the result or discards it (`discard`) whatever happens."""
    files = [f for f in files if f]  # a form's empty file input sends a nameless part
    if not files:
        return []
    limits = limits_of(space)
    if limits.count == 0:
        raise Invalid(fields={FIELD: _("This forum does not accept attachments.")})
    if existing + len(files) > limits.count:
        message = _("At most %(n)s files per post.", n=limits.count)
        if existing:
            message += " " + _("This post has %(n)s already.", n=existing)
        raise Invalid(fields={FIELD: message})
    uploads, problems = [], []
    try:
        for upload in files:
            problem = _stage(upload, limits, uploads)
            if problem:
                problems.append(problem)
    except BaseException:
        discard(uploads)
        raise
    if problems:
        discard(uploads)
        raise Invalid(fields={FIELD: " ".join(problems)})
    return uploads


def _stage(upload: FileStorage, limits: Limits, uploads: list[Upload]) -> str | None:
    """Stages one upload into `uploads`; the reason it is refused, if it is."""
    name = filetypes.clean_filename(upload.filename)
    file_type = filetypes.type_of(name)
    if file_type is None:
        return _(
            "“%(name)s”: files of this type are not accepted (allowed: %(types)s).",
            name=name,
            types=filetypes.EXTENSIONS,
        )
    try:
        stored = storage.stage(upload.stream, limits.max_bytes)
    except storage.TooLarge:
        return _(
            "“%(name)s” is larger than %(size)s.", name=name, size=format_size(limits.max_bytes)
        )
    uploads.append(Upload(name, file_type.content_type, stored))
    if stored.size == 0:
        return _("“%(name)s” is empty.", name=name)
    if not file_type.matches(stored.head, stored.temp):
        return _(
            "“%(name)s”: the content is not what a .%(ext)s file holds.",
            name=name,
            ext=filetypes.extension(name),
        )
    return bounds.refusal(name, file_type, stored.head, stored.temp)


def discard(uploads: Iterable[Upload]) -> None:
    storage.discard(u.stored for u in uploads)


def attach(post: Post, uploads: list[Upload]) -> list[Attachment]:
    """Moves staged uploads into place and adds their rows to the session (the post needs
    its id); the caller commits."""
    attachments = []
    for upload in uploads:
        storage.keep(upload.stored)
        attachments.append(
            Attachment(
                post_id=post.id,
                sha256=upload.stored.sha256,
                filename=upload.filename,
                content_type=upload.content_type,
                size=upload.stored.size,
            )
        )
    db.session.add_all(attachments)
    return attachments


def count_of(post: Post) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.post_id == post.id)
    )


def add_attachments(actor, post: Post, files: Iterable[FileStorage]) -> list[Attachment]:
    """Whoever may edit a post (its author within the edit window, moderators always)
    attaches files to it, within the forum's limits. Moderators' changes to others'
    posts are audited (`attachment.added`). Commits."""
    policy.require_edit(actor, post)
    files = [f for f in files if f]
    if not files:
        raise Invalid(fields={FIELD: _("Choose a file.")})
    uploads = stage_uploads(post.discussion.space, files, existing=count_of(post))
    try:
        attachments = attach(post, uploads)
        db.session.flush()
        for attachment in attachments:
            events.publish(AttachmentAdded(actor, attachment))
        db.session.commit()
    finally:
        discard(uploads)
    return attachments


def remove_attachment(actor, attachment: Attachment) -> None:
    """Whoever may edit the post removes one of its files; the bytes go too once nothing
    refers to them. Audited when it is someone else's post (`attachment.removed`).
    Commits."""
    if attachment.module_id is not None:  # a course module's resource
        return remove_resource(actor, attachment)
    post, sha256 = attachment.post, attachment.sha256
    policy.require_edit(actor, post)
    events.publish(AttachmentRemoved(actor, attachment))
    db.session.delete(attachment)
    db.session.commit()
    storage.prune([sha256])


def remove_resource(actor, attachment: Attachment) -> None:
    """Whoever may edit the module removes one of its files; the bytes go too once
    nothing refers to them. Commits."""
    policy.require(actor, "delete", attachment)
    sha256 = attachment.sha256
    db.session.delete(attachment)
    db.session.commit()
    storage.prune([sha256])


def hashes_of(post_ids: list[int]) -> set[str]:
    """The content hashes of these posts' files, to prune once the posts are gone."""
    query = select(Attachment.sha256).where(Attachment.post_id.in_(post_ids))
    return set(db.session.scalars(query))


def copy_attachments(pairs: Iterable[tuple[Attachment, Post]]) -> None:
    """Attach already stored files to other posts (a published copy shares the bytes with
    its original); the caller commits."""
    db.session.add_all(
        Attachment(
            post_id=post.id,
            sha256=original.sha256,
            filename=original.filename,
            content_type=original.content_type,
            size=original.size,
        )
        for original, post in pairs
    )
