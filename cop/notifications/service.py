"""Who hears about a new post, and the choices behind it. Posting calls `post_created`
in the post's own transaction, so a post and its notifications are written together.

A forum's subscription mode decides the default, as in Moodle: optional (nobody until
they subscribe), auto (everyone until they unsubscribe), forced (everyone, no choice),
disabled (nobody). A person's choice for a discussion wins over their forum choice,
except in forced and disabled forums. Whoever posts follows the discussion from then on.
In a forum with groups (visible or separate) only the discussion's group and the space's
moderators hear of it, as in Moodle. Everyone notified may read the post, or will once
their own answer in a Q&A forum leaves its edit window (`policy.readers`, by the same
rules as every page); the bell and the mail ask again when they show or send it
(cop/notifications/queries.py, cop/notifications/delivery.py)."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from cop import policy
from cop.accounts.models import User
from cop.db import reserve_ids, utcnow
from cop.discussions.models import Discussion, ForumType, Post, SubscriptionMode, settings_of
from cop.errors import Conflict
from cop.extensions import db
from cop.notifications.models import (
    DiscussionSubscription,
    ForumSubscription,
    Notification,
    NotificationKind,
    NotificationMute,
)
from cop.spaces.models import Space
from cop.text import find_mentions

DEFAULT_ON = (SubscriptionMode.AUTO, SubscriptionMode.FORCED)
# How long a notification may wait for its reader to be allowed to read it (a Q&A forum's
# answers): as Moodle's forum cron, which mails the posts of the last two days.
HELD_FOR = timedelta(days=2)


@dataclass(frozen=True)
class SubscriptionState:
    subscribed: bool
    can_change: bool
    mode: SubscriptionMode


def _mode(space: Space) -> SubscriptionMode:
    return settings_of(space).subscription_mode


def forum_subscription(user, space: Space) -> SubscriptionState:
    mode = _mode(space)
    if mode in (SubscriptionMode.FORCED, SubscriptionMode.DISABLED) or not user.is_authenticated:
        return SubscriptionState(mode == SubscriptionMode.FORCED, False, mode)
    row = db.session.get(ForumSubscription, (user.id, space.id))
    return SubscriptionState(row.subscribed if row else mode in DEFAULT_ON, True, mode)


def discussion_subscription(user, discussion: Discussion) -> SubscriptionState:
    forum = forum_subscription(user, discussion.space)
    if not forum.can_change:
        return forum
    row = db.session.get(DiscussionSubscription, (user.id, discussion.id))
    return SubscriptionState(row.subscribed if row else forum.subscribed, True, forum.mode)


def _refuse_change(state: SubscriptionState) -> None:
    if not state.can_change:
        if state.mode == SubscriptionMode.FORCED:
            raise Conflict(_("Everyone is subscribed to this forum."))
        raise Conflict(_("Subscriptions are turned off in this forum."))


def subscribe_forum(user, space: Space, subscribed: bool) -> SubscriptionState:
    """Follow or stop following a forum one may read. Following it clears one's choices
    not to follow some of its discussions; stopping keeps the discussions one follows.
    Commits."""
    policy.require(user, policy.REPLY, space)
    _refuse_change(forum_subscription(user, space))
    row = db.session.get(ForumSubscription, (user.id, space.id))
    if row is None:
        db.session.add(ForumSubscription(user_id=user.id, space_id=space.id, subscribed=subscribed))
    else:
        row.subscribed = subscribed
    if subscribed:
        db.session.execute(
            DiscussionSubscription.__table__.delete().where(
                DiscussionSubscription.user_id == user.id,
                DiscussionSubscription.subscribed.is_(False),
                DiscussionSubscription.discussion_id.in_(
                    select(Discussion.id).where(Discussion.space_id == space.id)
                ),
            )
        )
    db.session.commit()
    return forum_subscription(user, space)


def subscribe_discussion(user, discussion: Discussion, subscribed: bool) -> SubscriptionState:
    """Follow or stop following one discussion. Commits."""
    policy.require(user, policy.VIEW, discussion)
    if not user.is_authenticated:
        raise Conflict(_("Sign in to follow discussions."))
    _refuse_change(discussion_subscription(user, discussion))
    _choose(user.id, discussion.id, subscribed)
    db.session.commit()
    return discussion_subscription(user, discussion)


def _choose(user_id: int, discussion_id: int, subscribed: bool) -> None:
    row = db.session.get(DiscussionSubscription, (user_id, discussion_id))
    if row is None:
        db.session.add(
            DiscussionSubscription(
                user_id=user_id, discussion_id=discussion_id, subscribed=subscribed
            )
        )
    else:
        row.subscribed = subscribed


def _subscribers(discussion: Discussion) -> list[User]:
    """Everyone following the discussion by their own or the forum's choice, in a forum
    with groups only its group and the space's moderators, before asking whether they
    may read a particular post."""
    chosen = dict(
        db.session.execute(
            select(DiscussionSubscription.user_id, DiscussionSubscription.subscribed).where(
                DiscussionSubscription.discussion_id == discussion.id
            )
        ).all()
    )
    return policy.in_discussion_group(discussion, _following(discussion.space, chosen))


def subscribers_of(space: Space) -> list[User]:
    """Everyone following a space (its forum, course or live sessions) by their own or its
    subscription mode's choice, before asking whether they may read what it is about."""
    return _following(space, {})


