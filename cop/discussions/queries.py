"""Reading discussions and posts, already filtered by what the user may see."""

from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, exists, func, literal_column, or_, select, union
from sqlalchemy.orm import contains_eager

from cop import policy
from cop.accounts.models import User
from cop.attachments.models import Attachment
from cop.attachments.queries import by_post
from cop.discussions import reads
from cop.discussions.models import (
    Discussion,
    ForumType,
    Post,
    PostRevision,
    Reaction,
    settings_of,
)
from cop.discussions.tags import load_tags, tagged
from cop.errors import NotFound
from cop.extensions import db
from cop.spaces.models import Space


def get_discussion(user, discussion_id: int) -> Discussion:
    """The discussion if the user may view it. One query with the read rule in it, so a
    discussion that exists but is not theirs costs what a missing id costs (the answer's
    time says nothing); the policy then confirms what was found."""
    discussion = db.session.scalar(_readable_discussion(user), {"discussion_id": discussion_id})
    if discussion is None or not policy.can(user, policy.VIEW, discussion):
        raise NotFound()
    discussion.replies_hidden = not policy.qanda_unlocked(user, discussion)
    return discussion


@policy.remembered
def _readable_discussion(user):
    return (
        select(Discussion)
        .join(Space, Space.id == Discussion.space_id)
        .options(contains_eager(Discussion.space))  # with its forum settings (joined)
        .where(
            Discussion.id == bindparam("discussion_id"),
            policy.readable_discussions_anywhere(user),
        )
    )


def get_post(user, post_id: int) -> Post:
    """The post if the user may view it, found like `get_discussion`: one query with the
    read rules of its space, discussion and itself."""
    post = db.session.scalar(
        select(Post)
        .join(Discussion, Discussion.id == Post.discussion_id)
        .join(Space, Space.id == Discussion.space_id)
        .where(
            Post.id == post_id,
            policy.readable_discussions_anywhere(user),
            policy.readable_posts_anywhere(user),
        )
    )
    if post is None or not policy.can(user, policy.VIEW, post):
        raise NotFound()
    return post


def list_discussions(
    user,
    space: Space,
    offset: int = 0,
    limit: int = 50,
    tag: str | None = None,
    group: int | None = None,
):
    """A forum's discussions, pinned first and then by last activity the user may see
    (`policy.last_activity`) or, in a blog, by when they were started, with their
    tags, the total, the user's unread counts and the names of the last posts' authors (by
    post id). With a `tag`, those carrying it; with a `group` (a community), that group's
    discussions and those for all participants, as Moodle's group menu shows."""
    where = and_(Discussion.space_id == space.id, policy.readable_discussions(user, space))
    if tag:
        where = and_(where, tagged(tag))
    if group is not None:
        where = and_(
            where, or_(Discussion.community_id == group, Discussion.community_id.is_(None))
        )
    total = db.session.scalar(select(func.count()).select_from(Discussion).where(where))
    order = (
        (Discussion.created_at.desc(), Discussion.id.desc())
        if settings_of(space).forum_type == ForumType.BLOG
        else (policy.last_activity(user, space).desc(), Discussion.id)
    )
    discussions = list(
        db.session.scalars(
            select(Discussion)
            .join(Space, Space.id == Discussion.space_id)
            .where(where)
            .order_by(Discussion.pinned.desc(), *order)
            .offset(offset)
            .limit(limit)
        )
    )
    load_tags(discussions)
    unlocked = policy.qanda_unlocked_among(user, discussions)
    for discussion in discussions:  # Q&A: replies, their count and authors wait
        discussion.replies_hidden = discussion.id not in unlocked
    last_ids = [d.last_post_id for d in discussions if d.last_post_id]
    last_authors = (
        dict(
            db.session.execute(
                select(Post.id, User.display_name)
                .join(User, Post.author_id == User.id)
                .where(Post.id.in_(last_ids))
            ).all()
        )
        if last_ids
        else {}
    )
    hidden = {d.id for d in discussions if d.replies_hidden}
    unread = reads.unread_counts(user, [d.id for d in discussions], hidden)
    return discussions, total, unread, last_authors


