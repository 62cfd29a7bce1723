from datetime import date, datetime

from flask import Blueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.datastructures import FileStorage

from cop import policy
from cop.attachments.api import AttachmentList, AttachmentOut, attachment_out
from cop.attachments.service import FIELD
from cop.courses import progress, queries, service
from cop.courses.models import (
    COMPLETION_COUNT_MAX,
    LINK_TITLE_MAX,
    MINUTES_MAX,
    TITLE_MAX,
    URL_MAX,
    Completion,
    CourseModule,
    ModuleStatus,
)
from cop.discussions.api import AuthorOut
from cop.discussions.models import ForumType
from cop.inputs import Body, Day, Id, Line
from cop.jsonapi import Input, Output, endpoint
from cop.text import BODY_MAX, BODY_RULE

bp = Blueprint("courses", __name__)


class LinkOut(Output):
    id: int
    title: str
    url: str


class ModuleSummary(Output):
    id: int
    course_id: int
    position: int
    title: str
    status: ModuleStatus = Field(description="draft (authors and publishers only) or published")
    completion: Completion = Field(
        description="manual: the learner marks it; view: on opening; discussions, replies, "
        "posts: once the learner has written completion_count of them in the module's forum"
    )
    completion_count: int | None = Field(description="How many posts a participation asks")
    minutes: int | None = Field(description="Estimated time")
    due_on: date | None
    forum_id: int = Field(description="The module's discussion forum (a space)")
    completed: bool = Field(description="By the viewer")
    locked: bool = Field(description="Waits for the previous module to be completed")


class ModuleOut(ModuleSummary):
    body: str = Field(description="Markdown source; empty while locked")
    body_html: str = Field(description="Sanitized HTML; empty while locked")
    author: AuthorOut
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    links: list[LinkOut]
    resources: list[AttachmentOut]


class ModuleList(Output):
    items: list[ModuleSummary]


class CourseOut(Output):
    id: int
    title: str
    description: str
    requires_previous: bool = Field(description="Each module waits for the one before it")
    modules_published: int
    modules_completed: int = Field(description="By the viewer")
    percent: int = Field(description="The viewer's progress")
    next_module_id: int | None = Field(description="What the viewer should open next")


class CourseList(Output):
    items: list[CourseOut]


class CourseIn(Input):
    requires_previous: bool


class ModuleIn(Input):
    title: Line = Field(max_length=TITLE_MAX)
    body: Body = Field(max_length=BODY_MAX, description=BODY_RULE)
    completion: Completion = Completion.MANUAL
    completion_count: int | None = Field(
        None,
        ge=1,
        le=COMPLETION_COUNT_MAX,
        description="With completion discussions, replies or posts: how many",
    )
    minutes: int | None = Field(None, ge=1, le=MINUTES_MAX, description="Estimated time")
    due_on: Day | None = Field(None, description="ISO date, YYYY-MM-DD")
    forum_type: ForumType = Field(
        ForumType.STANDARD, description="standard, qanda or each_one (not single)"
    )


class ModulePatch(Input):
    title: Line = Field(None, max_length=TITLE_MAX)
    body: Body = Field(None, max_length=BODY_MAX, description=BODY_RULE)
    completion: Completion = None
    completion_count: int | None = Field(
        None,
        ge=1,
        le=COMPLETION_COUNT_MAX,
        description="With completion discussions, replies or posts: how many",
    )
    minutes: int | None = Field(None, ge=1, le=MINUTES_MAX, description="null: not given")
    due_on: Day | None = Field(None, description="null: no due date")
    status: ModuleStatus = Field(
        None, description="published or draft (unpublish): those who publish"
    )
    move: int = Field(None, ge=-1, le=1, description="-1: one place up, 1: down")


class LinkIn(Input):
    title: Line = Field(max_length=LINK_TITLE_MAX)
    url: Line = Field(max_length=URL_MAX, description="http or https")


class RevisionOut(Output):
    id: int
    title: str
    body: str
    body_html: str
    edited_by: AuthorOut
    created_at: datetime


class RevisionList(Output):
    items: list[RevisionOut]


class CompletionOut(Output):
    module_id: int
    completed: bool


class MemberProgress(Output):
    user_id: int
    display_name: str
    community_id: int
    completed_module_ids: list[int]


class CommunityProgress(Output):
    community_id: int
    name: str
    members: int = Field(description="Committee members")
    completed: dict[str, int] = Field(description="Members who completed it, by module id")


