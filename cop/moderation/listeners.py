"""The audit log's entries for what moderators and managers do through other features,
written in the same transaction as the action (cop.events); and the moderators told of a
new report."""

from flask import Flask

from cop import events, policy
from cop.accounts.events import PersonErased
from cop.attachments.events import AttachmentAdded, AttachmentRemoved
from cop.discussions.events import DiscussionFlagged, ForumConfigured, PostDeleted, PostEdited
from cop.moderation.events import PostReported
from cop.moderation.service import record
from cop.notifications import workflow
from cop.notifications.models import NotificationKind


def _on_someone_elses_post(action: str):
    def audit(event) -> None:
        if event.post.author_id != event.actor.id:
            record(event.actor, action, event.post, event.post.discussion.space_id)

    return audit


def _flagged(event: DiscussionFlagged) -> None:
    on, off = {"pinned": ("pinned", "unpinned"), "locked": ("locked", "unlocked")}[event.flag]
    discussion = event.discussion
    action = f"discussion.{on if event.value else off}"
    record(event.actor, action, discussion, discussion.space_id)


def _forum_configured(event: ForumConfigured) -> None:
    settings = event.settings
    record(
        event.actor,
        "forum.configured",
        event.space,
        event.space.id,
        forum_type=settings.forum_type.value,
        subscription_mode=settings.subscription_mode.value,
        group_mode=settings.group_mode.value,
        read_tracking=settings.read_tracking.value,
        max_attachments=settings.max_attachments,
        max_attachment_bytes=settings.max_attachment_bytes,
        show_word_count=settings.show_word_count,
    )


def _attachment(action: str):
    # The post is the target: a removed attachment's row is gone, its post stays to link to.
    def audit(event) -> None:
        attachment = event.attachment
        post = attachment.post
        if post.author_id != event.actor.id:
            space_id = post.discussion.space_id
            record(
                event.actor,
                action,
                post,
                space_id,
                attachment=attachment.id,
                filename=attachment.filename,
            )

    return audit


def _person_erased(event: PersonErased) -> None:
    record(event.actor, "person.erased", event.user, None)


def _reported(event: PostReported) -> None:
    """The space's moderators hear of a report (those who may still read the post)."""
    space = event.report.post.discussion.space
    people = workflow.active_users()
    policy.preload_facts(people)
    moderators = [u for u in people if policy.can(u, policy.MODERATE, space)]
    workflow.notify(NotificationKind.REPORT, moderators, event.actor.id, post=event.report.post)


def register(app: Flask) -> None:
    events.subscribe(app, PersonErased, _person_erased)
    events.subscribe(app, PostReported, _reported)
    events.subscribe(app, PostEdited, _on_someone_elses_post("post.edited"))
    events.subscribe(app, PostDeleted, _on_someone_elses_post("post.deleted"))
    events.subscribe(app, DiscussionFlagged, _flagged)
    events.subscribe(app, ForumConfigured, _forum_configured)
    events.subscribe(app, AttachmentAdded, _attachment("attachment.added"))
    events.subscribe(app, AttachmentRemoved, _attachment("attachment.removed"))
