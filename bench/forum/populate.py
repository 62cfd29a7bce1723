"""Load the FlaskBB anchor's corpus shape into a fresh cop instance (run with cop's own venv).

    $VENV/bin/python bench/forum/populate.py /tmp/cop-forum-bench [--force]

Shape (same as /work/shared/bench/flaskbb/populate_flaskbb.py, same seed, same text
generator, and the same sequence of random draws, so topic sizes, forum assignment,
titles and bodies are the ones FlaskBB was measured with): 200 member users, 20 forums
(spaces of kind `forum`, visibility `public`, readable by a guest), 2,000 discussions,
100,000 posts in all (first posts included), one hot discussion of exactly 200 posts
(first post + 199 replies) with the most recent activity, in the first forum (the
"hot forum").  FlaskBB's 4 categories do not exist in cop; their description draws are
made and thrown away to keep the random stream aligned.

What is written is what cop's services would have written:
- Post.body is the Markdown source, Post.body_html = cop.text.render_markdown(body)
  (rendered in a multiprocessing pool);
- replies point at a parent post: 80 % the first post, 20 % a random earlier post of the
  same discussion (nested); parents are drawn from a separate RNG so the text stream
  stays identical to FlaskBB's;
- ids follow time, as they would when written live: discussion ids in order of
  created_at, post ids in order of created_at over the whole site, so created_at
  increases with the id;
- Discussion.last_post_at / last_post_id / reply_count match the posts (no private
  replies, nothing deleted).

The schema comes from `cop init` (Alembic migrations), the 20 spaces go through the ORM
model, users / discussions / posts through SQLAlchemy Core executemany on cop's own
tables (so cop's column types, e.g. UTCDateTime, and column defaults apply).  No
ANALYZE is run (cop does not run it either).

Writes INSTANCE/populate.json (ids, counts, search words, timings).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from multiprocessing import Pool

HERE = os.path.dirname(os.path.abspath(__file__))
ANCHOR = os.environ.get("FLASKBB_ANCHOR", "/work/shared/bench/flaskbb")
VENV_BIN = os.path.dirname(sys.executable)


def _load_textgen():
    """Import the anchor's textgen.py by path (read-only, shared)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("textgen", os.path.join(ANCHOR, "textgen.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _render(body):
    from cop.text import render_markdown

    return render_markdown(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", nargs="?", default="/tmp/cop-forum-bench")
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--categories", type=int, default=4, help="only to align the RNG with FlaskBB")
    ap.add_argument("--forums", type=int, default=20)
    ap.add_argument("--topics", type=int, default=2000)
    ap.add_argument("--posts", type=int, default=100_000, help="total posts incl. first posts")
    ap.add_argument("--hot", type=int, default=200, help="posts in the hot discussion")
    ap.add_argument("--nested-share", type=float, default=0.2,
                    help="share of replies whose parent is a random earlier post, not the first")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="render pool size")
    ap.add_argument("--force", action="store_true", help="delete an existing database first")
    args = ap.parse_args()

    t_start = time.perf_counter()
    instance = os.path.abspath(args.instance)
    os.makedirs(instance, exist_ok=True)
    db_path = os.path.join(instance, "cop.sqlite")
    if os.path.exists(db_path):
        if not args.force:
            sys.exit(f"{db_path} exists; pass --force to rebuild it")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.remove(db_path + suffix)
    os.environ["COP_INSTANCE_PATH"] = instance
    os.environ.setdefault("COP_SECRET_KEY", "forum-bench-not-secret")

    # ---------------- schema via cop's own CLI (Alembic migrations) ---------------
    subprocess.run([os.path.join(VENV_BIN, "cop"), "init"], check=True,
                   env=dict(os.environ), cwd=instance)

    tg = _load_textgen()
    from sqlalchemy import func, insert, select, text
    from werkzeug.security import generate_password_hash

    from cop import create_app
    from cop.accounts import models as accounts
    from cop.accounts.models import Role, User
    from cop.discussions.models import Discussion, Post
    from cop.extensions import db
    from cop.spaces.models import Space, SpaceKind, Visibility

    rng = random.Random(args.seed)
    gen = tg.TextGen(args.seed)
    parent_rng = random.Random(args.seed + 1000)
    app = create_app()
    now = datetime.now(UTC).replace(microsecond=0)

    with app.app_context():
        # ---------------- users (Core, one shared password hash) -----------------
        pw = generate_password_hash("benchpass")
        first_uid = (db.session.scalar(select(func.max(User.id))) or 0) + 1
        user_rows = []
        for i in range(args.users):
            uid = first_uid + i
            days = rng.randint(30, 900)  # same draw as FlaskBB's date_joined
            user_rows.append(dict(
                id=uid, email=f"user{uid:04d}@example.org", display_name=f"user{uid:04d}",
                username=f"user{uid:04d}",
                password_hash=pw, role=Role.MEMBER, locale="uk", active=True,
                # Before sign-ins became devices (migration 0019) a user row carried a
                # session nonce; kept so that a before/after run can populate both.
                **({"session_nonce": accounts.new_session_nonce()}
                   if hasattr(accounts, "new_session_nonce") else {}),
                # joined before anything they could have written (posts span 365 days)
                created_at=now - timedelta(days=365 + days),
            ))
        db.session.execute(insert(User.__table__), user_rows)
        db.session.commit()
        uids = [r["id"] for r in user_rows]

        # ---------------- 20 public forums (ORM, like FlaskBB's Forum.save) --------
        forums = []
        per_cat = max(1, args.forums // args.categories)
        for c in range(args.categories):
            gen.sentence()  # FlaskBB's category description: drawn to keep the stream aligned
            last = args.forums - per_cat * (args.categories - 1)
            n_here = per_cat if c < args.categories - 1 else last
            for _f in range(n_here):
                title = gen.title()[:60]
                space = Space(kind=SpaceKind.FORUM, visibility=Visibility.PUBLIC, title=title,
                              description=gen.sentence(), created_at=now - timedelta(days=400))
                db.session.add(space)
                db.session.flush()
                forums.append(space.id)
        db.session.commit()
        print(f"[populate] {len(uids)} users, {len(forums)} forums", flush=True)

        # ---------------- discussion sizes (identical draws to FlaskBB) -----------
        n_other = args.topics - 1
        remaining = args.posts - args.hot
        counts = [rng.randint(10, 90) for _ in range(n_other)]
        scale = remaining / sum(counts)
        counts = [max(1, int(c * scale)) for c in counts]
        diff = remaining - sum(counts)
        i = 0
        while diff != 0:
            j = i % n_other
            if diff > 0:
                counts[j] += 1
                diff -= 1
            elif counts[j] > 1:
                counts[j] -= 1
                diff += 1
            i += 1
        fweights = [rng.uniform(0.5, 1.5) for _ in forums]
        topic_forum = rng.choices(forums, fweights, k=n_other)
        hot_forum = forums[0]
        rare_targets = set(rng.sample(range(args.posts), tg.RARE_PLANTED))

        t_gen = time.perf_counter()
        topics = []  # dicts, in generation order
        posts = []  # [serial, topic_index, k, parent_k, author, body, created_at]
        post_serial = 0

        def make_topic(fid, n_posts, t0, t1):
            nonlocal post_serial
            times = sorted(t0 + (t1 - t0) * rng.random() for _ in range(n_posts - 1))
            times = [t0] + times
            author = rng.choice(uids)
            ti = len(topics)
            for k, ts in enumerate(times):
                u = author if k == 0 else rng.choice(uids)
                body = gen.body()
                if post_serial in rare_targets:
                    body = body + f" {tg.SEARCH_RARE.capitalize()} приклад."
                if k == 0:
                    parent_k = None
                elif parent_rng.random() < args.nested_share:
                    parent_k = parent_rng.randrange(0, k)
                else:
                    parent_k = 0
                posts.append([post_serial, ti, k, parent_k, u, body, ts])
                post_serial += 1
            title = gen.title()
            rng.randint(0, 5000)  # FlaskBB's topic views: drawn to keep the stream aligned
            topics.append(dict(forum=fid, title=title, author=author, created_at=t0,
                               last=times[-1], n=n_posts))

        for fid, n in zip(topic_forum, counts, strict=False):
            t0 = now - timedelta(days=365) + timedelta(seconds=rng.randint(0, 360 * 86400))
            t1 = min(now - timedelta(days=2), t0 + timedelta(days=rng.randint(1, 60)))
            if t1 <= t0:
                t1 = t0 + timedelta(hours=1)
            make_topic(fid, n, t0, t1)
        hot_index = len(topics)
        make_topic(hot_forum, args.hot, now - timedelta(days=2), now - timedelta(minutes=1))
        print(f"[populate] generated {len(topics)} discussions / {len(posts)} posts "
              f"in {time.perf_counter() - t_gen:.1f}s", flush=True)

        # ---------------- render Markdown -> sanitized HTML (cop.text) ------------
        t_render = time.perf_counter()
        bodies = [p[5] for p in posts]
        with Pool(args.workers) as pool:
            htmls = pool.map(_render, bodies, chunksize=500)
        render_s = time.perf_counter() - t_render
        print(f"[populate] rendered {len(htmls)} bodies with cop.text.render_markdown "
              f"({args.workers} processes) in {render_s:.1f}s", flush=True)

        # ---------------- ids in time order, as live writes would assign them -----
        first_did = (db.session.scalar(select(func.max(Discussion.id))) or 0) + 1
        first_pid = (db.session.scalar(select(func.max(Post.id))) or 0) + 1
        d_order = sorted(range(len(topics)), key=lambda ti: (topics[ti]["created_at"], ti))
        d_id = {ti: first_did + n for n, ti in enumerate(d_order)}
        p_order = sorted(range(len(posts)), key=lambda s: (posts[s][6], s))
        p_id = {}
        for n, s in enumerate(p_order):
            p_id[(posts[s][1], posts[s][2])] = first_pid + n
        last_id = {}
        post_rows = []
        for s in p_order:
            _serial, ti, k, parent_k, u, body, ts = posts[s]
            pid = p_id[(ti, k)]
            post_rows.append(dict(
                id=pid, discussion_id=d_id[ti],
                parent_id=None if parent_k is None else p_id[(ti, parent_k)],
                author_id=u, body=body, body_html=htmls[s], private_to_id=None,
                created_at=ts, edited_at=None, deleted_at=None, useful_count=0))
            last_id[ti] = pid  # p_order is by time: the last one seen is the newest
        disc_rows = []
        for ti in d_order:
            t = topics[ti]
            disc_rows.append(dict(
                id=d_id[ti], space_id=t["forum"], title=t["title"], author_id=t["author"],
                pinned=False, locked=False, created_at=t["created_at"],
                last_post_at=t["last"], last_post_id=last_id[ti], reply_count=t["n"] - 1))

        t_ins = time.perf_counter()
        db.session.execute(insert(Discussion.__table__), disc_rows)
        for s in range(0, len(post_rows), 5000):
            db.session.execute(insert(Post.__table__), post_rows[s:s + 5000])
        db.session.commit()
        insert_s = time.perf_counter() - t_ins
        print(f"[populate] inserted {len(disc_rows)} discussions / {len(post_rows)} posts "
              f"in {insert_s:.1f}s", flush=True)

        # ---------------- consistency checks ------------------------------------
        bad = db.session.scalar(text(
            "SELECT count(*) FROM discussion d WHERE d.reply_count != "
            "(SELECT count(*) - 1 FROM post p WHERE p.discussion_id = d.id) "
            "OR d.last_post_id != (SELECT max(id) FROM post p WHERE p.discussion_id = d.id) "
            "OR d.last_post_at != "
            "(SELECT max(created_at) FROM post p WHERE p.discussion_id = d.id)"))
        assert bad == 0, f"{bad} discussions with inconsistent counters"
        hot_did = d_id[hot_index]
        newest = db.session.scalar(
            select(Discussion.id).order_by(Discussion.last_post_at.desc()).limit(1))
        assert newest == hot_did, (newest, hot_did)
        if db.engine.dialect.name == "sqlite":  # COP_DATABASE_URL may be PostgreSQL
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        else:  # the ids were given here: the sequences go on after them
            for table in ("user", "space", "discussion", "post"):
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{table}\"))"))
            db.session.commit()

        summary = dict(
            instance=instance, db=db_path, created_at=now.isoformat(),
            users=db.session.scalar(select(func.count(User.id))),
            forums=db.session.scalar(
                select(func.count(Space.id)).where(Space.kind == SpaceKind.FORUM)),
            discussions=db.session.scalar(select(func.count(Discussion.id))),
            posts=db.session.scalar(select(func.count(Post.id))),
            nested_replies=db.session.scalar(text(
                "SELECT count(*) FROM post p JOIN post q ON q.id = p.parent_id "
                "WHERE q.parent_id IS NOT NULL")),
            first_discussion_id=first_did, first_topic_id=first_did,
            hot_discussion_id=hot_did, hot_topic_id=hot_did, hot_discussion_posts=args.hot,
            hot_forum_id=hot_forum,
            hot_forum_discussions=db.session.scalar(
                select(func.count(Discussion.id)).where(Discussion.space_id == hot_forum)),
            search_common=tg.SEARCH_COMMON,
            search_common_posts=db.session.scalar(
                select(func.count(Post.id)).where(Post.body.like(f"%{tg.SEARCH_COMMON}%"))),
            search_rare=tg.SEARCH_RARE, search_rare_posts=tg.RARE_PLANTED,
            avg_words=round(sum(len(b.split()) for b in bodies) / len(bodies), 1),
            render_seconds=round(render_s, 1), render_workers=args.workers,
            insert_seconds=round(insert_s, 1),
            db_bytes=os.path.getsize(db_path) if os.path.exists(db_path) else None,
            seconds=round(time.perf_counter() - t_start, 1),
        )
    out = os.path.join(instance, "populate.json")
    with open(out, "w") as fh:
        json.dump(summary, fh, indent=2, ensure_ascii=False)
    print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
