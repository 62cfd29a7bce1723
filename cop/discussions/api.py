from datetime import date, datetime
from typing import Annotated

from flask import Blueprint, after_this_request, request
from flask_login import current_user
from pydantic import Field

from cop import policy, rate_limits
from cop.attachments.api import AttachmentOut, attachment_out
from cop.attachments.queries import by_post
from cop.discussions import (
    groups,
    idempotency,
    queries,
    reads,
    service,
    stars,
    tags,
    threshold,
    timing,
)
from cop.discussions.export import export
from cop.discussions.models import (
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    ForumType,
    GroupMode,
    ReadTracking,
    SubscriptionMode,
    settings_of,
)
from cop.discussions.participation import ParticipationQuery, participation
from cop.errors import StaleEdit
from cop.inputs import ID_MAX, Body, Id, Line, Moment
from cop.jsonapi import Input, Output, PageQuery, endpoint, if_match, with_etag
from cop.spaces.queries import get_space
from cop.text import BODY_MAX, BODY_RULE, count_words

bp = Blueprint("discussions", __name__)


class AuthorOut(Output):
    id: int
    display_name: str


class PostOut(Output):
    id: int
    discussion_id: int
    parent_id: int | None
    author: AuthorOut | None = Field(description="None on a deleted post, except to moderators")
    body: str = Field(description="The Markdown source; empty once deleted")
    body_html: str = Field(description="The sanitized HTML")
    private: bool
    internal: bool = Field(description="An internal note on a consultation (experts only)")
    hidden: bool
    created_at: datetime
    edited_at: datetime | None
    edited_by: AuthorOut | None = Field(
        None, description="Who edited it last when not its author (a moderator)"
    )
    deleted: bool
    useful_count: int
    version: int = Field(description="Bumped by every edit; send it back to edit (If-Match)")
    attachments: list[AttachmentOut] = Field(description="Empty when the viewer may not see them")
    word_count: int | None = Field(
        None, description="Words in the text, when the forum shows them (and the text is shown)"
    )


class PostList(Output):
    items: list[PostOut]
    total: int
    page: int
    per_page: int


class DiscussionOut(Output):
    id: int
    space_id: int
    community_id: int | None
    title: str
    author: AuthorOut
    pinned: bool
    locked: bool
    reply_count: int
    unread_count: int
    created_at: datetime
    last_post_at: datetime = Field(
        description="When it was started while a Q&A forum still holds its answers back"
    )
    tags: list[str] = Field(description="Lower case, in alphabetical order")
    display_from: datetime | None = Field(
        description="Timed: shown from then (to those who moderate the space, always)"
    )
    display_until: datetime | None = Field(description="Timed: shown until then")


class DiscussionList(Output):
    items: list[DiscussionOut]
    total: int
    page: int
    per_page: int


class ForumSettingsOut(Output):
    forum_type: ForumType
    subscription_mode: SubscriptionMode
    group_mode: GroupMode
    max_attachments: int = Field(description="Files per post; 0: no attachments")
    max_attachment_bytes: int = Field(description="Largest file, in bytes")
    read_tracking: ReadTracking = Field(
        description="Unread marks: as each person prefers (optional), for everyone, or off"
    )
    post_period_hours: int = Field(description="The posting threshold's period; 0: none")
    warn_after: int = Field(description="Posts in the period from which a person is warned")
    block_after: int = Field(description="Posts in the period after which one cannot post")
    show_word_count: bool = Field(description="Posts show how many words they have")