# A discussion page: POSTS_PER_PAGE posts in the flat modes; in the threaded modes
# BRANCHES_PER_PAGE replies to the first post, each with every reply below it (a branch
# stays whole on one page), under the first post.
POSTS_PER_PAGE = 20
BRANCHES_PER_PAGE = 10
FLAT_MODES = ("oldest", "newest")
# Replies nest this many levels under the first post; deeper ones are shown flat, in
# time order, under their deepest shown ancestor (as Moodle and Discourse do), so a
# long chain of replies costs the page nothing more than as many siblings.
NESTING_MAX = 6


@dataclass
class Row:
    """One post of a tree in reading order. After it, a page opens a list for its
    replies (opens) or closes its item and then `closes` enclosing levels."""

    post: Post
    depth: int
    opens: bool = False
    closes: int = 0


@dataclass
class Thread:
    """A page of a discussion's visible posts, with what the page needs to show them."""

    posts: list[Post]
    children: dict[int | None, list[Post]] = field(default_factory=dict)
    useful_mine: set[int] = field(default_factory=set)
    unread: set[int] = field(default_factory=set)  # ids of the page's posts to mark new
    # asked for with load_thread(elsewhere=True): the oldest unread post the user may see
    # on another page (id, created_at, discussion_id), None if none or not asked
    unread_elsewhere: object = None
    revised: set[int] = field(default_factory=set)
    allowed: dict[str, set[int]] = field(default_factory=dict)  # action -> post ids
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)  # only visible ones
    first_id: int | None = None
    total: int = 0  # posts (flat modes, or everything) or branches (threaded modes)
    page: int = 1
    pages: int = 1

    @property
    def first(self) -> Post:
        return self.children[None][0]

    def tree(self, root_id: int | None = None) -> list[Row]:
        """The posts below root_id (all of them from None) depth first, without
        recursion, nesting at most NESTING_MAX levels below the first post."""
        rows: list[Row] = []
        stack = [
            (post, 0 if root_id is None else 1) for post in reversed(self.children.get(root_id, []))
        ]
        while stack:
            post, depth = stack.pop()
            rows.append(Row(post, depth))
            if depth + 1 < NESTING_MAX:
                below = self.children.get(post.id, [])
            elif depth + 1 == NESTING_MAX:
                below = self._below(post)
            else:
                below = []
            stack.extend((child, depth + 1) for child in reversed(below))
        for row, after in zip(rows, rows[1:] + [None], strict=True):
            next_depth = after.depth if after else rows[0].depth
            row.opens = next_depth > row.depth
            row.closes = max(row.depth - next_depth, 0)
        return rows

    def _below(self, post: Post) -> list[Post]:
        """Every post of the page below this one, oldest first."""
        found, todo = [], [post.id]
        while todo:
            replies = self.children.get(todo.pop(), [])
            found.extend(replies)
            todo.extend(reply.id for reply in replies)
        return sorted(found, key=lambda p: (p.created_at, p.id))


def opening_posts(user, space: Space, discussions: list[Discussion]) -> dict[int, Post]:
    """The opening posts of these discussions (already readable ones of `space`) whose
    text the user may read, by discussion id, in one query: a deleted one is left out,
    as is one hidden by a moderator but for moderators and its author (post `view_body`;
    an opening post is never private; an internal note is left out)."""
    if not discussions:
        return {}
    where = [
        Post.discussion_id.in_([d.id for d in discussions]),
        Post.parent_id.is_(None),
        Post.deleted_at.is_(None),
        Post.internal.is_(False),
    ]
    if not policy.can(user, policy.MODERATE, space):
        shown = Post.hidden_at.is_(None)
        where.append(or_(shown, Post.author_id == user.id) if user.is_authenticated else shown)
    return {post.discussion_id: post for post in db.session.scalars(select(Post).where(*where))}


