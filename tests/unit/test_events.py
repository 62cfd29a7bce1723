"""The after-commit moment of the domain events (cop/events.py): a step that fails there
is logged, and neither undoes the commit nor stops the steps queued after it."""

import logging

from cop import events
from cop.accounts.models import User
from cop.extensions import db


def test_a_failing_after_commit_step_undoes_nothing(app, make_user, caplog):
    def fail() -> None:
        raise ConnectionError("the message queue is down")

    user, done = make_user(), []
    with app.app_context():
        db.session.get(User, user.id).display_name = "Renamed"
        events.after_commit(fail)
        events.after_commit(done.append, "sent")
        with caplog.at_level(logging.ERROR, logger="cop.events"):
            db.session.commit()
        assert done == ["sent"]
        db.session.expire_all()
        assert db.session.get(User, user.id).display_name == "Renamed"
    assert "the message queue is down" in caplog.text