class ForumSettingsIn(Input):
    forum_type: ForumType = None
    subscription_mode: SubscriptionMode = None
    group_mode: GroupMode = None
    max_attachments: int = Field(
        None,
        ge=0,
        le=ID_MAX,
        description="Files per post; 0: no attachments (the site sets a ceiling)",
    )
    show_word_count: bool = Field(None, description="Posts show how many words they have")
    max_attachment_bytes: int = Field(
        None, ge=1, le=ID_MAX, description="Largest file, in bytes (the site sets a ceiling)"
    )
    read_tracking: ReadTracking = None
    post_period_hours: int = Field(
        None, ge=0, le=ID_MAX, description="The posting threshold's period in hours; 0: none"
    )
    warn_after: int = Field(
        None, ge=0, le=ID_MAX, description="Warn from this many posts in the period; 0: never"
    )
    block_after: int = Field(
        None, ge=0, le=ID_MAX, description="No more posts after this many in the period; 0: never"
    )


Tags = Annotated[
    list[Annotated[str, Field(max_length=TAG_MAX)]],
    Field(
        max_length=TAGS_MAX,
        description=f"Free tags of the space, at most {TAGS_MAX} of at most {TAG_MAX} "
        "characters, without commas; stored in lower case",
    ),
]


MAIL_NOW = (
    "Mail its notifications at once instead of after the edit window (in which the "
    "text may still change)"
)


class DiscussionIn(Input):
    community_id: Id | None = Field(
        None, description="In group mode: the community the discussion is for"
    )
    tags: Tags = []
    title: Line = Field(max_length=TITLE_MAX)
    body: Body = Field(max_length=BODY_MAX, description=BODY_RULE)
    mail_now: bool = Field(False, description=MAIL_NOW)


class DiscussionPatch(Input):
    title: Line = Field(None, max_length=TITLE_MAX)
    tags: Tags = Field(None, description="Replaces the tags (the author or moderators)")
    display_from: Moment | None = Field(
        None, description="Moderators: shown from then; null: from the start"
    )
    display_until: Moment | None = Field(
        None, description="Moderators: shown until then; null: without end"
    )
    pinned: bool = None
    locked: bool = None


class ReplyIn(Input):
    body: Body = Field(max_length=BODY_MAX, description=BODY_RULE)
    parent_id: Id | None = None
    private: bool = False
    mail_now: bool = Field(False, description=MAIL_NOW)
    follow: bool = Field(
        True, description="Follow the discussion from now on (false: hear nothing more of it)"
    )


class PostPatch(Input):
    body: Body = Field(max_length=BODY_MAX, description=BODY_RULE)
    version: Id = Field(
        None,
        description="The version the edit was made on (or an If-Match header with the "
        "post's ETag); if the post has changed since, 409 with the current post. "
        "Without either, the edit applies to whatever is stored",
    )
    mail_now: bool = Field(False, description=MAIL_NOW)


def _post_out(post, thread: queries.Thread | None = None) -> PostOut:
    """`thread`: the loaded page the post is on, which knows its permissions and files."""
    if thread is None:
        readable = policy.can(current_user, "view_body", post)
        named = policy.can(current_user, "view_author", post)
        files = by_post([post.id] if policy.can(current_user, "view_attachments", post) else [])
    else:
        readable, files = post.id in thread.allowed["view_body"], thread.attachments
        named = post.id in thread.allowed["view_author"]
    return PostOut(
        id=post.id,
        discussion_id=post.discussion_id,
        parent_id=post.parent_id,
        author=AuthorOut.model_validate(post.author) if named else None,
        body=post.body if readable else "",
        body_html=post.body_html if readable else "",
        private=post.private_to_id is not None,
        internal=post.internal,
        hidden=post.hidden_at is not None,
        created_at=post.created_at,
        edited_at=post.edited_at,
        edited_by=AuthorOut.model_validate(post.edited_by) if named and _by_other(post) else None,
        deleted=post.deleted_at is not None,
        useful_count=post.useful_count,
        version=post.version,
        attachments=[attachment_out(a) for a in files.get(post.id, [])],
        word_count=(
            count_words(post.body_html)
            if readable and settings_of(post.discussion.space).show_word_count
            else None
        ),
    )


def _by_other(post) -> bool:
    return post.edited_by_id is not None and post.edited_by_id != post.author_id


