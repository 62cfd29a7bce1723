"""The acting user for work the operator starts from the command line (`cop create-user`,
`cop demo`): an administrator who is nobody in particular."""

from cop.accounts.models import Role


class _System:
    id = 0
    role = Role.ADMIN
    is_authenticated = True
    is_active = True
    display_name = "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = _System()