class ProgressOut(Output):
    modules_published: int
    modules_completed: int = Field(description="By the viewer")
    percent: int
    completed_module_ids: list[int] = Field(description="By the viewer")
    members: list[MemberProgress] | None = Field(
        description="Committee members' progress: experts and moderators only"
    )
    communities: list[CommunityProgress] | None = Field(
        description="Completion per community and module: experts and moderators only"
    )


class ProgressQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    community_id: Id | None = Field(None, description="Only this community's members")


def _course_out(course) -> CourseOut:
    seen = queries.overview(current_user, course)
    nxt = seen.next
    return CourseOut(
        id=course.id,
        title=course.title,
        description=course.description,
        requires_previous=progress.requires_previous(course.id),
        modules_published=len(seen.published),
        modules_completed=seen.completed,
        percent=seen.percent,
        next_module_id=nxt.id if nxt else None,
    )


def _summary(module: CourseModule, seen: queries.Overview, model=ModuleSummary, **extra):
    return model(
        id=module.id,
        course_id=module.course_id,
        position=module.position,
        title=module.title,
        status=module.status,
        completion=module.completion,
        completion_count=module.completion_count,
        minutes=module.minutes,
        due_on=module.due_on,
        forum_id=module.forum_id,
        completed=module.id in seen.done,
        locked=module.id in seen.locked,
        **extra,
    )


def _module_out(module: CourseModule) -> ModuleOut:
    seen = queries.overview(current_user, module.course)
    locked = module.id in seen.locked
    links = [] if locked else queries.links_of([module.id]).get(module.id, [])
    files = [] if locked else queries.resources_of([module.id]).get(module.id, [])
    return _summary(
        module,
        seen,
        ModuleOut,
        body="" if locked else module.body,
        body_html="" if locked else module.body_html,
        author=AuthorOut.model_validate(module.author),
        created_at=module.created_at,
        updated_at=module.updated_at,
        published_at=module.published_at,
        links=[LinkOut.model_validate(link) for link in links],
        resources=[attachment_out(a) for a in files],
    )


@endpoint(bp, "/courses", summary="The courses the viewer may read", response=CourseList)
def list_courses():
    return CourseList(items=[_course_out(c) for c in queries.list_courses(current_user)])


@endpoint(
    bp, "/courses/<int:course_id>", summary="One course, with my progress", response=CourseOut
)
def get_course(course_id: int):
    return _course_out(queries.get_course(current_user, course_id))


@endpoint(
    bp,
    "/courses/<int:course_id>",
    "PATCH",
    summary="Course settings: the 'requires the previous module' restriction (experts, moderators)",
    body=CourseIn,
    response=CourseOut,
)
def patch_course(course_id: int, data: CourseIn):
    course = queries.get_course(current_user, course_id)
    service.set_requires_previous(current_user, course, data.requires_previous)
    return _course_out(course)


@endpoint(
    bp,
    "/courses/<int:course_id>/modules",
    summary="A course's modules in order (drafts only to their authors and publishers)",
    response=ModuleList,
)
def list_modules(course_id: int):
    seen = queries.overview(current_user, queries.get_course(current_user, course_id))
    return ModuleList(items=[_summary(m, seen) for m in seen.modules])


@endpoint(
    bp,
    "/courses/<int:course_id>/modules",
    "POST",
    summary="Add a module as a draft (experts, trainees, moderators), with its forum",
    body=ModuleIn,
    response=ModuleOut,
    status=201,
)
def create_module(course_id: int, data: ModuleIn):
    course = queries.get_course(current_user, course_id)
    module = service.create_module(current_user, course, **data.model_dump())
    return _module_out(module)


@endpoint(
    bp,
    "/modules/<int:module_id>",
    summary="One module (opening it completes an on-view module)",
    response=ModuleOut,
)
def get_module(module_id: int):
    module = queries.get_module(current_user, module_id)
    service.record_view(current_user, module)
    return _module_out(module)


