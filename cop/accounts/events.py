"""What accounts publish (cop.events) and the hooks its pages ask (cop.events.ask),
answered by features higher up in their own packages."""

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


# (viewer, person, page, per_page) -> a dict of more values for the person's profile: what
# they wrote that the viewer may read (answered by discussions).
PERSON_PAGE_CONTEXT = "person.page_context"

# (user) -> a dict of more template values for the profile page.
PROFILE_CONTEXT = "profile.page_context"
