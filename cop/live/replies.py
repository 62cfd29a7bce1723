"""New replies pushed to open discussion pages, each checked for its recipient.

Every server process is told of the reply (`cop.realtime.everywhere`) and sends it to
those of its sockets in the discussion's room whose person may read it now, asked of the
policy (`readers`) at the moment of sending: whoever lost the discussion, or never had
this reply (private, an internal note, hidden, or held by a Q&A forum), hears nothing,
even if their socket is still in the room. A reply a moderator hides later is taken back
(`reply_hidden`) from the open pages of those who may no longer read it.
"""

from cop import policy
from cop.discussions.models import ForumType, Post, settings_of
from cop.extensions import db, socketio
from cop.live.broadcast import discussion_room
from cop.live.connected import local_people
from cop.realtime import NAMESPACE, everywhere, local_sids

DELIVER = "reply"
WITHDRAW = "reply_hidden"


def _for_everyone(post: Post) -> bool:
    """Whoever may view the discussion may read this reply (the cheaper check)."""
    return (
        post.private_to_id is None
        and not post.internal
        and post.hidden_at is None
        and settings_of(post.discussion.space).forum_type != ForumType.QANDA
    )


def reply_posted(post: Post) -> None:
    """Send `reply {discussion_id, post_id, author_id}` to the discussion's open pages, in
    every process; called after the commit."""
    everywhere(DELIVER, f"{post.discussion_id}:{post.id}")


def reply_hidden(post: Post) -> None:
    """Tell the discussion's open pages, in every process, that a reply is hidden; called
    after the commit."""
    everywhere(WITHDRAW, f"{post.discussion_id}:{post.id}")


def _watching(arg: str) -> tuple[str, dict, Post | None]:
    """The discussion's room, this process's sockets in it (sid -> person) and the post of
    a control message's "discussion id:post id"; no query when no socket watches."""
    discussion_id, post_id = (int(n) for n in arg.split(":"))
    room = discussion_room(discussion_id)
    everyone = local_people()
    sockets = {sid: everyone.get(sid) for sid in local_sids(room)}
    if not sockets:
        return room, sockets, None
    return room, sockets, db.session.get(Post, post_id)


def _people(sockets: dict) -> list:
    # The people as cached at connect (detached: the rules read their id, role and active
    # flag, and their facts, loaded here for all of them in one query).
    return list({p.id: p for p in sockets.values() if p is not None}.values())


def _emit(event: str, post: Post, room: str, sockets: dict, allowed: set[int]) -> None:
    skip = [sid for sid, person in sockets.items() if person is None or person.id not in allowed]
    if len(skip) == len(sockets):
        return
    body = {"discussion_id": post.discussion_id, "post_id": post.id, "author_id": post.author_id}
    # This process's sockets only: the others hear from their own process.
    socketio.server.emit(
        event, body, to=room, skip_sid=skip, namespace=NAMESPACE, ignore_queue=True
    )


def deliver(arg: str) -> None:
    """Send a reply ("discussion id:post id") to this process's sockets whose person may
    read it (the `reply` control message). A process with no open page of the discussion
    does nothing, not even a query."""
    room, sockets, post = _watching(arg)
    if post is None:
        return
    people = _people(sockets)
    if _for_everyone(post):
        allowed = {u.id for u in policy.viewers(post.discussion, people)}
    else:
        allowed = {u.id for u in policy.readers(post, people)}
    _emit("reply", post, room, sockets, allowed)


def withdraw(arg: str) -> None:
    """Send `reply_hidden` for a hidden reply ("discussion id:post id") to this process's
    sockets whose person sees it now as a placeholder (not its author, not the moderators,
    not who never saw it): their page drops it from its new replies (the `reply_hidden`
    control message)."""
    room, sockets, post = _watching(arg)
    if post is None:
        return
    people = _people(sockets)
    policy.forget()  # the hiding has just committed
    readers = {u.id for u in policy.readers(post, people)}
    allowed = {u.id for u in people if u.id not in readers and policy.can(u, policy.VIEW, post)}
    _emit(WITHDRAW, post, room, sockets, allowed)
