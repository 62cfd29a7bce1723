"""What a person's data download holds in memory while it is built: Python's peak
allocation (tracemalloc) during cop.privacy.export.build for a person with few and with
ten times as many posts and files, beside the size of what is exported (the anchor: the
bytes of their posts and files). A download built in memory would peak at least at the
export's size; one built batch by batch into a temporary file stays flat.

    .venv/bin/python bench/privacy/export_memory.py [--posts 1000] [--files 5] [--json out.json]

Runs on a throwaway SQLite database and instance folder under /tmp.
"""

import argparse
import hashlib
import json
import os
import tempfile
import tracemalloc
from datetime import UTC, datetime

from sqlalchemy import insert, select

from cop import create_app
from cop.accounts.models import User
from cop.attachments import storage
from cop.attachments.models import Attachment
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind, Visibility

BODY = ("Громада обговорює бюджет участі, сесію ради і звернення мешканців. " * 30)[:2000]
FILE_BYTES = 1024 * 1024


def _person(posts: int, files: int) -> tuple[int, int]:
    """A person with `posts` posts in one discussion and `files` files of 1 MB; returns
    their id and the bytes exported (bodies and files)."""
    user = User(email=f"p{posts}@example.org", display_name=f"Особа {posts}", username=f"p{posts}")
    space = Space(kind=SpaceKind.FORUM, visibility=Visibility.PUBLIC, title="Форум", description="")
    db.session.add_all([user, space])
    db.session.flush()
    discussion = Discussion(space_id=space.id, title="Тема", author_id=user.id)
    db.session.add(discussion)
    db.session.flush()
    now = datetime.now(UTC)
    db.session.execute(
        insert(Post),
        [
            {
                "discussion_id": discussion.id,
                "author_id": user.id,
                "body": BODY,
                "body_html": BODY,
                "created_at": now,
            }
            for _ in range(posts)
        ],
    )
    first = db.session.scalar(select(Post.id).where(Post.author_id == user.id).limit(1))
    for n in range(files):
        data = os.urandom(FILE_BYTES)
        sha = hashlib.sha256(data).hexdigest()
        path = storage.path_for(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        db.session.add(
            Attachment(
                post_id=first,
                sha256=sha,
                filename=f"f{n}.bin",
                content_type="application/octet-stream",
                size=FILE_BYTES,
            )
        )
    db.session.commit()
    return user.id, posts * len(BODY.encode()) + files * FILE_BYTES


def _measure(user_id: int) -> tuple[int, int]:
    from cop.privacy import export

    user = db.session.get(User, user_id)
    db.session.expire_all()
    tracemalloc.start()
    archive = export.build(user)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = os.fstat(archive.fileno()).st_size
    archive.close()
    db.session.remove()
    return peak, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="cop-bench-export-")
    app = create_app(
        {
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/cop.sqlite",
            "SECRET_KEY": "bench",
            "COP_SMTP_URL": None,
        }
    )
    rows = []
    with app.app_context():
        from cop.cli import init_database

        init_database()
        for scale in (1, 10):
            user_id, exported = _person(args.posts * scale, args.files * scale)
            peak, size = _measure(user_id)
            rows.append(
                {
                    "posts": args.posts * scale,
                    "files": args.files * scale,
                    "exported_mb": round(exported / 2**20, 1),
                    "zip_mb": round(size / 2**20, 1),
                    "peak_python_mb": round(peak / 2**20, 2),
                    "peak_over_exported": round(peak / exported, 3),
                }
            )
            print(rows[-1], flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
