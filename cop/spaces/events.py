"""What spaces publish (cop.events), and the hooks the space pages ask (cop.events.ask):
what the features living in a space show there. Answered by the features, higher up, in
their own packages."""

from dataclasses import dataclass

from cop.accounts.models import User
from cop.events import Event
from cop.spaces.models import Space


@dataclass(frozen=True)
class SpaceAccessChanged(Event):
    """What decides who reads a space changed: its visibility, its expert group or its
    community (published in the transaction of the change)."""

    name = "space.access_changed"
    actor: User
    space: Space


# (user, space_ids) -> {space_id: unread count}, for lists of spaces.
UNREAD_COUNTS = "space.unread_counts"
# (user, space, page, per_page) -> a dict of more template values for the space's page.
PAGE_CONTEXT = "space.page_context"
