"""What organisations publish (cop.events): people who may now read less than before."""

from dataclasses import dataclass

from cop.accounts.models import User
from cop.events import Event


@dataclass(frozen=True)
class MembershipRemoved(Event):
    """People were taken out of something that let them read: an expert group, a
    community's committee, a space or its moderators; or an expert group stopped coaching
    a community (its members lose that community's desk). `scope` is what they left.
    Published in the transaction of the change, by the service that made it."""

    name = "membership.removed"
    actor: User
    scope: object
    user_ids: frozenset[int]
