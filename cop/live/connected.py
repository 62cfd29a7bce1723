"""The person behind each socket of this process, cached at connect (cop/live/sockets.py)
and read by whatever decides, socket by socket, what to send (audience, replies,
revocation)."""

from cop.accounts.models import User

people: dict[str, User] = {}


def local_people() -> dict[str, User]:
    """The person behind each socket of this process."""
    return dict(people)
