from sqlalchemy import select

from cop.accounts.models import AccessToken, User
from cop.extensions import db


def list_active_tokens(user: User) -> list[AccessToken]:
    """The person's tokens that still work, newest first."""
    return list(
        db.session.scalars(
            select(AccessToken)
            .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )
