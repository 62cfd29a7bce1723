"""Discussions and posts: the only code that writes them. Each function asks the policy,
validates, writes and commits once."""

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from cop import events, inputs, policy
from cop.accounts.models import User
from cop.accounts.people import profile_path, render_post
from cop.attachments import service as attachments
from cop.attachments.models import Attachment
from cop.attachments.storage import prune
from cop.db import reserve_ids, utcnow
from cop.discussions import counters, idempotency, threshold
from cop.discussions.events import (
    MAY_REPLY,
    DiscussionFlagged,
    DiscussionSeen,
    ForumConfigured,
    PostCreated,
    PostDeleted,
    PostEdited,
    Replied,
    RepliesCopied,
)
from cop.discussions.models import (
    ATTACHMENT_BYTES_DEFAULT,
    ATTACHMENTS_DEFAULT,
    TITLE_MAX,
    Discussion,
    DiscussionRead,
    ForumRead,
    ForumSettings,
    ForumType,
    GroupMode,
    Post,
    PostRevision,
    Reaction,
    ReadTracking,
    SubscriptionMode,
    settings_of,
)
from cop.discussions.tags import check_tags, write_tags
from cop.errors import Conflict, Forbidden, Invalid, StaleEdit
from cop.extensions import db
from cop.i18n import format_size
from cop.orgs.models import Community
from cop.spaces.models import Space, SpaceKind
from cop.text import check_body

# Spaces whose page is a list of discussions.
DISCUSSION_KINDS = (SpaceKind.FORUM, SpaceKind.EXPERT_ROOM)
ATTACHMENT_BYTES_MIN = 10 * 1024


def check_title(title: str | None, limit: int = TITLE_MAX) -> str:
    return inputs.check_line(title, "title", limit)


def _read_up_to(actor, discussion: Discussion, moment) -> None:
    """One upsert, so two requests of the same person (two tabs replying at once) cannot
    both insert the row."""
    table = DiscussionRead.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(
        user_id=actor.id, discussion_id=discussion.id, read_until=moment
    )
    stored, later = table.c.read_until, insert.excluded.read_until
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.discussion_id],
            set_={"read_until": case((stored < later, later), else_=stored)},
        )
    )
    loaded = db.session.identity_map.get(
        db.session.identity_key(DiscussionRead, (actor.id, discussion.id))
    )
    if loaded is not None:
        db.session.expire(loaded)


def _forum_type_refusal(actor, space: Space) -> str | None:
    forum_type = settings_of(space).forum_type
    if forum_type == ForumType.SINGLE:
        return _("This forum has a single discussion; reply there.")
    if forum_type == ForumType.EACH_ONE and db.session.scalar(
        select(Discussion.id)
        .where(Discussion.space_id == space.id, Discussion.author_id == actor.id)
        .limit(1)
    ):
        return _("Each person starts one discussion in this forum, and you have yours.")
    return None


def may_start(actor, space: Space) -> bool:
    """For pages: whether to offer 'start a discussion'."""
    return (
        space.kind in DISCUSSION_KINDS
        and policy.can(actor, policy.POST, space)
        and _forum_type_refusal(actor, space) is None
    )


def community_choices(actor, space: Space) -> list[tuple[int | None, str]] | None:
    """In group mode, the communities the actor may start a discussion for (the space's
    moderators also 'all participants'); None when the forum has no groups."""
    if settings_of(space).group_mode == GroupMode.NONE:
        return None
    moderator = policy.can(actor, policy.MODERATE, space)
    communities = db.session.scalars(select(Community).order_by(Community.name))
    choices = [
        (c.id, c.name) for c in communities if moderator or policy.in_community_group(actor, c.id)
    ]
    return ([(None, _("All participants"))] if moderator else []) + choices


