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
import statistics
import tempfile
import time

clock = time.perf_counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sockets", type=int, default=100)
    ap.add_argument("--sends", type=int, default=200)
    args = ap.parse_args()
    folder = tempfile.mkdtemp(prefix="cop_h2_bench_")

    from flask import g
    from sqlalchemy import event, func, select

    from cop import create_app
    from cop.accounts.models import Role, User
    from cop.accounts.service import create_token
    from cop.cli import init_database
    from cop.discussions import service as discussions
    from cop.discussions.models import Post
    from cop.extensions import db, socketio
    from cop.live.broadcast import discussion_room
    from cop.live.replies import deliver
    from cop.notifications.models import Notification
    from cop.notifications.queries import unread_count
    from cop.realtime import NAMESPACE
    from cop.spaces.models import Space, SpaceKind, Visibility

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": folder,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/cop.sqlite",
            "SECRET_KEY": "bench-not-secret",
            "COP_BASE_URL": "http://cop.test",
            "COP_SMTP_URL": None,
        }
    )
    with app.app_context():
        init_database()
        people = [
            User(
                email=f"p{n}@example.org",
                display_name=f"Person {n}",
                role=Role.EXPERT if n == 0 else Role.MEMBER,
                password_hash="x",
            )
            for n in range(args.sockets + 1)
        ]
        db.session.add_all(people)
        forum = Space(
            kind=SpaceKind.FORUM, visibility=Visibility.SIGNED_IN, title="Форум", description=""
        )
        db.session.add(forum)
        db.session.commit()
        author, writer = people[1], people[0]
        tokens = [create_token(p, "bench")[1] for p in people[1:]]
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

    clients = []
    for token in tokens:
        client = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token})
        client.emit("watch", {"discussion_id": discussion_id}, namespace=NAMESPACE)
        clients.append(client)
    room = discussion_room(discussion_id)
    body = {"discussion_id": discussion_id, "post_id": post_id, "author_id": writer.id}

    def anchor_send():
        socketio.server.emit("reply", body, to=room, namespace=NAMESPACE, ignore_queue=True)

    def checked_send():
        deliver(f"{discussion_id}:{post_id}")

    def timed(fn) -> float:
        with app.app_context():
            start = clock()
            fn()
            return clock() - start

    def drain():
        for client in clients:
            client.get_received(NAMESPACE)

    sends = {"anchor": [], "checked": []}
    for _ in range(args.sends):
        sends["anchor"].append(timed(anchor_send))
        sends["checked"].append(timed(checked_send))
        drain()
    with app.app_context():
        checked_send()
    received = sum(
        1
        for c in clients
        for e in c.get_received(NAMESPACE)
        if e["name"] == "reply" and e["args"][0]["post_id"] == post_id
    )

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))

    def count_statements() -> int:
        statements.clear()
        with app.app_context():
            checked_send()
        return len(statements)

    at_full = count_statements()
    for client in clients[10:]:
        client.disconnect(NAMESPACE)
    at_ten = count_statements()

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
        return round(1000 * statistics.median(values), 3)

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
