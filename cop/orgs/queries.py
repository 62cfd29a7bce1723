from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cop.errors import NotFound
from cop.extensions import db
from cop.orgs.models import (
    Association,
    CommitteeMembership,
    Community,
    ExpertGroup,
    ThematicPlatform,
)


def list_platforms() -> list[ThematicPlatform]:
    return list(db.session.scalars(select(ThematicPlatform).order_by(ThematicPlatform.position)))


def list_communities() -> list[Community]:
    return list(
        db.session.scalars(
            select(Community)
            .options(selectinload(Community.committee).joinedload(CommitteeMembership.user))
            .order_by(Community.name)
        )
    )


def list_associations() -> list[Association]:
    return list(db.session.scalars(select(Association).order_by(Association.name)))


def list_expert_groups() -> list[ExpertGroup]:
    return list(
        db.session.scalars(
            select(ExpertGroup)
            .options(selectinload(ExpertGroup.members), selectinload(ExpertGroup.communities))
            .order_by(ExpertGroup.name)
        )
    )


def get(model, id_: int):
    obj = db.session.get(model, id_)
    if obj is None:
        raise NotFound()
    return obj