def _group_of(actor, space: Space, community_id: int | None) -> int | None:
    """In group mode a discussion belongs to a community: the one asked for, or the
    author's own committee's. The space's moderators may also write to everyone (None)."""
    if settings_of(space).group_mode == GroupMode.NONE:
        return None
    if community_id is None:
        own = sorted(policy.facts(actor).committee_community_ids)
        community_id = own[0] if own else None
    moderator = policy.can(actor, policy.MODERATE, space)
    if community_id is None and not moderator:
        raise Invalid(fields={"community_id": _("Choose the community this discussion is for.")})
    if community_id is not None and not (
        moderator or policy.in_community_group(actor, community_id)
    ):
        raise Invalid(fields={"community_id": _("You can write only in your own community.")})
    return community_id


def unlink_person(user_id: int) -> None:
    """The posts linking to this (now erased) person's profile, rendered again: the
    mention stays as plain text. In the caller's transaction."""
    linking = Post.body_html.contains(f'href="{profile_path(user_id)}"', autoescape=True)
    for post in list(db.session.scalars(select(Post).where(linking))):
        post.body_html = render_post(post.body)


def start_discussion(
    actor,
    space: Space,
    *,
    title: str,
    body: str,
    community_id: int | None = None,
    tags: Iterable[str] = (),
    idempotency_key: str | None = None,
    files: Iterable[FileStorage] = (),
    mail_now: bool = False,
) -> Discussion:
    """Whoever may post in a forum or expert room starts a discussion with its first post,
    as the forum's type allows, with its tags; in group mode it belongs to a community.
    Files are attached within the forum's limits; one refused file refuses the whole post.
    Its notifications are mailed once the edit window has passed, or at once (`mail_now`). A
    repeated idempotency key returns the first discussion (cop/discussions/idempotency.py).
    Past the forum's posting threshold it is refused (cop/discussions/threshold.py).
    Commits."""
    tags = check_tags(tags)
    fields = {"tags": tags} if tags else {}  # a request without tags keeps its fingerprint
    request = idempotency.fingerprint(
        "discussion", space.id, title=title, body=body, community_id=community_id, **fields
    )
    earlier = idempotency.replayed(actor, idempotency_key, "discussion", request, Discussion)
    if earlier is not None:
        return earlier
    policy.require(actor, policy.POST, space)
    if space.kind not in DISCUSSION_KINDS:
        raise Conflict(_("Discussions cannot be started in this space."))
    threshold.check(actor, space)
    refusal = _forum_type_refusal(actor, space)
    if refusal:
        raise Conflict(refusal)
    title, body = check_title(title), check_body(body)
    community_id = _group_of(actor, space, community_id)
    uploads = attachments.stage_uploads(space, files)
    try:
        discussion = write_discussion(
            actor, space, title, body, community_id, uploads, mail_now=mail_now
        )
        write_tags(discussion, tags)
        return idempotency.commit_once(
            actor, idempotency_key, "discussion", request, Discussion, discussion
        )
    finally:
        attachments.discard(uploads)


def write_discussion(
    actor, space, title, body, community_id, uploads=(), *, mail_now: bool = False
) -> Discussion:
    """A discussion with its first post, its files, the author's read mark and the
    notifications, for a caller that has checked everything (here, or a consultation
    being opened) and commits."""
    now = utcnow()
    discussion = Discussion(
        space=space,
        title=title,
        author_id=actor.id,
        created_at=now,
        last_post_at=now,
        community_id=community_id,
    )
    post = Post(
        discussion=discussion,
        author_id=actor.id,
        body=body,
        body_html=render_post(body),
        created_at=now,
        mail_now=mail_now,
    )
    db.session.add_all([discussion, post])
    db.session.flush()
    attachments.attach(post, uploads)
    discussion.last_post_id = post.id
    _read_up_to(actor, discussion, now)
    events.publish(PostCreated(actor, post))
    return discussion


