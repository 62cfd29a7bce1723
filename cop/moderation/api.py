from datetime import datetime

from flask import Blueprint
from flask_login import current_user
from pydantic import Field

from cop import policy
from cop.discussions.api import DiscussionOut, PostOut, _discussion_out, _post_out
from cop.discussions.models import TITLE_MAX
from cop.discussions.queries import get_discussion, get_post
from cop.errors import Forbidden
from cop.inputs import Body, Id, Line
from cop.jsonapi import Input, Output, endpoint
from cop.moderation import queries, service, split
from cop.moderation.models import REASON_MAX
from cop.spaces.queries import get_space

bp = Blueprint("moderation", __name__)


class ReportIn(Input):
    reason: Body = Field(max_length=REASON_MAX)


class ReportOut(Output):
    id: int
    post_id: int
    reason: str
    created_at: datetime
    resolved_at: datetime | None


class ReportList(Output):
    items: list[ReportOut]


class MoveIn(Input):
    space_id: Id


class SplitIn(Input):
    title: Line = Field(max_length=TITLE_MAX, description="The new discussion's title")


class AuditOut(Output):
    id: int
    actor_id: int
    action: str
    target_type: str
    target_id: int
    space_id: int | None
    detail: dict
    created_at: datetime


class AuditList(Output):
    items: list[AuditOut]


@endpoint(
    bp,
    "/posts/<int:post_id>/reports",
    "POST",
    summary="Report a post to moderators",
    body=ReportIn,
    response=ReportOut,
    status=201,
)
def create_report(post_id: int, data: ReportIn):
    return service.report_post(current_user, get_post(current_user, post_id), data.reason)


@endpoint(
    bp, "/moderation/reports", summary="Open reports in spaces I moderate", response=ReportList
)
def list_reports():
    return {"items": queries.list_open_reports(current_user)}


@endpoint(
    bp, "/posts/<int:post_id>/hidden", "PUT", summary="Hide a post (moderators)", response=PostOut
)
def hide_post(post_id: int):
    return _post_out(service.hide_post(current_user, get_post(current_user, post_id)))


@endpoint(
    bp, "/posts/<int:post_id>/hidden", "DELETE", summary="Restore a hidden post", response=PostOut
)
def restore_post(post_id: int):
    return _post_out(service.restore_post(current_user, get_post(current_user, post_id)))


@endpoint(
    bp,
    "/posts/<int:post_id>/reports",
    "DELETE",
    summary="Dismiss a post's open reports (moderators)",
    status=204,
)
def dismiss_reports(post_id: int):
    service.dismiss_reports(current_user, get_post(current_user, post_id))


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/move",
    "POST",
    summary="Move a discussion to another forum (moderators of both)",
    body=MoveIn,
    response=DiscussionOut,
)
def move_discussion(discussion_id: int, data: MoveIn):
    discussion = get_discussion(current_user, discussion_id)
    target = get_space(current_user, data.space_id)
    return _discussion_out(service.move_discussion(current_user, discussion, target))


@endpoint(
    bp,
    "/posts/<int:post_id>/split",
    "POST",
    summary="Make a reply and the replies below it a new discussion in the same forum (moderators)",
    body=SplitIn,
    response=DiscussionOut,
    status=201,
)
def split_discussion(post_id: int, data: SplitIn):
    post = get_post(current_user, post_id)
    return _discussion_out(split.split_discussion(current_user, post, data.title))


@endpoint(
    bp, "/moderation/audit", summary="The newest moderator actions (staff)", response=AuditList
)
def list_audit():
    if not policy.can(current_user, policy.MODERATE, policy.SITE):
        raise Forbidden()
    return {"items": queries.list_audit()}