def _discussion_out(discussion, unread: int = 0) -> DiscussionOut:
    return DiscussionOut(
        id=discussion.id,
        space_id=discussion.space_id,
        community_id=discussion.community_id,
        title=discussion.title,
        author=AuthorOut.model_validate(discussion.author),
        pinned=discussion.pinned,
        locked=discussion.locked,
        reply_count=0 if discussion.replies_hidden else discussion.reply_count,
        unread_count=unread,
        created_at=discussion.created_at,
        last_post_at=(
            discussion.created_at if discussion.replies_hidden else discussion.last_post_at
        ),
        tags=list(discussion.tag_names),
        display_from=discussion.display_from,
        display_until=discussion.display_until,
    )


def _key() -> str | None:
    return request.headers.get("Idempotency-Key") or None


class DiscussionQuery(PageQuery):
    tag: str | None = Field(None, max_length=TAG_MAX, description="Only those with this tag")
    group: Id | None = Field(
        None,
        description="In group mode: this community's discussions and those for all participants",
    )


@endpoint(
    bp,
    "/spaces/<int:space_id>/discussions",
    summary="A space's discussions (with a tag, those carrying it; with a group, that "
    "group's and those for all participants)",
    query=DiscussionQuery,
    response=DiscussionList,
    auth=False,
)
def list_discussions(space_id: int, params: DiscussionQuery):
    space = get_space(current_user, space_id)
    items, total, unread, _last = queries.list_discussions(
        current_user,
        space,
        (params.page - 1) * params.per_page,
        params.per_page,
        tag=params.tag,
        group=params.group,
    )
    return DiscussionList(
        items=[_discussion_out(d, unread.get(d.id, 0)) for d in items],
        total=total,
        page=params.page,
        per_page=params.per_page,
    )


class CopiesIn(Input):
    title: Line = Field(max_length=TITLE_MAX)
    body: Body = Field(max_length=BODY_MAX, description=f"Markdown, at most {BODY_MAX} characters")


class CopiesOut(Output):
    items: list[DiscussionOut] = Field(description="One discussion per group")


@endpoint(
    bp,
    "/spaces/<int:space_id>/discussions/all-groups",
    "POST",
    summary="Post a copy to all groups: the same discussion once for each group (moderators "
    "of a forum in group mode)",
    body=CopiesIn,
    response=CopiesOut,
    status=201,
    errors=(429,),
)
def create_group_copies(space_id: int, data: CopiesIn):
    space = get_space(current_user, space_id)
    rate_limits.posting(current_user)
    made = groups.start_in_every_group(current_user, space, title=data.title, body=data.body)
    return CopiesOut(items=[_discussion_out(d) for d in made])


@endpoint(
    bp,
    "/spaces/<int:space_id>/discussions",
    "POST",
    summary="Start a discussion (send an Idempotency-Key header to make retries safe)",
    body=DiscussionIn,
    response=DiscussionOut,
    status=201,
    errors=(429,),
)
def create_discussion(space_id: int, data: DiscussionIn):
    space = get_space(current_user, space_id)
    rate_limits.posting(current_user)
    discussion = service.start_discussion(
        current_user,
        space,
        title=data.title,
        body=data.body,
        community_id=data.community_id,
        tags=data.tags,
        idempotency_key=_key(),
        mail_now=data.mail_now,
    )
    return idempotency.first_response(
        current_user, _key(), _discussion_out(discussion).model_dump(mode="json")
    )


