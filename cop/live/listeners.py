"""Replies pushed to open discussion pages once they are committed (cop.events)."""

from flask import Flask

from cop import events
from cop.discussions.events import Replied
from cop.live.replies import reply_posted


def _replied(event: Replied) -> None:
    reply_posted(event.post)


def register(app: Flask) -> None:
    events.subscribe(app, Replied, _replied, events.AFTER_COMMIT)
