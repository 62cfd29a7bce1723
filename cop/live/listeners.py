"""Replies pushed to open discussion pages once they are committed, and open pages and
live sessions closed to those who lose them (cop.events); the live questions' stored vote
counts, for `cop db check`."""

from flask import Flask

from cop import counters, events, realtime
from cop.courses.events import ModuleUnpublished
from cop.discussions.events import DiscussionMoved, ForumConfigured, PostHidden, Replied
from cop.live import broadcast, reminders, revocation
from cop.live.broadcast import discussion_room
from cop.live.counters import STORED
from cop.live.events import LiveSessionStarting
from cop.live.replies import DELIVER, WITHDRAW, deliver, reply_hidden, reply_posted, withdraw
from cop.orgs.events import MembershipRemoved
from cop.realtime import user_room
from cop.spaces.events import SpaceAccessChanged


def _replied(event: Replied) -> None:
    reply_posted(event.post)


def _hidden(event: PostHidden) -> None:
    reply_hidden(event.post)


def _membership_removed(event: MembershipRemoved) -> None:
    for user_id in sorted(event.user_ids):
        revocation.recheck_everywhere(user_room(user_id))


def _moved(event: DiscussionMoved) -> None:
    revocation.recheck_everywhere(discussion_room(event.discussion.id))


def _space_changed(_event: SpaceAccessChanged | ForumConfigured | ModuleUnpublished) -> None:
    # Which sockets watch the space's discussions and sessions only each process knows.
    revocation.recheck_everywhere(revocation.EVERYONE)


def register(app: Flask) -> None:
    counters.declare(app, STORED)
    events.subscribe(app, LiveSessionStarting, reminders.tell_followers)
    realtime.on_control(app, DELIVER, deliver)
    realtime.on_control(app, WITHDRAW, withdraw)
    realtime.on_control(app, broadcast.SEND, broadcast.deliver)
    realtime.on_control(app, broadcast.PRESENCE, broadcast.hear_presence)
    realtime.on_control(app, revocation.RECHECK, revocation.recheck)
    events.subscribe(app, Replied, _replied, events.AFTER_COMMIT)
    events.subscribe(app, PostHidden, _hidden, events.AFTER_COMMIT)
    events.subscribe(app, MembershipRemoved, _membership_removed, events.AFTER_COMMIT)
    events.subscribe(app, DiscussionMoved, _moved, events.AFTER_COMMIT)
    events.subscribe(app, SpaceAccessChanged, _space_changed, events.AFTER_COMMIT)
    events.subscribe(app, ForumConfigured, _space_changed, events.AFTER_COMMIT)
    events.subscribe(app, ModuleUnpublished, _space_changed, events.AFTER_COMMIT)
