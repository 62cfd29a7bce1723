from datetime import datetime

from flask import Blueprint
from flask_login import current_user
from pydantic import Field

from cop import policy
from cop.errors import NotFound
from cop.inputs import Ids, Line
from cop.jsonapi import Input, Output, endpoint
from cop.orgs import queries, service
from cop.orgs.models import TITLE_MAX, Association, Community, CommunityKind, ExpertGroup

bp = Blueprint("orgs", __name__)


class PlatformOut(Output):
    id: int
    slug: str
    name_uk: str
    name_en: str


class PlatformList(Output):
    items: list[PlatformOut]


class CommunityOut(Output):
    id: int
    name: str
    kind: CommunityKind
    oblast: str
    committee_user_ids: list[int]
    created_at: datetime


class CommunityList(Output):
    items: list[CommunityOut]


class CommunityIn(Input):
    name: Line = Field(max_length=TITLE_MAX)
    kind: CommunityKind
    oblast: Line = Field(max_length=80)
    committee_user_ids: Ids = None


class CommunityPatch(Input):
    name: Line = Field(None, max_length=TITLE_MAX)
    kind: CommunityKind = None
    oblast: Line = Field(None, max_length=80)
    committee_user_ids: Ids = None


class AssociationOut(Output):
    id: int
    name: str
    short_name: str


class AssociationList(Output):
    items: list[AssociationOut]


class AssociationIn(Input):
    name: Line = Field(max_length=TITLE_MAX)
    short_name: Line = Field(max_length=40)


class AssociationPatch(Input):
    name: Line = Field(None, max_length=TITLE_MAX)
    short_name: Line = Field(None, max_length=40)


class ExpertGroupOut(Output):
    id: int
    name: str
    member_ids: list[int]
    community_ids: list[int]


class ExpertGroupList(Output):
    items: list[ExpertGroupOut]


class ExpertGroupIn(Input):
    name: Line = Field(max_length=TITLE_MAX)
    member_ids: Ids = []
    community_ids: Ids = []


class ExpertGroupPatch(Input):
    name: Line = Field(None, max_length=TITLE_MAX)
    member_ids: Ids = None
    community_ids: Ids = None


def _community_out(c: Community) -> CommunityOut:
    return CommunityOut(
        id=c.id,
        name=c.name,
        kind=c.kind,
        oblast=c.oblast,
        committee_user_ids=[m.user_id for m in c.committee],
        created_at=c.created_at,
    )


def _group_out(g: ExpertGroup) -> ExpertGroupOut:
    return ExpertGroupOut(
        id=g.id,
        name=g.name,
        member_ids=[u.id for u in g.members],
        community_ids=[c.id for c in g.communities],
    )


def _visible(model, id_: int):
    obj = queries.get(model, id_)
    if not policy.can(current_user, policy.VIEW, obj):
        raise NotFound()
    return obj


@endpoint(bp, "/platforms", summary="The thematic platforms", response=PlatformList, auth=False)
def list_platforms():
    return {"items": queries.list_platforms()}


@endpoint(bp, "/communities", summary="Communities", response=CommunityList)
def list_communities():
    return CommunityList(items=[_community_out(c) for c in queries.list_communities()])


def _save_community(community, data):
    fields = data.model_dump(exclude_unset=True)
    return _community_out(service.save_community(current_user, community, fields))


@endpoint(
    bp,
    "/communities",
    "POST",
    summary="Create a community (staff)",
    body=CommunityIn,
    response=CommunityOut,
    status=201,
)
def create_community(data: CommunityIn):
    return _save_community(None, data)


@endpoint(bp, "/communities/<int:community_id>", summary="One community", response=CommunityOut)
def get_community(community_id: int):
    return _community_out(_visible(Community, community_id))


@endpoint(
    bp,
    "/communities/<int:community_id>",
    "PATCH",
    summary="Change a community (staff)",
    body=CommunityPatch,
    response=CommunityOut,
)
def patch_community(community_id: int, data: CommunityPatch):
    return _save_community(_visible(Community, community_id), data)


@endpoint(bp, "/associations", summary="Associations", response=AssociationList)
def list_associations():
    return {"items": queries.list_associations()}


@endpoint(
    bp,
    "/associations",
    "POST",
    summary="Create an association (staff)",
    body=AssociationIn,
    response=AssociationOut,
    status=201,
)
def create_association(data: AssociationIn):
    return service.save_association(current_user, None, data.model_dump())


@endpoint(
    bp, "/associations/<int:association_id>", summary="One association", response=AssociationOut
)
def get_association(association_id: int):
    return _visible(Association, association_id)


@endpoint(
    bp,
    "/associations/<int:association_id>",
    "PATCH",
    summary="Change an association (staff)",
    body=AssociationPatch,
    response=AssociationOut,
)
def patch_association(association_id: int, data: AssociationPatch):
    association = _visible(Association, association_id)
    return service.save_association(current_user, association, data.model_dump(exclude_unset=True))


@endpoint(bp, "/expert-groups", summary="Expert groups", response=ExpertGroupList)
def list_expert_groups():
    return ExpertGroupList(items=[_group_out(g) for g in queries.list_expert_groups()])


@endpoint(
    bp,
    "/expert-groups",
    "POST",
    summary="Create an expert group (staff)",
    body=ExpertGroupIn,
    response=ExpertGroupOut,
    status=201,
)
def create_expert_group(data: ExpertGroupIn):
    return _group_out(service.save_expert_group(current_user, None, data.model_dump()))


@endpoint(bp, "/expert-groups/<int:group_id>", summary="One expert group", response=ExpertGroupOut)
def get_expert_group(group_id: int):
    return _group_out(_visible(ExpertGroup, group_id))


@endpoint(
    bp,
    "/expert-groups/<int:group_id>",
    "PATCH",
    summary="Change an expert group (staff)",
    body=ExpertGroupPatch,
    response=ExpertGroupOut,
)
def patch_expert_group(group_id: int, data: ExpertGroupPatch):
    group = _visible(ExpertGroup, group_id)
    return _group_out(
        service.save_expert_group(current_user, group, data.model_dump(exclude_unset=True))
    )
