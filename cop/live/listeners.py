"""Replies pushed to open discussion pages once they are committed (cop.events); the
live questions' stored vote counts, for `cop db check`."""

from flask import Flask

from cop import counters, events
from cop.discussions.events import Replied
from cop.live.counters import STORED
from cop.live.replies import reply_posted


def _replied(event: Replied) -> None:
    reply_posted(event.post)


def register(app: Flask) -> None:
    counters.declare(app, STORED)
    events.subscribe(app, Replied, _replied, events.AFTER_COMMIT)
