from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.accounts.models import User, enum_column
from cop.db import utcnow
from cop.extensions import db
from cop.orgs.models import Community, ExpertGroup, ThematicPlatform

TITLE_MAX = 200
DESCRIPTION_MAX = 4000


class SpaceKind(StrEnum):
    FORUM = "forum"
    EXPERT_ROOM = "expert_room"
    COURSE = "course"
    CONSULTATION_DESK = "consultation_desk"
    LIVE = "live"


class Visibility(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    MEMBERS = "members"


class SpaceRole(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"


class Space(db.Model):
    """The container everything written lives in; its kind decides its screens and rules."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind), index=True)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("thematic_platform.id"))
    # An expert room belongs to one expert group; a consultation desk to one community.
    expert_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("expert_group.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("community.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A public forum where experts publish resolved consultations (the oldest one is used).
    knowledge_base: Mapped[bool] = mapped_column(default=False, server_default=false())

    platform: Mapped[ThematicPlatform | None] = relationship(lazy="joined")
    expert_group: Mapped[ExpertGroup | None] = relationship(lazy="joined")
    community: Mapped[Community | None] = relationship(lazy="joined")


class SpaceMembership(db.Model):
    space_id: Mapped[int] = mapped_column(
        ForeignKey("space.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[SpaceRole] = mapped_column(enum_column(SpaceRole), default=SpaceRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    space: Mapped[Space] = relationship()
    user: Mapped[User] = relationship(lazy="joined")