@endpoint(
    bp,
    "/discussions/<int:discussion_id>",
    summary="One discussion",
    response=DiscussionOut,
    auth=False,
)
def get_discussion(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    tags.load_tags([discussion])
    hidden = {discussion.id} if discussion.replies_hidden else set()
    unread = reads.unread_counts(current_user, [discussion.id], hidden).get(discussion.id, 0)
    return _discussion_out(discussion, unread)


@endpoint(
    bp,
    "/discussions/<int:discussion_id>",
    "PATCH",
    summary="Rename or tag (first post's author or moderators); pin, lock or time (moderators)",
    body=DiscussionPatch,
    response=DiscussionOut,
)
def patch_discussion(discussion_id: int, data: DiscussionPatch):
    discussion = queries.get_discussion(current_user, discussion_id)
    tags.load_tags([discussion])
    fields = data.model_dump(exclude_unset=True)
    if "tags" in fields:  # asked first, so that nothing else is saved when refused
        policy.require(current_user, "tag", discussion)
    timed = {"display_from", "display_until"} & set(fields)
    if timed:
        policy.require(current_user, policy.MODERATE, discussion)
    if timed:
        timing.set_display_period(
            current_user,
            discussion,
            fields.pop("display_from", discussion.display_from),
            fields.pop("display_until", discussion.display_until),
        )
    if "tags" in fields:
        tags.set_tags(current_user, discussion, fields.pop("tags"))
    if "title" in fields:
        first = service.first_post(discussion)
        service.edit_post(current_user, first, body=first.body, title=fields.pop("title"))
    if fields:
        service.set_flags(current_user, discussion, **fields)
    return _discussion_out(discussion)


@endpoint(
    bp,
    "/discussions/<int:discussion_id>",
    "DELETE",
    summary="Delete a discussion (its first post's rules apply)",
    status=204,
)
def delete_discussion(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    service.delete_post(current_user, service.first_post(discussion))


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/posts",
    summary="A discussion's posts",
    query=PageQuery,
    response=PostList,
    auth=False,
)
def list_posts(discussion_id: int, params: PageQuery):
    discussion = queries.get_discussion(current_user, discussion_id)
    thread = queries.load_thread(
        current_user, discussion, page=params.page, per_page=params.per_page
    )
    return PostList(
        items=[_post_out(p, thread) for p in thread.posts],
        total=thread.total,
        page=params.page,
        per_page=params.per_page,
    )


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/posts",
    "POST",
    summary="Reply (to parent_id, or to the first post); Idempotency-Key supported",
    body=ReplyIn,
    response=PostOut,
    status=201,
    errors=(429,),
)
def create_post(discussion_id: int, data: ReplyIn):
    discussion = queries.get_discussion(current_user, discussion_id)
    rate_limits.posting(current_user)
    post = service.reply(
        current_user,
        discussion,
        body=data.body,
        parent_id=data.parent_id,
        private=data.private,
        idempotency_key=_key(),
        mail_now=data.mail_now,
        follow=data.follow,
    )
    return idempotency.first_response(current_user, _key(), _post_out(post).model_dump(mode="json"))


def _tagged(post) -> PostOut:
    """The post, with its version as the response's ETag."""
    out = _post_out(post)
    after_this_request(with_etag(out.version))
    return out


@endpoint(
    bp, "/posts/<int:post_id>", summary="One post (ETag: its version)", response=PostOut, auth=False
)
def get_post(post_id: int):
    return _tagged(queries.get_post(current_user, post_id))


@endpoint(
    bp,
    "/posts/<int:post_id>",
    "PATCH",
    summary="Edit a post (keeps a revision); If-Match or `version` refuses a stale edit (409)",
    body=PostPatch,
    response=PostOut,
)
def patch_post(post_id: int, data: PostPatch):
    post = queries.get_post(current_user, post_id)
    version = if_match() or data.version
    try:
        edited = service.edit_post(
            current_user, post, body=data.body, version=version, mail_now=data.mail_now
        )
        return _tagged(edited)
    except StaleEdit as stale:
        stale.current = _post_out(stale.target).model_dump(mode="json")
        raise


@endpoint(bp, "/posts/<int:post_id>", "DELETE", summary="Delete a post", status=204)
def delete_post(post_id: int):
    service.delete_post(current_user, queries.get_post(current_user, post_id))


@endpoint(bp, "/posts/<int:post_id>/useful", "PUT", summary="Mark a post useful", response=PostOut)
def put_useful(post_id: int):
    return _post_out(
        service.set_useful(current_user, queries.get_post(current_user, post_id), True)
    )


