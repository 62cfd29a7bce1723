"""The live-session rules of cop/policy.py, one case per branch."""

import pytest

from cop import policy
from cop.accounts.models import User
from cop.extensions import db
from cop.live.models import LiveQuestion, LiveSession, QuestionStatus
from cop.spaces.models import Space


@pytest.fixture
def rules(app, world, session_factory):
    """Ask the policy as one of the world's people about a session in the signed-in forum
    hosted by the expert, with the trainee as its moderator."""
    session_id = session_factory(moderators=["trainee"])

    def ask(name: str | None, action: str, space: str | None = None) -> bool:
        with app.app_context():
            user = db.session.get(User, world.users[name].id) if name else None
            if user is None:
                from flask_login import AnonymousUserMixin

                user = AnonymousUserMixin()
            if space is not None:
                return policy.can_schedule_live(user, db.session.get(Space, world.spaces[space]))
            return policy.can(user, action, db.session.get(LiveSession, session_id))

    return ask


@pytest.mark.parametrize(
    ("name", "action", "allowed"),
    [
        (None, "view", False),  # a signed-in forum
        ("member", "view", True),
        (None, "ask", False),
        ("member", "ask", True),
        ("member", "moderate", False),
        ("trainee", "moderate", True),  # the session's moderator
        ("space_moderator", "moderate", True),  # the space's moderator
        ("expert", "moderate", True),  # the host
        ("trainee", "host", False),
        ("expert", "host", True),
        ("other_expert", "host", False),
        ("moderator", "host", True),
        ("admin", "host", True),
        ("member", "host", False),
        ("member", "nonsense", False),
    ],
)
def test_session_actions(rules, name, action, allowed):
    assert rules(name, action) is allowed


@pytest.mark.parametrize(
    ("name", "space", "allowed"),
    [
        ("member", "forum_signed", False),
        ("trainee", "forum_signed", False),
        ("expert", "forum_signed", True),
        ("expert", "live", True),
        ("expert", "course", False),  # not a forum or live space
        ("expert", "forum_members", False),  # cannot read it
        ("moderator", "forum_members", True),
        ("admin", "expert_room", False),
    ],
)
def test_who_schedules_where(rules, name, space, allowed):
    assert rules(name, None, space=space) is allowed


def test_pending_and_hidden_questions_reach_staff_and_author_only(app, world):
    with app.app_context():
        author = db.session.get(User, world.users["member"].id)
        other = db.session.get(User, world.users["outsider"].id)
        for status in (QuestionStatus.PENDING, QuestionStatus.HIDDEN):
            question = LiveQuestion(author_id=author.id, status=status)
            assert policy.sees_question(author, question, moderates=False)
            assert not policy.sees_question(other, question, moderates=False)
            assert policy.sees_question(other, question, moderates=True)
        visible = LiveQuestion(author_id=author.id, status=QuestionStatus.VISIBLE)
        assert policy.sees_question(other, visible, moderates=False)
