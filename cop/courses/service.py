"""Course modules, their resources and completion: the only code that writes them. Each
function asks the policy, validates, writes and commits once."""

from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from werkzeug.datastructures import FileStorage

from cop import events, inputs, policy
from cop.attachments import service as attachments
from cop.attachments import storage
from cop.attachments.models import Attachment
from cop.courses import participation, progress
from cop.courses.events import ModuleDrafted, ModulePublished, ModuleUnpublished
from cop.courses.models import (
    COMPLETION_COUNT_MAX,
    LINK_TITLE_MAX,
    MINUTES_MAX,
    PARTICIPATION,
    TITLE_MAX,
    URL_MAX,
    Completion,
    CourseModule,
    CourseSettings,
    ModuleCompletion,
    ModuleLink,
    ModuleRevision,
    ModuleStatus,
)
from cop.db import utcnow
from cop.discussions import service as discussions
from cop.discussions.models import ForumSettings, ForumType, Post
from cop.errors import Conflict, Forbidden, Invalid
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind, Visibility
from cop.text import check_body, render_markdown

# A single-discussion forum needs its discussion at once; a module's forum starts empty.
MODULE_FORUM_TYPES = (ForumType.STANDARD, ForumType.QANDA, ForumType.EACH_ONE)
UNSET = object()


def _check_title(title: str | None) -> str:
    return discussions.check_title(title, TITLE_MAX)


def _check_minutes(minutes: int | None) -> int | None:
    if minutes is not None and not 1 <= minutes <= MINUTES_MAX:
        raise Invalid(
            fields={"minutes": _("Between %(low)s and %(high)s.", low=1, high=MINUTES_MAX)}
        )
    return minutes


def _check_completion_count(completion: Completion, count: int | None) -> int | None:
    """A completion by forum participation asks how many posts (1 to COMPLETION_COUNT_MAX);
    the others none."""
    if completion not in PARTICIPATION:
        return None
    if isinstance(count, bool) or not isinstance(count, int):
        raise Invalid(fields={"completion_count": _("How many? Give a whole number.")})
    if not 1 <= count <= COMPLETION_COUNT_MAX:
        message = _("From 1 to %(n)s.", n=COMPLETION_COUNT_MAX)
        raise Invalid(fields={"completion_count": message})
    return count


def _forum_visibility(course: Space) -> Visibility:
    # The forum is read with its module (see policy); a members-only course's members
    # are the course's, so the forum itself stays open to everyone signed in.
    return Visibility.SIGNED_IN if course.visibility == Visibility.MEMBERS else course.visibility


def create_module(
    actor,
    course: Space,
    *,
    title: str,
    body: str,
    completion: Completion = Completion.MANUAL,
    completion_count: int | None = None,
    minutes: int | None = None,
    due_on: date | None = None,
    forum_type: ForumType = ForumType.STANDARD,
) -> CourseModule:
    """Experts, trainees and moderators (whoever may post in the course) add a module at
    the end of the course, as a draft, with its discussion forum of the chosen type.
    Commits; a draft by someone who may not publish it publishes `module.drafted`."""
    policy.require(actor, policy.POST, course)
    if course.kind != SpaceKind.COURSE:
        raise Conflict(_("Modules belong to courses."))
    title, body = _check_title(title), check_body(body)
    if forum_type not in MODULE_FORUM_TYPES:
        raise Invalid(fields={"forum_type": _("This forum type is not available for modules.")})
    last = db.session.scalar(
        select(func.max(CourseModule.position)).where(CourseModule.course_id == course.id)
    )
    forum = Space(
        kind=SpaceKind.FORUM, visibility=_forum_visibility(course), title=title, description=""
    )
    db.session.add(forum)
    db.session.add(ForumSettings(space=forum, forum_type=forum_type))
    module = CourseModule(
        course_id=course.id,
        forum=forum,
        position=(last or 0) + 1,
        title=title,
        body=body,
        body_html=render_markdown(body),
        status=ModuleStatus.DRAFT,
        completion=completion,
        completion_count=_check_completion_count(completion, completion_count),
        minutes=_check_minutes(minutes),
        due_on=due_on and inputs.check_date(due_on, "due_on"),
        author_id=actor.id,
    )
    db.session.add(module)
    db.session.flush()
    if not policy.can(actor, "publish", module):
        events.publish(ModuleDrafted(actor, module))
    db.session.commit()
    return module


def edit_module(
    actor,
    module: CourseModule,
    *,
    title: str | None = None,
    body: str | None = None,
    completion: Completion | None = None,
    completion_count=UNSET,
    minutes=UNSET,
    due_on=UNSET,
) -> CourseModule:
    """A draft changes by its author and those who publish; a published module only by
    those who publish, and the text it had is kept as a revision. The forum's title
    follows the module's. Commits."""
    policy.require(actor, "edit", module)
    new_title = _check_title(title) if title is not None else module.title
    new_body = check_body(body) if body is not None else module.body
    if module.published and (new_title, new_body) != (module.title, module.body):
        db.session.add(
            ModuleRevision(
                module_id=module.id,
                title=module.title,
                body=module.body,
                body_html=module.body_html,
                edited_by_id=actor.id,
            )
        )
    if new_body != module.body:
        module.body, module.body_html = new_body, render_markdown(new_body)
    module.title = module.forum.title = new_title
    new_completion = completion or module.completion
    count = module.completion_count if completion_count is UNSET else completion_count
    module.completion_count = _check_completion_count(new_completion, count)
    module.completion = new_completion
    if minutes is not UNSET:
        module.minutes = _check_minutes(minutes)
    if due_on is not UNSET:
        module.due_on = due_on and inputs.check_date(due_on, "due_on")
    module.updated_at = utcnow()
    db.session.commit()
    return module


def publish_module(actor, module: CourseModule) -> CourseModule:
    """Experts and moderators of the course publish a module: learners see it from now
    on. Commits; publishes `module.published` (the course's followers are told)."""
    policy.require(actor, "publish", module)
    if not module.published:
        module.status = ModuleStatus.PUBLISHED
        module.published_at = utcnow()
        events.publish(ModulePublished(actor, module))
        db.session.commit()
    return module


def unpublish_module(actor, module: CourseModule) -> CourseModule:
    """Those who publish take a module back to draft: hidden from learners again, with
    its forum; completions are kept for when it returns. Commits; publishes
    `module.unpublished`."""
    policy.require(actor, "publish", module)
    if module.published:
        module.status = ModuleStatus.DRAFT
        events.publish(ModuleUnpublished(actor, module))
        db.session.commit()
    return module


def move_module(actor, module: CourseModule, offset: int) -> CourseModule:
    """Those who publish move a module up (-1) or down (+1) among the course's modules.
    Commits."""
    policy.require(actor, "publish", module)
    if offset not in (-1, 1):
        raise Invalid(fields={"offset": _("Move by one place: -1 or 1.")})
    order = CourseModule.position.desc() if offset < 0 else CourseModule.position
    beyond = (
        CourseModule.position < module.position
        if offset < 0
        else CourseModule.position > module.position
    )
    neighbour = db.session.scalar(
        select(CourseModule)
        .where(CourseModule.course_id == module.course_id, beyond)
        .order_by(order)
        .limit(1)
    )
    if neighbour is None:
        raise Conflict(_("The module is already at the edge of the course."))
    module.position, neighbour.position = neighbour.position, module.position
    db.session.commit()
    return module


def set_requires_previous(actor, course: Space, value: bool) -> CourseSettings:
    """The course's moderators (experts, moderators) decide whether each module waits for
    the one before it to be completed. Commits."""
    policy.require(actor, policy.MODERATE, course)
    if course.kind != SpaceKind.COURSE:
        raise Conflict(_("Modules belong to courses."))
    settings = db.session.get(CourseSettings, course.id)
    if settings is None:
        settings = CourseSettings(space_id=course.id)
        db.session.add(settings)
    settings.requires_previous = value
    db.session.commit()
    return settings


def _check_open(actor, module: CourseModule) -> None:
    policy.require(actor, "complete", module)
    previous = progress.blocking_module(actor, module)
    if previous is not None:
        raise Forbidden(_("Complete “%(title)s” first.", title=previous.title))