def write_replies(actor, discussion: Discussion, bodies: list[str]) -> list[Post]:
    """Plain replies to the first post, in this order, written together (a live session's
    archive: hundreds at once), for a caller that has checked everything and commits. One
    flush inserts them all (one executemany: their ids are reserved first); the read mark,
    the counters and `replies.copied` (instead of a `post.created` each: notifications)
    are done once for the batch. Each is a microsecond after the one before, so they read
    in this order."""
    if not bodies:
        return []
    parent, now = first_post(discussion), utcnow()
    _read_up_to(actor, discussion, now + timedelta(microseconds=len(bodies) - 1))
    ids = reserve_ids(db.session, Post.__table__, len(bodies))  # after a write: see reserve_ids
    posts = [
        Post(
            id=ids[i],
            discussion_id=discussion.id,
            parent_id=parent.id,
            author_id=actor.id,
            body=body,
            body_html=render_post(body),
            created_at=now + timedelta(microseconds=i),
            internal=False,  # every column with a server default given: none read back
            mail_now=False,
            version=1,
        )
        for i, body in enumerate(bodies)
    ]
    db.session.add_all(posts)
    db.session.flush()
    events.publish(RepliesCopied(actor, discussion, tuple(posts)))
    counters.reply_added(discussion, posts[-1], len(posts))
    return posts


def first_post(discussion: Discussion) -> Post:
    return db.session.scalar(
        select(Post).where(Post.discussion_id == discussion.id, Post.parent_id.is_(None))
    )


def reply(
    actor,
    discussion: Discussion,
    *,
    body: str,
    parent_id: int | None = None,
    private: bool = False,
    internal: bool = False,
    idempotency_key: str | None = None,
    files: Iterable[FileStorage] = (),
    mail_now: bool = False,
    follow: bool = True,
) -> Post:
    """Reply to any visible post of the discussion (to the first post by default), with
    files within the forum's limits; its notifications are mailed once the edit window
    has passed, or at once (`mail_now`). The author follows the discussion from then on
    unless `follow` is false (`post.created` carries it). A private reply is seen only by
    the parent's author, the space's moderators and the experts and trainees coaching the
    community (`policy.coaches`); experts and moderators may write one. An internal note
    (consultations only) is seen by the desk's experts and trainees and staff; a reply
    to a note is a note. Features may refuse it first (the MAY_REPLY hook: a closed
    consultation); listeners of `reply.posted` write with it (a consultation moves along
    its life cycle) and, after the commit, push it to open pages. A repeated idempotency
    key returns the first reply (cop/discussions/idempotency.py). Past the forum's
    posting threshold it is refused (cop/discussions/threshold.py). Commits."""
    request = idempotency.fingerprint(
        "post", discussion.id, body=body, parent_id=parent_id, private=private, internal=internal
    )
    earlier = idempotency.replayed(actor, idempotency_key, "post", request, Post)
    if earlier is not None:
        return earlier
    policy.require(actor, policy.REPLY, discussion)
    threshold.check(actor, discussion.space)
    parent = db.session.get(Post, parent_id) if parent_id is not None else first_post(discussion)
    if (
        parent is None
        or parent.discussion_id != discussion.id
        or not policy.can(actor, policy.VIEW, parent)
    ):
        raise Invalid(fields={"parent_id": _("There is no such post in this discussion.")})
    if parent.deleted_at is not None:
        raise Conflict(fields={"parent_id": _("This post was deleted.")})
    if parent.private_to_id is not None:  # as in Moodle: a private reply ends its branch
        raise Conflict(fields={"parent_id": _("A private reply cannot be answered.")})
    if private and not policy.can(actor, "reply_privately", discussion):
        raise Invalid(fields={"private": _("Only experts and moderators reply privately.")})
    _check_note(actor, discussion, parent, private, internal)
    events.ask(MAY_REPLY, actor, discussion, internal)
    body = check_body(body)
    uploads = attachments.stage_uploads(discussion.space, files)
    try:
        post = _add_reply(
            actor,
            discussion,
            parent,
            body,
            private,
            internal,
            uploads,
            mail_now=mail_now,
            follow=follow,
        )
        events.publish(Replied(actor, post))
        return idempotency.commit_once(actor, idempotency_key, "post", request, Post, post)
    finally:
        attachments.discard(uploads)


