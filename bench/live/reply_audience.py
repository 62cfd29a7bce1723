"""What checking each reply's audience costs (issue 16: cop/live/replies.py, and the bell's
read rules in SQL: cop/notifications/queries.py), each beside its anchor in the same run.

    .venv/bin/python bench/live/reply_audience.py [--sockets 100] [--sends 200]

In one process, on a fresh SQLite database in a temporary folder:

- a discussion's room with `--sockets` Socket.IO test clients (one person each, signed in
  with an API token), all watching it. Anchor: one emit of the reply to the room, as a
  reply everyone may read was sent before (no check). Measured: `deliver`, which loads the
  reply, asks the policy for each socket's person (`policy.readers`, their facts in one
  query) and emits to the room skipping those who may not read it. Both are timed per
  send, alternating, in a fresh app context each time (nothing cached from the previous
  send); the SQL statements of one `deliver` are counted at 10 sockets and at `--sockets`.
- the bell of a person with 500 notifications (20 discussions, 25 replies each). Anchor:
  the unread count as it was (posts not deleted or hidden); measured: the same count with
  the read rules of the policy in the query (`unread_count`).

Prints one JSON object: medians in milliseconds and the ratios to the anchors.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from audience import (  # noqa: E402 (a sibling module of this script)
    clock,
    connect,
    drain,
    forum_with_people,
    make_app,
    median_ms,
    statement_counter,
    timed,
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockets", type=int, default=100)
    ap.add_argument("--sends", type=int, default=200)
    args = ap.parse_args()

    from flask import g
    from sqlalchemy import func, select

    from cop.accounts.models import User
    from cop.discussions import service as discussions
    from cop.discussions.models import Post
    from cop.extensions import db, socketio
    from cop.live.broadcast import discussion_room
    from cop.live.replies import deliver
    from cop.notifications.models import Notification
    from cop.notifications.queries import unread_count
    from cop.realtime import NAMESPACE

    app = make_app()
    with app.app_context():
        writer, members, forum, tokens = forum_with_people(args.sockets)
        author = members[0]
        discussion = discussions.start_discussion(author, forum, title="Тема", body="Питання")
        post = discussions.reply(writer, discussion, body="Відповідь")
        discussion_id, post_id = discussion.id, post.id
        for d in range(19):
            other = discussions.start_discussion(author, forum, title=f"Тема {d}", body="Так")
            for r in range(25):
                discussions.reply(writer, other, body=f"Відповідь {r}")
        for r in range(24):
            discussions.reply(writer, discussion, body=f"Ще {r}")
        author_id = author.id

    clients = connect(app, tokens, "watch", {"discussion_id": discussion_id})
    room = discussion_room(discussion_id)
    body = {"discussion_id": discussion_id, "post_id": post_id, "author_id": writer.id}

    def anchor_send():
        socketio.server.emit("reply", body, to=room, namespace=NAMESPACE, ignore_queue=True)

    def checked_send():
        deliver(f"{discussion_id}:{post_id}")

    sends = {"anchor": [], "checked": []}
    for _ in range(args.sends):
        sends["anchor"].append(timed(app, anchor_send))
        sends["checked"].append(timed(app, checked_send))
        drain(clients)
    with app.app_context():
        checked_send()
    received = sum(
        1
        for c in clients
        for e in c.get_received(NAMESPACE)
        if e["name"] == "reply" and e["args"][0]["post_id"] == post_id
    )

    count = statement_counter(app)
    at_full = count(checked_send)
    for client in clients[10:]:
        client.disconnect(NAMESPACE)
    at_ten = count(checked_send)

    def old_unread(user_id: int) -> int:
        still_there = (
            select(Post.id)
            .where(
                Post.id == Notification.post_id,
                Post.deleted_at.is_(None),
                Post.hidden_at.is_(None),
            )
            .exists()
        )
        return db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None), still_there)
        )

    bells = {"anchor": [], "checked": []}
    counts = set()
    for _ in range(args.sends):
        with app.app_context():
            start = clock()
            counts.add(("anchor", old_unread(author_id)))
            bells["anchor"].append(clock() - start)
        with app.app_context():
            user = db.session.get(User, author_id)
            g._login_user = user
            start = clock()
            counts.add(("checked", unread_count(user, fresh=True)))
            bells["checked"].append(clock() - start)

    def ms(values) -> float:
        return median_ms(values, digits=3)

    print(
        json.dumps(
            {
                "sockets": args.sockets,
                "sends": args.sends,
                "reply_room_emit_ms": ms(sends["anchor"]),
                "reply_checked_deliver_ms": ms(sends["checked"]),
                "reply_ratio": round(ms(sends["checked"]) / ms(sends["anchor"]), 2),
                "reply_received_by": received,
                "deliver_sql_statements": {
                    "10 sockets": at_ten,
                    f"{args.sockets} sockets": at_full,
                },
                "bell_anchor_ms": ms(bells["anchor"]),
                "bell_checked_ms": ms(bells["checked"]),
                "bell_ratio": round(ms(bells["checked"]) / ms(bells["anchor"]), 2),
                "bell_counts": sorted(counts),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
