"""The moderation log as the reader sees it: each audit entry as a sentence in the reader's
language, with a link to what was acted on when the reader may still see it."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cop import policy
from cop.accounts.models import User
from cop.attachments.models import Attachment
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.moderation.models import AuditEntry
from cop.spaces.models import Space

# Impersonal sentences: the actor is shown beside them, so no verb has to agree with a gender.
SENTENCES = {
    "post.hidden": _l("Post hidden in %(object)s"),
    "post.restored": _l("Post shown again in %(object)s"),
    "post.edited": _l("Someone else's post edited in %(object)s"),
    "post.deleted": _l("Someone else's post deleted in %(object)s"),
    "reports.dismissed": _l("Reports on a post in %(object)s dismissed"),
    "discussion.pinned": _l("Discussion %(object)s pinned"),
    "discussion.unpinned": _l("Discussion %(object)s unpinned"),
    "discussion.locked": _l("Discussion %(object)s closed to replies"),
    "discussion.unlocked": _l("Discussion %(object)s opened to replies again"),
    "discussion.moved": _l("Discussion %(object)s moved to another space"),
    "discussion.split": _l("Discussion %(object)s split off from another discussion"),
    "forum.configured": _l("Settings of the forum %(object)s changed"),
    "attachment.added": _l("File added to someone else's post in %(object)s"),
    "attachment.removed": _l("File removed from someone else's post in %(object)s"),
    "person.erased": _l("Personal data erased: %(object)s"),
}
UNKNOWN = _l("Other action on %(object)s")
GONE = _l("something since deleted")
HIDDEN = _l("something you cannot open")

MODELS = {
    "post": Post,
    "discussion": Discussion,
    "space": Space,
    "attachment": Attachment,
    "user": User,
}
LOADS = {
    "post": [selectinload(Post.discussion)],
    "attachment": [selectinload(Attachment.post).selectinload(Post.discussion)],
}


@dataclass
class Line:
    entry: AuditEntry
    template: str
    title: str | None
    url: str | None
    exists: bool

    def sentence(self) -> Markup:
        if self.title is None:
            obj = escape(GONE if not self.exists else HIDDEN)
        else:
            obj = escape(_("“%(text)s”", text=self.title))
            if self.url:
                obj = Markup('<a href="{}">{}</a>').format(self.url, obj)
        return escape(self.template) % {"object": obj}


def _targets(entries: list[AuditEntry]) -> dict[tuple[str, int], object]:
    found = {}
    for kind, model in MODELS.items():
        ids = {e.target_id for e in entries if e.target_type == kind}
        if ids:
            query = select(model).where(model.id.in_(ids)).options(*LOADS.get(kind, []))
            for row in db.session.scalars(query):
                found[kind, row.id] = row
    return found


def _where(user, target) -> tuple[str | None, str | None]:
    """The title and link of the discussion or space an entry's object lives in."""
    if isinstance(target, Attachment):
        target = target.post
    if target is None:
        return None, None
    if isinstance(target, User):  # erased: only its number is left to name it by
        return _("account No. %(id)s", id=target.id), None
    if isinstance(target, Post):
        if not policy.can(user, policy.VIEW, target):
            return None, None
        url = url_for("discussions.post", post_id=target.id)
        return target.discussion.title, url
    if not policy.can(user, policy.VIEW, target):
        return None, None
    if isinstance(target, Discussion):
        return target.title, url_for("discussions.discussion", discussion_id=target.id)
    return target.title, url_for("spaces.space", space_id=target.id)


def lines(user, entries: list[AuditEntry]) -> list[Line]:
    targets = _targets(entries)
    out = []
    for entry in entries:
        target = targets.get((entry.target_type, entry.target_id))
        title, url = _where(user, target)
        template = str(SENTENCES.get(entry.action, UNKNOWN))
        out.append(Line(entry, template, title, url, target is not None))
    return out
