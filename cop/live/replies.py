"""New replies pushed to open discussion pages, each checked for its recipient.

Every server process is told of the reply (`cop.realtime.everywhere`) and sends it to
those of its sockets in the discussion's room whose person may read it now, asked of the
policy (`readers`) at the moment of sending: whoever lost the discussion, or never had
this reply (private, an internal note, hidden, or held by a Q&A forum), hears nothing,
even if their socket is still in the room.
"""

from cop import policy
from cop.discussions.models import ForumType, Post, settings_of
from cop.extensions import db, socketio
from cop.live.broadcast import discussion_room
from cop.live.sockets import local_people
from cop.realtime import NAMESPACE, everywhere, local_sids

DELIVER = "reply"


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


def deliver(arg: str) -> None:
    """Send a reply ("discussion id:post id") to this process's sockets whose person may
    read it (the `reply` control message). A process with no open page of the discussion
    does nothing, not even a query."""
    discussion_id, post_id = (int(n) for n in arg.split(":"))
    room = discussion_room(discussion_id)
    everyone = local_people()
    sockets = {sid: everyone.get(sid) for sid in local_sids(room)}
    if not sockets:
        return
    post = db.session.get(Post, post_id)
    if post is None:
        return
    # The people as cached at connect (detached: the rules read their id, role and active
    # flag, and their facts, loaded here for all of them in one query).
    people = list({p.id: p for p in sockets.values() if p is not None}.values())
    if _for_everyone(post):
        allowed = {u.id for u in policy.viewers(post.discussion, people)}
    else:
        allowed = {u.id for u in policy.readers(post, people)}
    skip = [sid for sid, person in sockets.items() if person is None or person.id not in allowed]
    if len(skip) == len(sockets):
        return
    body = {"discussion_id": post.discussion_id, "post_id": post.id, "author_id": post.author_id}
    # This process's sockets only: the others hear from their own process.
    socketio.server.emit(
        "reply", body, to=room, skip_sid=skip, namespace=NAMESPACE, ignore_queue=True
    )
