"""The service when two people act at once: a move made meanwhile refuses a requested
move, but never loses a reply."""

import pytest
from sqlalchemy import update

from cop.accounts.models import User
from cop.consultations import service
from cop.consultations.models import Consultation, Status
from cop.discussions import service as discussions
from cop.errors import Conflict
from cop.extensions import db


@pytest.fixture
def setting(app, world):
    with app.test_request_context():
        people = {name: db.session.get(User, u.id) for name, u in world.users.items()}
        consultation = service.open_consultation(people["member"], title="Т", body="Питання")
        yield people, consultation


def behind_its_back(consultation, status):
    db.session.execute(
        update(Consultation).where(Consultation.id == consultation.id).values(status=status),
        execution_options={"synchronize_session": False},
    )


def test_a_move_made_meanwhile_refuses_a_requested_one(setting):
    people, consultation = setting
    discussions.reply(people["expert"], consultation.discussion, body="Відповідь")
    assert consultation.status == Status.ANSWERED
    behind_its_back(consultation, Status.AWAITING_COMMITTEE)
    with pytest.raises(Conflict):
        service.transition(people["expert"], consultation, Status.AWAITING_COMMITTEE)


def test_a_move_made_meanwhile_never_loses_a_reply(setting):
    people, consultation = setting
    behind_its_back(consultation, Status.ASSIGNED)  # someone assigned it meanwhile
    assert consultation.status == Status.NEW  # as this request last saw it
    post = discussions.reply(people["trainee"], consultation.discussion, body="Відповідь")
    assert post.id is not None and post.body == "Відповідь"
    db.session.refresh(consultation)
    assert consultation.first_response_at is not None  # the move itself was skipped
    assert consultation.status == Status.ASSIGNED
