"""What consultations publish (cop.events), in the transaction of the change: features
and listeners react to them (cop/consultations/listeners.py tells the people concerned)."""

from dataclasses import dataclass

from cop.accounts.models import User
from cop.consultations.models import Consultation, Status
from cop.events import Event


@dataclass(frozen=True)
class ConsultationAssigned(Event):
    """Someone was assigned the consultation (by themselves, or by staff)."""

    name = "consultation.assigned"
    actor: User
    consultation: Consultation
    assignee: User


@dataclass(frozen=True)
class ConsultationMoved(Event):
    """The consultation's status changed (cop/consultations/lifecycle.py); a resolution
    carries the committee's rating on the consultation."""

    name = "consultation.moved"
    actor: User
    consultation: Consultation
    from_status: Status
    to_status: Status