def _check_note(actor, discussion, parent: Post, private: bool, internal: bool) -> None:
    if parent.internal and not internal:
        raise Conflict(
            fields={"parent_id": _("A reply to an internal note is an internal note too.")}
        )
    if not internal:
        return
    if not policy.can(actor, "notes", discussion):
        raise Forbidden(_("Internal notes are for the experts, trainees and moderators."))
    if private:
        raise Invalid(fields={"private": _("An internal note cannot be a private reply.")})


def _add_reply(
    actor,
    discussion,
    parent,
    body,
    private,
    internal,
    uploads=(),
    *,
    mail_now: bool = False,
    follow: bool = True,
) -> Post:
    now = utcnow()
    post = Post(
        discussion_id=discussion.id,
        parent_id=parent.id,
        author_id=actor.id,
        body=body,
        body_html=render_post(body),
        created_at=now,
        private_to_id=parent.author_id if private else None,
        internal=internal,
        mail_now=mail_now,
    )
    db.session.add(post)
    db.session.flush()
    attachments.attach(post, uploads)
    _read_up_to(actor, discussion, now)
    events.publish(PostCreated(actor, post, follow))
    if not private and not internal:  # lists and counts show what everyone may see
        counters.reply_added(discussion, post)
    return post


def edit_post(
    actor,
    post: Post,
    *,
    body: str,
    title: str | None = None,
    add_files: Iterable[FileStorage] = (),
    remove_ids: Iterable[int] = (),
    version: int | None = None,
    mail_now: bool = False,
) -> Post:
    """Authors edit within the edit window, moderators always; the previous text is kept
    as a revision. `mail_now` sends the post's notifications without waiting for the
    rest of the window (Moodle's mailnow on the edit form). The first post's edit may
    change the discussion's title. Files may be added (within the forum's limits) and
    removed; a moderator's change to someone else's post is audited (`post.edited`).
    `version`: the one the edit was made on (by default the one loaded); if the stored
    post has moved on, StaleEdit with the post as it is now, and nothing is written.
    Commits."""
    policy.require_edit(actor, post)
    body = check_body(body)
    _claim_version(post, post.version if version is None else version)
    if mail_now:
        post.mail_now = True
    if title is not None and post.parent_id is None:
        post.discussion.title = check_title(title)
    remove_ids = set(remove_ids)
    current = list(db.session.scalars(select(Attachment).where(Attachment.post_id == post.id)))
    removed = [a for a in current if a.id in remove_ids]
    removed_hashes = {a.sha256 for a in removed}
    uploads = attachments.stage_uploads(
        post.discussion.space, add_files, existing=len(current) - len(removed)
    )
    try:
        changed, previous = bool(removed or uploads), None
        for attachment in removed:
            db.session.delete(attachment)
        attachments.attach(post, uploads)
        if body != post.body:
            changed = True
            db.session.add(
                PostRevision(
                    post_id=post.id, body=post.body, body_html=post.body_html, edited_by_id=actor.id
                )
            )
            previous = post.body
            post.body, post.body_html = body, render_post(body)
            post.edited_at, post.edited_by_id = utcnow(), actor.id
        if changed:
            events.publish(PostEdited(actor, post, previous))
        db.session.commit()
    finally:
        attachments.discard(uploads)
    prune(removed_hashes)
    return post


