"""A token's last use: recorded, to five minutes, and in a storm of arrivals written for
many tokens at once without anyone waiting behind another's write (cop/accounts/token_use.py)."""

import threading
import time

from sqlalchemy import select, update

from cop.accounts.models import AccessToken, User
from cop.accounts.service import create_token, user_for_token
from cop.extensions import db
from tests.conftest import QueryCounter


def _tokens(app, make_user, n: int) -> list[str]:
    with app.app_context():
        return [create_token(db.session.get(User, make_user().id), "t")[1] for _ in range(n)]


def _engine(app):
    with app.app_context():
        return db.engine


def _last_used(app) -> list:
    with app.app_context():
        return db.session.scalars(select(AccessToken.last_used_at).order_by(AccessToken.id)).all()


def _updates(counted) -> list[str]:
    return [s for s in counted.statements if s.lstrip().upper().startswith("UPDATE")]


def test_a_first_use_is_recorded_and_a_second_within_five_minutes_writes_nothing(app, make_user):
    [raw] = _tokens(app, make_user, 1)
    with app.app_context():
        assert user_for_token(raw) is not None
    [first] = _last_used(app)
    assert first is not None
    with app.app_context(), QueryCounter(db.engine) as counted:
        assert user_for_token(raw) is not None
    assert not _updates(counted)
    assert _last_used(app) == [first]


def test_uses_that_come_during_a_write_go_together_in_the_next_and_wait_for_none(app, make_user):
    raws = _tokens(app, make_user, 21)
    with app.app_context():
        first_id = db.session.scalar(select(AccessToken.id).order_by(AccessToken.id))
    engine = _engine(app)
    holder = engine.connect()  # another writer: the first use's write waits for it
    holder.execute(update(AccessToken).where(AccessToken.id == first_id).values(name="held"))

    def use(raw: str, took: list) -> None:
        started = time.monotonic()
        with app.app_context():
            assert user_for_token(raw) is not None
        took.append(time.monotonic() - started)

    with QueryCounter(engine) as counted:
        first_took: list[float] = []
        first = threading.Thread(target=use, args=(raws[0], first_took))
        first.start()
        time.sleep(0.3)  # its write now waits
        others_took: list[float] = []
        others = [threading.Thread(target=use, args=(r, others_took)) for r in raws[1:]]
        for thread in others:
            thread.start()
        for thread in others:
            thread.join(5)
        # nobody waited: a wait for the write turn would last until the holder commits below
        # (or the 2 s lock wait ran out); a second leaves room for a busy machine
        assert len(others_took) == 20 and max(others_took) < 1.0
        time.sleep(0.2)
        holder.commit()
        holder.close()
        first.join(5)
        deadline = time.monotonic() + 5
        while None in _last_used(app) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert None not in _last_used(app)
    assert len(_updates(counted)) == 2  # the first use's, then the twenty that came meanwhile


def test_uses_that_follow_a_write_within_its_gap_wait_for_one_write_together(app, make_user):
    """One request after another, as a thousand webinar arrivals come to a process: only
    the first writes before it goes on; the rest are written together a gap later."""
    # Served, the gap is a second (tests' default: 0); two leave the ten room on a busy
    # machine: one coming after the gap's write would make a third.
    app.config["COP_TOKEN_USE_GAP"] = 2.0
    raws = _tokens(app, make_user, 11)
    engine = _engine(app)
    with QueryCounter(engine) as counted:
        with app.app_context():
            assert user_for_token(raws[0]) is not None
        assert len(_updates(counted)) == 1
        for raw in raws[1:]:
            with app.app_context():
                assert user_for_token(raw) is not None
        assert len(_updates(counted)) == 1  # none of the ten wrote on its way
        deadline = time.monotonic() + 6
        while None in _last_used(app) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert None not in _last_used(app)
    assert len(_updates(counted)) == 2  # the ten, in one statement