# Statements that need nothing of the policy, built once per process with bound values: a
# statement built per request costs more to build and to key for the compiled cache than
# SQLite takes to run it.
_FIRST_POST = select(Post.id).where(
    Post.discussion_id == bindparam("discussion_id"), Post.parent_id.is_(None)
)
_PAGE_IDS = bindparam("ids", expanding=True)
_PAGE_MARKS = union(
    select(literal_column("'replied'").label("mark"), Post.parent_id.label("post_id")).where(
        Post.parent_id.in_(_PAGE_IDS), Post.internal.is_(False)
    ),
    select(literal_column("'useful'"), Reaction.post_id).where(
        Reaction.user_id == bindparam("user_id"), Reaction.post_id.in_(_PAGE_IDS)
    ),
    select(literal_column("'revised'"), PostRevision.post_id).where(
        PostRevision.post_id.in_(_PAGE_IDS)
    ),
)


def _first_post_id(discussion: Discussion) -> int | None:
    return db.session.scalar(_FIRST_POST, {"discussion_id": discussion.id})


def _branch_tops(user, discussion: Discussion, first_id: int):
    """The replies to the first post the user may see, oldest first."""
    return (
        select(Post.id)
        .where(
            Post.discussion_id == discussion.id,
            Post.parent_id == first_id,
            policy.readable_posts(user, discussion),
        )
        .order_by(Post.created_at, Post.id)
    )


def _page_count(total: int, per_page: int) -> int:
    return max((total + per_page - 1) // per_page, 1)


def _flat_page(discussion, readable, newest: bool, page: int, per_page: int):
    order = (Post.created_at.desc(), Post.id.desc()) if newest else (Post.created_at, Post.id)
    where = (Post.discussion_id == discussion.id, readable)
    total = db.session.scalar(select(func.count()).select_from(Post).where(*where))
    posts = db.session.scalars(
        select(Post).where(*where).order_by(*order).offset((page - 1) * per_page).limit(per_page)
    )
    return list(posts), total


def _branch_page(user, discussion, readable, first_id: int | None, page: int):
    """The first post and one page of branches, in two queries: a count and a recursive
    walk down from the page's branch tops."""
    if first_id is None:
        return [], 0
    tops = _branch_tops(user, discussion, first_id)
    total = db.session.scalar(select(func.count()).select_from(tops.subquery()))
    page_tops = tops.offset((page - 1) * BRANCHES_PER_PAGE).limit(BRANCHES_PER_PAGE)
    tree = select(Post.id).where(Post.id.in_(page_tops.scalar_subquery())).cte(recursive=True)
    tree = tree.union_all(select(Post.id).join(tree, Post.parent_id == tree.c.id))
    posts = db.session.scalars(
        select(Post)
        .where(
            Post.discussion_id == discussion.id,
            or_(Post.id == first_id, Post.id.in_(select(tree.c.id))),
            readable,
        )
        .order_by(Post.created_at, Post.id)
    )
    return list(posts), total


def _page_marks(user, ids: list[int]) -> tuple[set[int], set[int], set[int]]:
    """Of these posts: those with replies (as policy._has_replies: notes do not count),
    those the user found useful, those with earlier versions; in one query."""
    found: dict[str, set[int]] = {"replied": set(), "useful": set(), "revised": set()}
    for mark, post_id in db.session.execute(_PAGE_MARKS, {"ids": ids, "user_id": user.id}):
        found[mark].add(post_id)
    return found["replied"], found["useful"], found["revised"]


def load_thread(
    user,
    discussion: Discussion,
    mode: str = "oldest",
    page: int = 1,
    per_page: int = POSTS_PER_PAGE,
    internal: bool | None = None,
    elsewhere: bool = False,
) -> Thread:
    """One page of the posts the user may see, in the given display mode (see
    POSTS_PER_PAGE), in a fixed number of queries; with `elsewhere`, also the oldest
    unread post the user may see on other pages (in the same query as the page's)."""
    readable = policy.readable_posts(user, discussion)
    if internal is not None:  # a consultation's internal notes, or everything but them
        readable = and_(readable, Post.internal.is_(internal))
    first_id = _first_post_id(discussion)
    if mode in FLAT_MODES:
        posts, total = _flat_page(discussion, readable, mode == "newest", page, per_page)
        pages = _page_count(total, per_page)
    else:
        posts, total = _branch_page(user, discussion, readable, first_id, page)
        pages = _page_count(total, BRANCHES_PER_PAGE)
    thread = Thread(posts, first_id=first_id, total=total, page=page, pages=pages)
    for post in posts:
        thread.children.setdefault(post.parent_id, []).append(post)
    ids = [p.id for p in posts]
    if user.is_authenticated:  # what only a signed-in person's actions need
        replied, thread.useful_mine, thread.revised = _page_marks(user, ids)
        for post in posts:
            post.has_replies = post.id in replied
        thread.unread, thread.unread_elsewhere = reads.unread_on_page(
            user, discussion, ids, readable if elsewhere else None
        )
    thread.allowed = policy.post_permissions(user, discussion, posts)
    thread.attachments = by_post(thread.allowed["view_attachments"])
    return thread


def page_of(user, post: Post, mode: str) -> tuple[str, int]:
    """The display mode and page that show this post (visible to the user): a branch's
    page in the threaded modes, or the oldest-first page when its branch is hidden from
    the user."""
    discussion = post.discussion
    readable = policy.readable_posts(user, discussion)
    if mode not in FLAT_MODES:
        first_id = _first_post_id(discussion)
        if post.id == first_id:
            return mode, 1
        up = select(Post.id, Post.parent_id).where(Post.id == post.id).cte(recursive=True)
        up = up.union_all(select(Post.id, Post.parent_id).join(up, Post.id == up.c.parent_id))
        top = db.session.get(
            Post, db.session.scalar(select(up.c.id).where(up.c.parent_id == first_id)) or 0
        )
        if top is not None and policy.can(user, policy.VIEW, top):
            before = db.session.scalar(
                select(func.count()).select_from(
                    _branch_tops(user, discussion, first_id)
                    .where(_before(top))
                    .order_by(None)
                    .subquery()
                )
            )
            return mode, before // BRANCHES_PER_PAGE + 1
        mode = "oldest"
    newer = mode == "newest"
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Post)
        .where(
            Post.discussion_id == discussion.id,
            readable,
            _after(post) if newer else _before(post),
        )
    )
    return mode, ahead // POSTS_PER_PAGE + 1


