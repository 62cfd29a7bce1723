from dataclasses import dataclass
from typing import Any

from cop.events import Event


@dataclass(frozen=True)
class PersonErased(Event):
    """An administrator erased a person (`user`, already anonymised): the features above
    remove, in the same transaction, what they keep about them."""

    name = "person.erased"
    actor: Any
    user: Any
