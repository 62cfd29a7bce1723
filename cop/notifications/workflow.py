"""Notifications for the steps of the work (a consultation assigned, a report, a module
published...): the feature doing the step decides whom it concerns, in its listeners
(cop/consultations, cop/courses, cop/moderation, cop/live), and `notify` keeps those who
may read what it is about and have not turned that kind off. Part of the caller's
transaction; nothing here commits. The mail job sends them like any other
(cop/notifications/delivery.py), asking the read rule again when it writes."""

from sqlalchemy import select

from cop import policy
from cop.accounts.models import User
from cop.db import utcnow
from cop.extensions import db
from cop.notifications.models import Notification, NotificationKind
from cop.notifications.service import muted


def _target(post=None, module=None, live_session=None) -> tuple[dict, object, int]:
    """The notification's fields, and the column and id naming what it is about."""
    if post is not None:
        return {"post": post, "discussion_id": post.discussion_id}, Notification.post_id, post.id
    if module is not None:
        return {"module": module}, Notification.module_id, module.id
    return {"live_session": live_session}, Notification.live_session_id, live_session.id


def _existing(kind: NotificationKind, user_ids, column, value: int) -> dict[int, Notification]:
    rows = db.session.scalars(
        select(Notification).where(
            Notification.kind == kind, column == value, Notification.user_id.in_(user_ids)
        )
    )
    return {n.user_id: n for n in rows}


def notify(
    kind: NotificationKind, users, actor_id: int, tell_actor: bool = False, **target
) -> list[int]:
    """Tell these people about a post, a module or a live session (one of `post`, `module`,
    `live_session`): all but the actor (unless `tell_actor`), the inactive, those who
    turned `kind` off and those who may not read it. Told again about the same thing, a
    person's earlier notification comes back as new. Returns whom it told. Does not
    commit."""
    candidates = {u.id: u for u in users if u.active and (tell_actor or u.id != actor_id)}
    if not candidates:
        return []
    policy.preload_facts(list(candidates.values()))
    off = muted(kind, list(candidates))
    fields, column, value = _target(**target)
    earlier = _existing(kind, list(candidates), column, value)
    now = utcnow()
    told = []
    for user in candidates.values():
        if user.id in off:
            continue
        notification = earlier.get(user.id)
        if notification is None:
            notification = Notification(user_id=user.id, kind=kind, **fields)
        if not policy.can(user, policy.VIEW, notification):  # a new one stays out of the session
            continue
        notification.actor_id = actor_id
        notification.created_at = now
        notification.read_at = notification.emailed_at = notification.mail_retry_at = None
        notification.mail_tries = 0
        db.session.add(notification)
        told.append(user.id)
    return told


def active_users(user_ids=None) -> list[User]:
    """Active people: these, or everyone (for a rule the policy then narrows down, such
    as who moderates a space)."""
    query = select(User).where(User.active.is_(True))
    if user_ids is not None:
        query = query.where(User.id.in_(list(set(user_ids))))
    return list(db.session.scalars(query))