@endpoint(
    bp, "/posts/<int:post_id>/useful", "DELETE", summary="Take back 'useful'", response=PostOut
)
def delete_useful(post_id: int):
    return _post_out(
        service.set_useful(current_user, queries.get_post(current_user, post_id), False)
    )


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/read",
    "PUT",
    summary="Mark the discussion read",
    status=204,
)
def put_read(discussion_id: int):
    service.mark_read(current_user, queries.get_discussion(current_user, discussion_id))


@endpoint(
    bp,
    "/spaces/<int:space_id>/read",
    "PUT",
    summary="Mark everything in a space read",
    status=204,
)
def put_space_read(space_id: int):
    service.mark_forum_read(current_user, get_space(current_user, space_id))


@endpoint(bp, "/read", "PUT", summary="Mark everything read, everywhere", status=204)
def put_all_read():
    service.mark_all_read(current_user)


@endpoint(
    bp,
    "/spaces/<int:space_id>/forum",
    summary="A forum's settings",
    response=ForumSettingsOut,
    auth=False,
)
def get_forum_settings(space_id: int):
    return settings_of(get_space(current_user, space_id))


@endpoint(
    bp,
    "/spaces/<int:space_id>/forum",
    "PATCH",
    summary="Change a forum's type, subscription mode, group mode, read tracking, "
    "attachment limits, posting threshold or word counts",
    body=ForumSettingsIn,
    response=ForumSettingsOut,
)
def patch_forum_settings(space_id: int, data: ForumSettingsIn):
    space = get_space(current_user, space_id)
    return service.configure_forum(current_user, space, **data.model_dump(exclude_unset=True))


class StarOut(Output):
    starred: bool = Field(description="Only you see your stars")


class StarredQuery(PageQuery):
    space_id: Id | None = Field(None, description="Only the starred discussions of this space")