def _check_manual(module: CourseModule) -> None:
    if module.completion == Completion.VIEW:
        raise Conflict(_("This module is completed by opening it."))
    if module.completion != Completion.MANUAL:
        raise Conflict(_("This module is completed by taking part in its forum."))


def _completed(actor, module: CourseModule) -> bool:
    return db.session.get(ModuleCompletion, (module.id, actor.id)) is not None


def complete_module(actor, module: CourseModule) -> None:
    """A learner marks a published, open module (manual completion) done; marking it
    again changes nothing. Commits."""
    _check_open(actor, module)
    _check_manual(module)
    if not _completed(actor, module):
        db.session.add(ModuleCompletion(module_id=module.id, user_id=actor.id))
        db.session.commit()


def uncomplete_module(actor, module: CourseModule) -> None:
    """A learner takes back their mark on a manually completed module. Commits."""
    policy.require(actor, "complete", module)
    _check_manual(module)
    db.session.execute(
        delete(ModuleCompletion).where(
            ModuleCompletion.module_id == module.id, ModuleCompletion.user_id == actor.id
        )
    )
    db.session.commit()


def record_view(actor, module: CourseModule) -> bool:
    """Opening a published, open module completes it when its completion is on view, or on
    forum participation the learner already has enough of (signed-in learners only).
    Commits when it records something; returns whether the module is completed."""
    if not getattr(actor, "is_authenticated", False) or not policy.can(actor, "complete", module):
        return False
    if _completed(actor, module):
        return True
    if progress.blocking_module(actor, module):
        return False
    if module.completion != Completion.VIEW and not participation.met(actor, module):
        return False
    db.session.add(ModuleCompletion(module_id=module.id, user_id=actor.id))
    db.session.commit()
    return True


def participated(actor, post: Post) -> None:
    """Someone wrote in a forum: if it is a module's whose completion asks for posts there,
    and they now have enough, the module is completed (in the post's transaction)."""
    space = post.discussion.space
    module = space.course_module if space.kind == SpaceKind.FORUM else None
    if module is None or module.completion not in PARTICIPATION:
        return
    if not policy.can(actor, "complete", module) or _completed(actor, module):
        return
    if progress.blocking_module(actor, module) is None and participation.met(actor, module):
        db.session.add(ModuleCompletion(module_id=module.id, user_id=actor.id))


def _check_url(url: str | None) -> str:
    url = inputs.check_line(url, "url", URL_MAX)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(fields={"url": _("Give a full web address starting with https://.")})
    return url


def add_link(actor, module: CourseModule, *, title: str, url: str) -> ModuleLink:
    """Whoever may edit the module adds an external resource. Commits."""
    policy.require(actor, "edit", module)
    title = inputs.check_line(title, "title", LINK_TITLE_MAX)
    link = ModuleLink(module_id=module.id, title=title, url=_check_url(url))
    db.session.add(link)
    db.session.commit()
    return link


def remove_link(actor, link: ModuleLink) -> None:
    """Whoever may edit the module removes one of its links. Commits."""
    policy.require(actor, "edit", db.session.get(CourseModule, link.module_id))
    db.session.delete(link)
    db.session.commit()


def add_resources(actor, module: CourseModule, files: Iterable[FileStorage]) -> list[Attachment]:
    """Whoever may edit the module attaches files to it, checked as forum attachments are
    (types, sizes, and the module forum's limit on their number). Commits."""
    policy.require(actor, "edit", module)
    files = [f for f in files if f]
    if not files:
        raise Invalid(fields={attachments.FIELD: _("Choose a file.")})
    existing = db.session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.module_id == module.id)
    )
    uploads = attachments.stage_uploads(module.forum, files, existing=existing)
    try:
        added = []
        for upload in uploads:
            storage.keep(upload.stored)
            added.append(
                Attachment(
                    module_id=module.id,
                    sha256=upload.stored.sha256,
                    filename=upload.filename,
                    content_type=upload.content_type,
                    size=upload.stored.size,
                )
            )
        db.session.add_all(added)
        db.session.commit()
    finally:
        attachments.discard(uploads)
    return added