def _claim_version(post: Post, version: int) -> None:
    """Bump the version in one statement that only matches the version the edit began
    from: of two concurrent edits, the second matches no row (PostgreSQL re-checks the
    condition once the first commits; SQLite lets one writer in at a time)."""
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.version == version)
        .values(version=Post.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise StaleEdit(post)


def delete_post(actor, post: Post) -> Discussion | None:
    """Authors delete within the edit window while nobody has replied (after it, 403
    saying the window has passed), moderators always. A post with replies
    leaves a placeholder so the thread stays whole; a first post without replies takes
    its discussion with it (returns None then); `post.deleted` is published. Commits."""
    policy.require_edit(actor, post, "delete")
    discussion = post.discussion
    events.publish(PostDeleted(actor, post))
    has_replies = db.session.scalar(
        select(Post.id).where(Post.discussion_id == discussion.id, Post.id != post.id).limit(1)
    )
    if post.parent_id is None and has_replies is None:
        hashes = attachments.hashes_of([post.id])
        db.session.delete(discussion)
        db.session.commit()
        prune(hashes)
        return None
    db.session.add(
        PostRevision(
            post_id=post.id, body=post.body, body_html=post.body_html, edited_by_id=actor.id
        )
    )
    post.body, post.body_html, post.deleted_at = "", "", utcnow()
    counters.recount(discussion)
    db.session.commit()
    return discussion


def set_flags(
    actor, discussion: Discussion, *, pinned: bool | None = None, locked: bool | None = None
) -> Discussion:
    """Moderators pin and lock discussions; each change is audited
    (`discussion.flagged`). Commits."""
    policy.require(actor, policy.MODERATE, discussion)
    for name, value in (("pinned", pinned), ("locked", locked)):
        if value is not None and getattr(discussion, name) != value:
            setattr(discussion, name, value)
            events.publish(DiscussionFlagged(actor, discussion, name, value))
    db.session.commit()
    return discussion


def set_useful(actor, post: Post, useful: bool) -> Post:
    """Mark a post useful, once per person, or take it back; idempotent. Commits."""
    policy.require(actor, "react", post)
    existing = db.session.get(Reaction, (post.id, actor.id))
    if useful == (existing is not None):
        return post
    try:
        if useful:
            db.session.add(Reaction(post_id=post.id, user_id=actor.id))
            db.session.flush()  # a concurrent twin breaks the primary key here
            delta = 1
        else:  # a concurrent take-back removes it only once
            removed = db.session.execute(
                delete(Reaction).where(Reaction.post_id == post.id, Reaction.user_id == actor.id)
            )
            delta = -removed.rowcount
        counters.useful_changed(post, delta)  # counted in SQL: concurrent clicks add up
        db.session.commit()
    except IntegrityError:  # the same person's concurrent click won
        db.session.rollback()
    db.session.refresh(post)
    return post


def mark_read(actor, discussion: Discussion, until=None) -> None:
    """Everything posted in the discussion so far, or up to `until`, counts as read.
    Commits."""
    policy.require(actor, policy.VIEW, discussion)
    _read_up_to(actor, discussion, until or max(discussion.last_post_at, utcnow()))
    events.publish(DiscussionSeen(actor, discussion))
    db.session.commit()


def mark_forum_read(actor, space: Space) -> None:
    """Everything posted so far in a space the actor may view counts as read: one mark
    for the space, however many discussions it has. Commits."""
    policy.require(actor, policy.VIEW, space)
    now = utcnow()
    read = db.session.get(ForumRead, (actor.id, space.id))
    if read is None:
        db.session.add(ForumRead(user_id=actor.id, space_id=space.id, read_until=now))
    else:
        read.read_until = max(read.read_until, now)
    try:
        db.session.commit()
    except IntegrityError:  # the same person's concurrent click won: marked all the same
        db.session.rollback()


def mark_all_read(actor) -> None:
    """Everything posted so far anywhere counts as read for a signed-in user: one mark on
    the user; the discussion and forum marks it makes pointless are dropped. Commits."""
    now = utcnow()
    db.session.get(User, actor.id).all_read_until = now
    for model in (DiscussionRead, ForumRead):
        db.session.execute(
            delete(model).where(model.user_id == actor.id, model.read_until <= now),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()


def configure_forum(
    actor,
    space: Space,
    *,
    forum_type: str | None = None,
    subscription_mode: str | None = None,
    group_mode: str | None = None,
    max_attachments: int | None = None,
    max_attachment_bytes: int | None = None,
    read_tracking: str | None = None,
    post_period_hours: int | None = None,
    warn_after: int | None = None,
    block_after: int | None = None,
    show_word_count: bool | None = None,
) -> ForumSettings:
    """Those who manage a forum set its type, subscription mode, group mode, read
    tracking, attachment limits (within the site's ceilings), posting threshold and
    whether posts show their word count. Turning a forum without discussions into a
    single-discussion forum starts that discussion from the forum's title and
    description. The change is audited (`forum.configured`). Commits."""
    policy.require(actor, policy.MANAGE, space)
    if space.kind not in DISCUSSION_KINDS:
        raise Conflict(_("Discussions cannot be started in this space."))
    settings = space.forum or ForumSettings(
        space=space,
        forum_type=ForumType.STANDARD,
        subscription_mode=SubscriptionMode.OPTIONAL,
        group_mode=GroupMode.NONE,
        max_attachments=ATTACHMENTS_DEFAULT,
        max_attachment_bytes=ATTACHMENT_BYTES_DEFAULT,
        read_tracking=ReadTracking.OPTIONAL,
        post_period_hours=0,
        warn_after=0,
        block_after=0,
    )
    for name, enum, value in (
        ("forum_type", ForumType, forum_type),
        ("subscription_mode", SubscriptionMode, subscription_mode),
        ("group_mode", GroupMode, group_mode),
        ("read_tracking", ReadTracking, read_tracking),
    ):
        if value is not None:
            try:
                setattr(settings, name, enum(value))
            except ValueError:
                values = ", ".join(m.value for m in enum)
                raise Invalid(
                    fields={name: _("Must be one of: %(values)s.", values=values)}
                ) from None
    _set_attachment_limits(settings, max_attachments, max_attachment_bytes)
    _set_threshold(settings, post_period_hours, warn_after, block_after)
    if show_word_count is not None:
        settings.show_word_count = show_word_count
    db.session.add(settings)
    events.publish(ForumConfigured(actor, space, settings))
    has_any = db.session.scalar(
        select(Discussion.id).where(Discussion.space_id == space.id).limit(1)
    )
    if settings.forum_type == ForumType.SINGLE and has_any is None:
        write_discussion(actor, space, space.title, space.description or space.title, None)
    db.session.commit()
    return settings


PERIOD_HOURS_MAX = 24 * 366
THRESHOLD_MAX = 10_000


def _set_threshold(
    settings: ForumSettings, hours: int | None, warn: int | None, block: int | None
) -> None:
    """The posting threshold (cop/discussions/threshold.py): a warning no later than the
    block, and a period whenever either is set."""
    for name, value, most in (
        ("post_period_hours", hours, PERIOD_HOURS_MAX),
        ("warn_after", warn, THRESHOLD_MAX),
        ("block_after", block, THRESHOLD_MAX),
    ):
        if value is not None:
            if not 0 <= value <= most:
                raise Invalid(fields={name: _("From 0 to %(n)s (0: none).", n=most)})
            setattr(settings, name, value)
    if settings.block_after and settings.warn_after > settings.block_after:
        message = _("Warn before blocking: at most as many posts as the block.")
        raise Invalid(fields={"warn_after": message})
    if (settings.warn_after or settings.block_after) and not settings.post_period_hours:
        raise Invalid(fields={"post_period_hours": _("Give the period the posts count in.")})


def _set_attachment_limits(settings: ForumSettings, count: int | None, size: int | None) -> None:
    config = current_app.config
    most_files, largest = config["COP_ATTACHMENT_MAX_FILES"], config["COP_ATTACHMENT_MAX_BYTES"]
    if count is not None:
        if not 0 <= count <= most_files:
            raise Invalid(
                fields={"max_attachments": _("From 0 to %(n)s (0: no attachments).", n=most_files)}
            )
        settings.max_attachments = count
    if size is not None:
        if not ATTACHMENT_BYTES_MIN <= size <= largest:
            raise Invalid(
                fields={
                    "max_attachment_bytes": _(
                        "From %(least)s to %(most)s.",
                        least=format_size(ATTACHMENT_BYTES_MIN),
                        most=format_size(largest),
                    )
                }
            )
        settings.max_attachment_bytes = size
