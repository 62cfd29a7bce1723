from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.accounts.models import User, enum_column
from cop.db import utcnow
from cop.extensions import db

TITLE_MAX = 200


class CommunityKind(StrEnum):
    VILLAGE = "village"
    SETTLEMENT = "settlement"
    TOWN = "town"


class Association(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TITLE_MAX), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Community(db.Model):
    """A hromada; its committee members are users linked through CommitteeMembership."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TITLE_MAX), unique=True)
    kind: Mapped[CommunityKind] = mapped_column(enum_column(CommunityKind))
    oblast: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    committee: Mapped[list["CommitteeMembership"]] = relationship(
        back_populates="community", cascade="all, delete-orphan"
    )


class CommitteeMembership(db.Model):
    community_id: Mapped[int] = mapped_column(
        ForeignKey("community.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community] = relationship(back_populates="committee")
    user: Mapped[User] = relationship()


expert_group_member = Table(
    "expert_group_member",
    db.Model.metadata,
    Column("group_id", ForeignKey("expert_group.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

expert_group_community = Table(
    "expert_group_community",
    db.Model.metadata,
    Column("group_id", ForeignKey("expert_group.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "community_id", ForeignKey("community.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class ExpertGroup(db.Model):
    """Experts and trainees, from several associations, coaching one or more communities."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TITLE_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(secondary=expert_group_member, order_by=User.id)
    communities: Mapped[list[Community]] = relationship(
        secondary=expert_group_community, order_by=Community.id
    )


class ThematicPlatform(db.Model):
    """The topic taxonomy; its 19 rows are loaded by the first migration."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_uk: Mapped[str] = mapped_column(String(TITLE_MAX))
    name_en: Mapped[str] = mapped_column(String(TITLE_MAX))
    position: Mapped[int]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_uk
