"""New replies pushed to open discussion pages, each checked for its recipient.

A reply everyone who may view the discussion may also read goes to the discussion's room
(through the message queue to every process). A reply with a narrower audience (private,
an internal note, hidden, or held by a Q&A forum) goes only to the sockets on this process
whose person may read it, asked of the policy (`readers`).
"""

from cop import policy
from cop.discussions.models import ForumType, Post, settings_of
from cop.extensions import db
from cop.live.broadcast import discussion_room
from cop.live.sockets import person_of
from cop.realtime import local_sids, publish


def _for_everyone(post: Post) -> bool:
    return (
        post.private_to_id is None
        and not post.internal
        and post.hidden_at is None
        and settings_of(post.discussion.space).forum_type != ForumType.QANDA
    )


def reply_posted(post: Post) -> None:
    """Publish `reply {discussion_id, post_id, author_id}`; called after the commit."""
    room = discussion_room(post.discussion_id)
    body = {"discussion_id": post.discussion_id, "post_id": post.id, "author_id": post.author_id}
    if _for_everyone(post):
        publish("reply", body, room)
        return
    sockets = {sid: person_of(sid) for sid in local_sids(room)}
    people = {p.id: p for p in sockets.values() if p is not None}
    users = [db.session.merge(p, load=False) for p in people.values()]
    allowed = {u.id for u in policy.readers(post, users)}
    for sid, person in sockets.items():
        if person is not None and person.id in allowed:
            publish("reply", body, sid)
