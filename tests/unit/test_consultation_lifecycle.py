"""The life-cycle table as a pure rule: what may move where, how, and by whom."""

import pytest
from flask_babel import force_locale

from cop.consultations.lifecycle import TRANSITIONS, Trigger, check, requests
from cop.consultations.models import Status
from cop.errors import Conflict, Forbidden
from cop.policy import Party

S = Status
ALL = frozenset(Party)
COMMITTEE, TEAM, STAFF = (frozenset({p}) for p in Party)


@pytest.fixture(autouse=True)
def _request(app):
    """Messages are translated for someone: a request (in English) is needed."""
    with app.test_request_context(), force_locale("en"):
        yield


def test_the_drawing_of_the_issue_is_the_table():
    requested = {pair for pair, ways in TRANSITIONS.items() if Trigger.REQUEST in ways}
    assert requested == {
        (S.NEW, S.ASSIGNED),
        (S.ANSWERED, S.AWAITING_COMMITTEE),
        (S.AWAITING_COMMITTEE, S.ANSWERED),
        (S.ANSWERED, S.RESOLVED),
        (S.AWAITING_COMMITTEE, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
        (S.RESOLVED, S.ASSIGNED),
        (S.RESOLVED, S.NEW),
        (S.CLOSED, S.ASSIGNED),
        (S.CLOSED, S.NEW),
    }
    automatic = {pair for pair, ways in TRANSITIONS.items() if Trigger.REQUEST not in ways}
    assert automatic == {(S.ASSIGNED, S.NEW), (S.NEW, S.ANSWERED), (S.ASSIGNED, S.ANSWERED)}


def test_only_the_committee_resolves():
    assert check(S.ANSWERED, S.RESOLVED, Trigger.REQUEST, COMMITTEE, True).to == S.RESOLVED
    for parties in (TEAM, STAFF, TEAM | STAFF):
        with pytest.raises(Forbidden):
            check(S.ANSWERED, S.RESOLVED, Trigger.REQUEST, parties, True)


def test_asking_for_assigned_assigns_an_expert_and_needs_someone():
    assert check(S.NEW, S.ASSIGNED, Trigger.REQUEST, TEAM, False).self_assign
    assert not check(S.NEW, S.ASSIGNED, Trigger.ASSIGNMENT, STAFF, True).self_assign
    with pytest.raises(Forbidden):  # staff assign by choosing someone
        check(S.NEW, S.ASSIGNED, Trigger.REQUEST, STAFF, False)
    with pytest.raises(Conflict):
        check(S.CLOSED, S.ASSIGNED, Trigger.REQUEST, COMMITTEE, False)
    assert check(S.CLOSED, S.ASSIGNED, Trigger.REQUEST, TEAM, False).self_assign
    with pytest.raises(Conflict):
        check(S.RESOLVED, S.NEW, Trigger.REQUEST, COMMITTEE, True)


def test_automatic_moves_cannot_be_asked_for():
    for current in (S.NEW, S.ASSIGNED):
        with pytest.raises(Conflict, match="when an expert or trainee replies"):
            check(current, S.ANSWERED, Trigger.REQUEST, ALL, True)
    with pytest.raises(Conflict, match="last assignee is removed"):
        check(S.ASSIGNED, S.NEW, Trigger.REQUEST, ALL, True)
    with pytest.raises(Forbidden):  # a committee reply is not an answer
        check(S.ASSIGNED, S.ANSWERED, Trigger.REPLY, COMMITTEE, True)


def test_refusals_name_the_states():
    with pytest.raises(Conflict, match="from “New” to “Closed”"):
        check(S.NEW, S.CLOSED, Trigger.REQUEST, ALL, False)
    with pytest.raises(Conflict, match="already “Resolved”"):
        check(S.RESOLVED, S.RESOLVED, Trigger.REQUEST, COMMITTEE, True)


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("parties", [COMMITTEE, TEAM, STAFF, frozenset()], ids=str)
@pytest.mark.parametrize("assigned", [True, False])
def test_the_buttons_are_exactly_the_moves_check_allows(current, parties, assigned):
    offered = requests(current, parties, assigned)
    for to in Status:
        try:
            check(current, to, Trigger.REQUEST, parties, assigned)
        except (Conflict, Forbidden):
            assert to not in offered
        else:
            assert to in offered