@endpoint(
    bp,
    "/modules/<int:module_id>",
    "PATCH",
    summary="Edit a module (a published one keeps a revision), publish, unpublish or move it",
    body=ModulePatch,
    response=ModuleOut,
)
def patch_module(module_id: int, data: ModulePatch):
    module = queries.get_module(current_user, module_id)
    fields = data.model_dump(exclude_unset=True)
    status, move = fields.pop("status", None), fields.pop("move", None)
    if fields:
        service.edit_module(current_user, module, **fields)
    if status == ModuleStatus.PUBLISHED:
        service.publish_module(current_user, module)
    elif status == ModuleStatus.DRAFT:
        service.unpublish_module(current_user, module)
    if move:
        service.move_module(current_user, module, move)
    return _module_out(module)


@endpoint(
    bp,
    "/modules/<int:module_id>/publish",
    "POST",
    summary="Publish a module (experts and moderators)",
    response=ModuleOut,
)
def publish_module(module_id: int):
    module = queries.get_module(current_user, module_id)
    return _module_out(service.publish_module(current_user, module))


@endpoint(
    bp,
    "/modules/<int:module_id>/revisions",
    summary="What a published module said before each edit, newest first",
    response=RevisionList,
)
def list_revisions(module_id: int):
    module = queries.get_module(current_user, module_id)
    policy.require(current_user, "edit", module)
    items = [RevisionOut.model_validate(r) for r in queries.list_revisions(module)]
    return RevisionList(items=items)


def _completion_out(module: CourseModule) -> CompletionOut:
    done = module.id in progress.completed_ids(current_user, [module.id])
    return CompletionOut(module_id=module.id, completed=done)


@endpoint(
    bp,
    "/modules/<int:module_id>/completion",
    "PUT",
    summary="Mark a module (manual completion) done",
    response=CompletionOut,
)
def put_completion(module_id: int):
    module = queries.get_module(current_user, module_id)
    service.complete_module(current_user, module)
    return _completion_out(module)


@endpoint(
    bp,
    "/modules/<int:module_id>/completion",
    "DELETE",
    summary="Take back the mark on a module (manual completion)",
    response=CompletionOut,
)
def delete_completion(module_id: int):
    module = queries.get_module(current_user, module_id)
    service.uncomplete_module(current_user, module)
    return _completion_out(module)


@endpoint(
    bp,
    "/modules/<int:module_id>/links",
    "POST",
    summary="Add an external resource (whoever may edit the module)",
    body=LinkIn,
    response=LinkOut,
    status=201,
)
def create_link(module_id: int, data: LinkIn):
    module = queries.get_module(current_user, module_id)
    return LinkOut.model_validate(service.add_link(current_user, module, **data.model_dump()))


@endpoint(
    bp,
    "/modules/<int:module_id>/links/<int:link_id>",
    "DELETE",
    summary="Remove an external resource",
    status=204,
)
def delete_link(module_id: int, link_id: int):
    module = queries.get_module(current_user, module_id)
    service.remove_link(current_user, queries.get_link(current_user, module, link_id))


@endpoint(
    bp,
    "/modules/<int:module_id>/resources",
    "POST",
    summary="Attach files to a module (multipart `file` parts; whoever may edit it)",
    upload=FIELD,
    response=AttachmentList,
    status=201,
)
def create_resources(module_id: int, files: list[FileStorage]):
    module = queries.get_module(current_user, module_id)
    created = service.add_resources(current_user, module, files)
    return AttachmentList(items=[attachment_out(a) for a in created])


@endpoint(
    bp,
    "/courses/<int:course_id>/progress",
    summary="My progress; for experts and moderators also per committee member and community",
    query=ProgressQuery,
    response=ProgressOut,
)
def get_progress(course_id: int, params: ProgressQuery):
    course = queries.get_course(current_user, course_id)
    seen = queries.overview(current_user, course)
    members = communities = None
    if policy.can(current_user, policy.MODERATE, course):
        table = progress.progress_table(course, params.community_id)
        members = [
            MemberProgress(
                user_id=row.user.id,
                display_name=row.user.display_name,
                community_id=row.community.id,
                completed_module_ids=sorted(row.done),
            )
            for row in table.rows
        ]
        communities = [
            CommunityProgress(
                community_id=c.id,
                name=c.name,
                members=table.sizes.get(c.id, 0),
                completed={
                    str(m.id): table.counts.get(c.id, {}).get(m.id, 0) for m in table.modules
                },
            )
            for c in table.communities
        ]
    return ProgressOut(
        modules_published=len(seen.published),
        modules_completed=seen.completed,
        percent=seen.percent,
        completed_module_ids=sorted(m.id for m in seen.published if m.id in seen.done),
        members=members,
        communities=communities,
    )
