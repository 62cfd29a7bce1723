"""Everything cop holds about a person, as one zip: `data.json` (one section per kind of
record) and `files/` (the attachments of their posts). Rows are read in batches and
written straight into a temporary file as they come, so neither a long history nor large
files are ever held in memory at once; the caller sends the file and it is gone when
closed. docs/privacy.md lists the sections."""

import json
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import Select, select

from cop.accounts.models import AccessToken, LoginSession, User
from cop.attachments import storage
from cop.attachments.models import Attachment
from cop.courses.models import ModuleCompletion
from cop.discussions.models import (
    Discussion,
    DiscussionRead,
    DiscussionStar,
    ForumRead,
    Post,
    PostRevision,
    Reaction,
)
from cop.extensions import db
from cop.live.models import LiveQuestion, LiveVote
from cop.moderation.models import Report
from cop.notifications.models import DiscussionSubscription, ForumSubscription, Notification
from cop.orgs.models import CommitteeMembership, expert_group_member
from cop.spaces.models import SpaceMembership

BATCH = 500


def _sections(user_id: int) -> dict[str, Select]:
    """Each section's rows, as SELECTs of plain columns (named as in the file)."""
    own_posts = select(Post.id).where(Post.author_id == user_id)
    return {
        "sign_ins": select(
            LoginSession.user_agent,
            LoginSession.remember,
            LoginSession.created_at,
            LoginSession.last_used_at,
        ).where(LoginSession.user_id == user_id),
        "api_tokens": select(
            AccessToken.name,
            AccessToken.created_at,
            AccessToken.last_used_at,
            AccessToken.revoked_at,
        ).where(AccessToken.user_id == user_id),
        "space_memberships": select(
            SpaceMembership.space_id, SpaceMembership.role, SpaceMembership.created_at
        ).where(SpaceMembership.user_id == user_id),
        "committees": select(
            CommitteeMembership.community_id,
            CommitteeMembership.position,
            CommitteeMembership.created_at,
        ).where(CommitteeMembership.user_id == user_id),
        "expert_groups": select(expert_group_member.c.group_id).where(
            expert_group_member.c.user_id == user_id
        ),
        "discussions_started": select(
            Discussion.id, Discussion.space_id, Discussion.title, Discussion.created_at
        ).where(Discussion.author_id == user_id),
        "posts": select(
            Post.id,
            Post.discussion_id,
            Post.parent_id,
            Post.body,
            Post.private_to_id,
            Post.internal,
            Post.created_at,
            Post.edited_at,
            Post.deleted_at,
            Post.hidden_at,
        ).where(Post.author_id == user_id),
        "post_revisions": select(
            PostRevision.post_id, PostRevision.body, PostRevision.created_at
        ).where(PostRevision.post_id.in_(own_posts)),
        "attachments": select(
            Attachment.id,
            Attachment.post_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.created_at,
        ).where(Attachment.post_id.in_(own_posts)),
        "marked_useful": select(Reaction.post_id, Reaction.created_at).where(
            Reaction.user_id == user_id
        ),
        "discussions_read": select(DiscussionRead.discussion_id, DiscussionRead.read_until).where(
            DiscussionRead.user_id == user_id
        ),
        "starred_discussions": select(
            DiscussionStar.discussion_id, DiscussionStar.created_at
        ).where(DiscussionStar.user_id == user_id),
        "forums_read": select(ForumRead.space_id, ForumRead.read_until).where(
            ForumRead.user_id == user_id
        ),
        "forum_subscriptions": select(
            ForumSubscription.space_id, ForumSubscription.subscribed, ForumSubscription.created_at
        ).where(ForumSubscription.user_id == user_id),
        "discussion_subscriptions": select(
            DiscussionSubscription.discussion_id,
            DiscussionSubscription.subscribed,
            DiscussionSubscription.created_at,
        ).where(DiscussionSubscription.user_id == user_id),
        "notifications": select(
            Notification.kind,
            Notification.post_id,
            Notification.created_at,
            Notification.read_at,
            Notification.emailed_at,
        ).where(Notification.user_id == user_id),
        "reports_filed": select(Report.post_id, Report.reason, Report.created_at).where(
            Report.reporter_id == user_id
        ),
        "live_questions": select(
            LiveQuestion.id,
            LiveQuestion.session_id,
            LiveQuestion.text,
            LiveQuestion.anonymous,
            LiveQuestion.created_at,
        ).where(LiveQuestion.author_id == user_id),
        "live_votes": select(LiveVote.question_id, LiveVote.created_at).where(
            LiveVote.user_id == user_id
        ),
        "course_modules_completed": select(
            ModuleCompletion.module_id, ModuleCompletion.completed_at
        ).where(ModuleCompletion.user_id == user_id),
    }


def _account(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "username": user.username,
        "role": user.role,
        "locale": user.locale,
        "association_id": user.association_id,
        "email_mode": user.email_mode,
        "track_reads": user.track_reads,
        "created_at": user.created_at,
        "all_read_until": user.all_read_until,
    }


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _rows(query: Select) -> Iterator[dict]:
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        for row in partition:
            yield row._asdict()


def _write_json(out: IO[bytes], user: User) -> None:
    def put(text: str) -> None:
        out.write(text.encode())

    exported_at = json.dumps(_plain(datetime.now().astimezone()))
    put(f'{{"exported_at": {exported_at}, "account": ')
    put(json.dumps(_account(user), default=_plain, ensure_ascii=False, indent=1))
    for name, query in _sections(user.id).items():
        put(f',\n"{name}": [')
        for n, row in enumerate(_rows(query.order_by(*query.selected_columns[:1]))):
            put(("," if n else "") + "\n " + json.dumps(row, default=_plain, ensure_ascii=False))
        put("\n]")
    put("\n}\n")


def _attachment_files(user_id: int) -> Iterator[tuple[str, Path]]:
    query = (
        select(Attachment.id, Attachment.filename, Attachment.sha256)
        .join(Post, Attachment.post_id == Post.id)
        .where(Post.author_id == user_id)
        .order_by(Attachment.id)
    )
    for row in _rows(query):
        path = storage.path_for(row["sha256"])
        if path.is_file():
            yield f"files/{row['id']}-{row['filename']}", path


def build(user: User) -> IO[bytes]:
    """The zip of everything about `user`, in an anonymous temporary file (gone once
    closed), positioned at its start."""
    folder = Path(current_app.instance_path) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    out = tempfile.TemporaryFile(dir=folder, prefix="export-")  # noqa: SIM115 (the caller closes it)
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            with archive.open("data.json", "w", force_zip64=True) as data:
                _write_json(data, user)
            for name, path in _attachment_files(user.id):
                archive.write(path, name)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