def _following(space: Space, chosen: dict[int, bool]) -> list[User]:
    mode = _mode(space)
    if mode == SubscriptionMode.DISABLED:
        return []
    active = select(User).where(User.active.is_(True))
    if mode == SubscriptionMode.FORCED:
        return list(db.session.scalars(active))
    forum = dict(
        db.session.execute(
            select(ForumSubscription.user_id, ForumSubscription.subscribed).where(
                ForumSubscription.space_id == space.id
            )
        ).all()
    )
    default = mode in DEFAULT_ON
    wanted = {
        user_id
        for user_id in set(forum) | set(chosen)
        if chosen.get(user_id, forum.get(user_id, default))
    }
    if default:  # everyone but those who said no
        refused = {u for u in set(forum) | set(chosen) if u not in wanted}
        return [u for u in db.session.scalars(active) if u.id not in refused]
    return list(db.session.scalars(active.where(User.id.in_(wanted)))) if wanted else []


def _mentioned(source: str) -> list[User]:
    return _mentioned_by_name(find_mentions(source))


def _mentioned_by_name(names) -> list[User]:
    if not names:
        return []
    return list(
        db.session.scalars(select(User).where(User.username.in_(names), User.active.is_(True)))
    )


def muted(kind: NotificationKind, user_ids) -> set[int]:
    """Those of these people who turned this kind of notification off."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(NotificationMute.user_id).where(
                NotificationMute.kind == kind, NotificationMute.user_id.in_(user_ids)
            )
        )
    )


def _notify(
    post: Post, users, kind: NotificationKind, already: set[int], actor_id: int | None = None
) -> None:
    users = [u for u in users if u.id not in already]
    off = muted(kind, [u.id for u in users])
    for user in policy.readers(post, [u for u in users if u.id not in off], soon=True):
        db.session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                post_id=post.id,
                discussion_id=post.discussion_id,
                actor_id=actor_id or post.author_id,
                created_at=post.created_at,
            )
        )
        already.add(user.id)


def post_created(post: Post, follow: bool = True) -> None:
    """Notify the mentioned and the subscribed who may read a new post, and let its
    author follow the discussion (unless they ask not to: `follow` false stops them
    following it). Part of the caller's transaction; does not commit."""
    discussion = post.discussion
    already = {post.author_id}
    _notify(post, _mentioned(post.body), NotificationKind.MENTION, already)
    kind = NotificationKind.REPLY if post.parent_id else NotificationKind.DISCUSSION
    _notify(post, _subscribers(discussion), kind, already)
    choosing = _mode(discussion.space) not in (SubscriptionMode.DISABLED, SubscriptionMode.FORCED)
    if choosing and not follow:
        _choose(post.author_id, discussion.id, False)
    elif (
        choosing and db.session.get(DiscussionSubscription, (post.author_id, discussion.id)) is None
    ):
        _choose(post.author_id, discussion.id, True)
    if post.parent_id and settings_of(discussion.space).forum_type == ForumType.QANDA:
        _earlier_answers(post)


def replies_copied(posts) -> None:
    """`post_created` for each of these plain replies of one author to one discussion (a
    live session's archive), with the people, their mutes and their right to read asked
    once for all: whoever may read one of them may read them all. Does not commit."""
    first = posts[0]
    discussion, author_id = first.discussion, first.author_id
    named = {post.id: find_mentions(post.body) for post in posts}
    mentioned = _mentioned_by_name(set().union(*named.values()))
    subscribers = _subscribers(discussion)
    people = {u.id: u for u in (*mentioned, *subscribers) if u.id != author_id}
    may_read = {u.id for u in policy.readers(first, list(people.values()), soon=True)}
    off = {
        NotificationKind.MENTION: muted(NotificationKind.MENTION, [u.id for u in mentioned]),
        NotificationKind.REPLY: muted(NotificationKind.REPLY, [u.id for u in subscribers]),
    }
    told = []
    for post in posts:
        already = {author_id}
        mentions = [u for u in mentioned if u.username in named[post.id]]
        for kind, users in (
            (NotificationKind.MENTION, mentions),
            (NotificationKind.REPLY, subscribers),
        ):
            for user in users:
                if user.id in already or user.id in off[kind] or user.id not in may_read:
                    continue
                told.append((user.id, kind, post))
                already.add(user.id)
    # Their ids reserved, the rows go in one executemany (cop.db.reserve_ids).
    ids = reserve_ids(db.session, Notification.__table__, len(told)) if told else []
    db.session.add_all(
        Notification(
            id=id_,
            user_id=user_id,
            kind=kind,
            post_id=post.id,
            discussion_id=post.discussion_id,
            actor_id=author_id,
            created_at=post.created_at,
            mail_tries=0,  # every column given: nothing to read back
        )
        for id_, (user_id, kind, post) in zip(ids, told, strict=True)
    )
    choosing = _mode(discussion.space) not in (SubscriptionMode.DISABLED, SubscriptionMode.FORCED)
    if choosing and db.session.get(DiscussionSubscription, (author_id, discussion.id)) is None:
        _choose(author_id, discussion.id, True)
    if settings_of(discussion.space).forum_type == ForumType.QANDA:
        for post in posts:
            _earlier_answers(post)