def _before(post: Post):
    return or_(
        Post.created_at < post.created_at,
        and_(Post.created_at == post.created_at, Post.id < post.id),
    )


def _after(post: Post):
    return or_(
        Post.created_at > post.created_at,
        and_(Post.created_at == post.created_at, Post.id > post.id),
    )


def first_unread(user, discussion: Discussion, shown=()) -> Post | None:
    """The oldest unread post the user may see, leaving out the posts already shown;
    None for a guest or when everything is read."""
    if not user.is_authenticated:
        return None
    where = [
        Post.discussion_id == discussion.id,
        reads.unread(user),
        policy.readable_posts(user, discussion),
    ]
    if shown:
        where.append(Post.id.not_in(list(shown)))
    return db.session.scalar(
        select(Post)
        .join(Discussion, Discussion.id == Post.discussion_id)
        .where(*where)
        .order_by(Post.created_at, Post.id)
        .limit(1)
    )


def list_revisions(post: Post) -> list[PostRevision]:
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
        )
    )


def own_discussion(user, space: Space) -> Discussion | None:
    """In an each-person-one forum, the discussion the user started there (if they may
    still see it), for the page stating the rule."""
    if not user.is_authenticated or settings_of(space).forum_type != ForumType.EACH_ONE:
        return None
    return db.session.scalar(
        select(Discussion)
        .where(
            Discussion.space_id == space.id,
            Discussion.author_id == user.id,
            policy.readable_discussions(user, space),
        )
        .order_by(Discussion.id)
        .limit(1)
    )


def qanda_rule(user, discussion: Discussion) -> str | None:
    """What the Q&A rule holds back from the user here, to say so on the page: None
    (nothing), "answer" (others' answers show once the user's own has been posted for the
    edit window) or "wait" (their answer is posted, that window is still running)."""
    if settings_of(discussion.space).forum_type != ForumType.QANDA or policy.qanda_unlocked(
        user, discussion
    ):
        return None
    answered = user.is_authenticated and db.session.scalar(
        select(
            exists().where(
                Post.discussion_id == discussion.id,
                Post.author_id == user.id,
                Post.parent_id.is_not(None),
                Post.deleted_at.is_(None),
            )
        )
    )
    return "wait" if answered else "answer"