class PostingOut(Output):
    limited: bool = Field(description="False: no threshold here, or the viewer is exempt")
    posts: int = Field(description="The viewer's posts in the forum within the period")
    period_hours: int
    warn_after: int
    block_after: int
    warned: bool
    blocked: bool
    open_again: datetime | None = Field(description="When blocked: when one may post again")
    message: str | None = Field(description="The warning or the block, for people")


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/star",
    "PUT",
    summary="Star a discussion",
    response=StarOut,
)
def star_discussion(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    return StarOut(starred=stars.star(current_user, discussion, True))


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/star",
    "DELETE",
    summary="Take the star off",
    response=StarOut,
)
def unstar_discussion(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    return StarOut(starred=stars.star(current_user, discussion, False))


@endpoint(
    bp,
    "/me/starred",
    summary="My starred discussions that I may read, by last activity",
    query=StarredQuery,
    response=DiscussionList,
)
def list_starred(params: StarredQuery):
    space_id = get_space(current_user, params.space_id).id if params.space_id else None
    items, total, unread = stars.list_starred(
        current_user, space_id, (params.page - 1) * params.per_page, params.per_page
    )
    return DiscussionList(
        items=[_discussion_out(d, unread.get(d.id, 0)) for d in items],
        total=total,
        page=params.page,
        per_page=params.per_page,
    )


@endpoint(
    bp,
    "/spaces/<int:space_id>/posting",
    summary="Where the viewer stands against the forum's posting threshold",
    response=PostingOut,
)
def get_posting(space_id: int):
    space = get_space(current_user, space_id)
    found = threshold.standing(current_user, space)
    if found is None:
        return PostingOut(
            limited=False,
            posts=0,
            period_hours=0,
            warn_after=0,
            block_after=0,
            warned=False,
            blocked=False,
            open_again=None,
            message=None,
        )
    return PostingOut(
        limited=True,
        posts=found.posts,
        period_hours=found.period_hours,
        warn_after=found.warn_after,
        block_after=found.block_after,
        warned=found.warned,
        blocked=found.blocked,
        open_again=found.open_again,
        message=threshold.warning(found),
    )


class ParticipationGroupOut(Output):
    id: int = Field(description="The community")
    name: str


class ParticipationRowOut(Output):
    user_id: int
    display_name: str
    discussions: int = Field(description="Discussions started")
    replies: int
    last_post_at: datetime | None = Field(description="In the period; null: none")


class ParticipationOut(Output):
    space_id: int
    group: ParticipationGroupOut | None
    first: date | None
    last: date | None
    groups: list[ParticipationGroupOut] = Field(description="The groups to filter by")
    discussions: int
    replies: int
    people: list[ParticipationRowOut] = Field(description="Most posts first")


def _group_out(group) -> ParticipationGroupOut:
    return ParticipationGroupOut(id=group.id, name=group.name)


@endpoint(
    bp,
    "/spaces/<int:space_id>/participation",
    summary="Discussions and replies per person in a forum, by group and period (those "
    "who moderate the space; a group's staff sees their own groups)",
    query=ParticipationQuery,
    response=ParticipationOut,
)
def get_participation(space_id: int, params: ParticipationQuery):
    space = get_space(current_user, space_id)
    policy.require(current_user, policy.MODERATE, space)
    report = participation(current_user, space, params)
    return ParticipationOut(
        space_id=space.id,
        group=_group_out(report.group) if report.group else None,
        first=params.first,
        last=params.last,
        groups=[_group_out(g) for g in report.groups],
        discussions=report.discussions,
        replies=report.replies,
        people=[
            ParticipationRowOut(
                user_id=r.user_id,
                display_name=r.name,
                discussions=r.discussions,
                replies=r.replies,
                last_post_at=r.last_post_at,
            )
            for r in report.rows
        ],
    )


class ExportPostOut(Output):
    id: int
    parent_id: int | None
    author: AuthorOut
    body: str = Field(description="The Markdown source")
    body_html: str = Field(description="The sanitized HTML")
    private: bool
    internal: bool
    hidden: bool
    created_at: datetime
    edited_at: datetime | None


class ExportDiscussionOut(Output):
    id: int
    title: str
    community_id: int | None
    author: AuthorOut
    created_at: datetime
    posts: list[ExportPostOut] = Field(description="Oldest first; deleted posts left out")


class ExportOut(Output):
    space_id: int
    discussions: list[ExportDiscussionOut]


def _author(user) -> AuthorOut:
    return AuthorOut(id=user.id, display_name=user.display_name)


def _export_out(space, discussion=None) -> ExportOut:
    return ExportOut(
        space_id=space.id,
        discussions=[
            ExportDiscussionOut(
                id=item.discussion.id,
                title=item.discussion.title,
                community_id=item.discussion.community_id,
                author=_author(item.discussion.author),
                created_at=item.discussion.created_at,
                posts=[
                    ExportPostOut(
                        id=p.id,
                        parent_id=p.parent_id,
                        author=_author(p.author),
                        body=p.body,
                        body_html=p.body_html,
                        private=p.private_to_id is not None,
                        internal=p.internal,
                        hidden=p.hidden_at is not None,
                        created_at=p.created_at,
                        edited_at=p.edited_at,
                    )
                    for p in item.posts
                ],
            )
            for item in export(current_user, space, discussion)
        ],
    )


@endpoint(
    bp,
    "/spaces/<int:space_id>/export",
    summary="Export a forum: its discussions with the posts the viewer may read (all of them "
    "for those who moderate the space, else the viewer's own posts)",
    response=ExportOut,
)
def export_forum(space_id: int):
    return _export_out(get_space(current_user, space_id))


@endpoint(
    bp,
    "/discussions/<int:discussion_id>/export",
    summary="Export a discussion with the posts the viewer may read (all of them for those who "
    "moderate its space, else the viewer's own posts)",
    response=ExportOut,
)
def export_discussion(discussion_id: int):
    discussion = queries.get_discussion(current_user, discussion_id)
    return _export_out(discussion.space, discussion)
