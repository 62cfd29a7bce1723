from datetime import datetime

from flask import Blueprint, after_this_request, request
from flask_login import current_user
from pydantic import Field

from cop import policy, rate_limits
from cop.attachments.api import AttachmentOut, attachment_out
from cop.attachments.queries import by_post
from cop.discussions import groups, idempotency, queries, reads, service
from cop.discussions.models import (
    TITLE_MAX,
    ForumType,
    GroupMode,
    SubscriptionMode,
    settings_of,
)
from cop.errors import StaleEdit
from cop.inputs import ID_MAX, Body, Id, Line
from cop.jsonapi import Input, Output, PageQuery, endpoint, if_match, with_etag
from cop.spaces.queries import get_space
from cop.text import BODY_MAX

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
    deleted: bool
    useful_count: int
    version: int = Field(description="Bumped by every edit; send it back to edit (If-Match)")
    attachments: list[AttachmentOut] = Field(description="Empty when the viewer may not see them")


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
    last_post_at: datetime


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
    max_attachment_bytes: int = Field(
        None, ge=1, le=ID_MAX, description="Largest file, in bytes (the site sets a ceiling)"
    )


class DiscussionIn(Input):
    community_id: Id | None = Field(
        None, description="In group mode: the community the discussion is for"
    )
    title: Line = Field(max_length=TITLE_MAX)
    body: Body = Field(max_length=BODY_MAX, description=f"Markdown, at most {BODY_MAX} characters")


class DiscussionPatch(Input):
    title: Line = Field(None, max_length=TITLE_MAX)
    pinned: bool = None
    locked: bool = None


class ReplyIn(Input):
    body: Body = Field(max_length=BODY_MAX, description=f"Markdown, at most {BODY_MAX} characters")
    parent_id: Id | None = None
    private: bool = False


class PostPatch(Input):
    body: Body = Field(max_length=BODY_MAX, description=f"Markdown, at most {BODY_MAX} characters")
    version: Id = Field(
        None,
        description="The version the edit was made on (or an If-Match header with the "
        "post's ETag); if the post has changed since, 409 with the current post. "
        "Without either, the edit applies to whatever is stored",
    )


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
        deleted=post.deleted_at is not None,
        useful_count=post.useful_count,
        version=post.version,
        attachments=[attachment_out(a) for a in files.get(post.id, [])],
    )


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
        last_post_at=discussion.last_post_at,
    )


def _key() -> str | None:
    return request.headers.get("Idempotency-Key") or None


class DiscussionListQuery(PageQuery):
    group: Id | None = Field(
        None,
        description="In group mode: this community's discussions and those for all participants",
    )


@endpoint(
    bp,
    "/spaces/<int:space_id>/discussions",
    summary="A space's discussions",
    query=DiscussionListQuery,
    response=DiscussionList,
    auth=False,
)
def list_discussions(space_id: int, params: DiscussionListQuery):
    space = get_space(current_user, space_id)
    items, total, unread, _last = queries.list_discussions(
        current_user, space, (params.page - 1) * params.per_page, params.per_page, params.group
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
        idempotency_key=_key(),
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
    hidden = {discussion.id} if discussion.replies_hidden else set()
    unread = reads.unread_counts(current_user, [discussion.id], hidden).get(discussion.id, 0)
    return _discussion_out(discussion, unread)


@endpoint(
    bp,
    "/discussions/<int:discussion_id>",
    "PATCH",
    summary="Rename (first post's author or moderators), pin or lock (moderators)",
    body=DiscussionPatch,
    response=DiscussionOut,
)
def patch_discussion(discussion_id: int, data: DiscussionPatch):
    discussion = queries.get_discussion(current_user, discussion_id)
    fields = data.model_dump(exclude_unset=True)
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
        return _tagged(service.edit_post(current_user, post, body=data.body, version=version))
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
    summary="Change a forum's type, subscription mode, group mode or attachment limits",
    body=ForumSettingsIn,
    response=ForumSettingsOut,
)
def patch_forum_settings(space_id: int, data: ForumSettingsIn):
    space = get_space(current_user, space_id)
    return service.configure_forum(current_user, space, **data.model_dump(exclude_unset=True))