def _earlier_answers(answer: Post) -> None:
    """In a Q&A forum, one who answers (and follows the discussion) hears of the answers
    written before theirs in the last HELD_FOR: the bell and the mail hold them until
    the answer leaves its edit window and the rule lets its author read them."""
    author = answer.author
    if not discussion_subscription(author, answer.discussion).subscribed:
        return
    told = select(Notification.post_id).where(Notification.user_id == author.id)
    earlier = db.session.scalars(
        select(Post).where(
            Post.discussion_id == answer.discussion_id,
            Post.parent_id.is_not(None),
            Post.author_id != author.id,
            Post.deleted_at.is_(None),
            Post.created_at >= answer.created_at - HELD_FOR,
            Post.id != answer.id,
            Post.id.not_in(told),
        )
    )
    for post in earlier:
        _notify(post, [author], NotificationKind.REPLY, set())


def announce(post: Post, actor) -> None:
    """Tell those following a forum about a discussion someone else put there for its
    author (a consultation published to the knowledge base): nobody is mentioned again
    and nobody starts following it. Does not commit."""
    _notify(post, _subscribers(post.discussion), NotificationKind.DISCUSSION, {actor.id}, actor.id)


def post_edited(post: Post, previous_body: str) -> None:
    """People newly @mentioned in an edit hear about it once. Does not commit."""
    new_names = find_mentions(post.body) - find_mentions(previous_body)
    if not new_names:
        return
    users = db.session.scalars(
        select(User).where(User.username.in_(new_names), User.active.is_(True))
    )
    notified = set(
        db.session.scalars(select(Notification.user_id).where(Notification.post_id == post.id))
    )
    _notify(post, users, NotificationKind.MENTION, notified | {post.author_id})


def mark_read(user, notification_ids: list[int] | None = None) -> None:
    """Mark some of one's notifications read, or all of them. Commits."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(notification_ids))
    db.session.execute(
        query.values(read_at=utcnow()), execution_options={"synchronize_session": False}
    )
    db.session.commit()


def discussion_seen(user, discussion_id: int) -> None:
    """Reading a discussion reads its notifications. Part of the caller's transaction,
    which writes the read mark anyway: one more statement, the same for every page."""
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.discussion_id == discussion_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def forget_person(user_id: int) -> None:
    """An erased person's notifications (and the mail still owed for them) and
    subscriptions go, in the caller's transaction; others' notifications about what the
    person wrote stay, naming the placeholder."""
    for model in (Notification, DiscussionSubscription, ForumSubscription, NotificationMute):
        db.session.execute(delete(model).where(model.user_id == user_id))


def choices(user) -> dict[NotificationKind, bool]:
    """Each kind of notification, and whether the person gets it (in the app and by mail)."""
    off = muted_kinds(user)
    return {kind: kind not in off for kind in NotificationKind}


def muted_kinds(user) -> set[NotificationKind]:
    return set(
        db.session.scalars(select(NotificationMute.kind).where(NotificationMute.user_id == user.id))
    )


def choose_kinds(user, wanted) -> None:
    """Keep the kinds of notification in `wanted`, turn the others off. Commits."""
    wanted = set(wanted)
    db.session.execute(
        NotificationMute.__table__.delete().where(NotificationMute.user_id == user.id)
    )
    db.session.add_all(
        NotificationMute(user_id=user.id, kind=kind)
        for kind in NotificationKind
        if kind not in wanted
    )
    db.session.commit()


def turn_off(user, kind: NotificationKind) -> None:
    """One kind of notification off, from the link in its mail. Commits."""
    if db.session.get(NotificationMute, (user.id, kind)) is None:
        db.session.add(NotificationMute(user_id=user.id, kind=kind))
    db.session.commit()


def discussion_split(source: Discussion, discussion: Discussion, post_ids) -> None:
    """Posts moved to a discussion split off: their notifications lead there, and whoever
    chose to follow (or not) the discussion they came from has the same choice for the new
    one. Part of the caller's transaction."""
    db.session.execute(
        update(Notification)
        .where(Notification.post_id.in_(list(post_ids)))
        .values(discussion_id=discussion.id),
        execution_options={"synchronize_session": False},
    )
    choices = db.session.execute(
        select(DiscussionSubscription.user_id, DiscussionSubscription.subscribed).where(
            DiscussionSubscription.discussion_id == source.id
        )
    ).all()
    db.session.add_all(
        DiscussionSubscription(user_id=user_id, discussion_id=discussion.id, subscribed=chosen)
        for user_id, chosen in choices
    )
