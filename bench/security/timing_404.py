"""Does a 404 tell "exists but not yours" from "missing" by its time? Median and p90 of
each, over many requests interleaved in random order (so load on the machine falls on
both alike), in-process through Flask's test client on a fresh SQLite instance.

    .venv/bin/python bench/security/timing_404.py [--rounds 400] [--folder /tmp/cop-timing]

Pairs: a post, a discussion and a post's file of a members-only forum asked by someone
who is not a member, against ids that do not exist (API and pages), and a password-reset request for
an address with an account against one without. A ratio near 1.00 is what we want."""

import argparse
import io
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from cop import create_app
from cop.accounts.models import Role, User
from cop.attachments import service as attachments
from cop.discussions import service
from cop.extensions import db
from cop.spaces.models import Space, SpaceKind, SpaceMembership, Visibility

PASSWORD = "bench-password-1"
MISSING = 900_000


def build(folder: Path):
    app = create_app(
        {
            "INSTANCE_PATH": folder,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'cop.sqlite'}",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "COP_SMTP_URL": None,
            "COP_LOGIN_LIMIT": "1000000 per minute",
            "COP_GUEST_CACHE_MB": 0,
        }
    )
    with app.app_context():
        upgrade()
        hashed = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        member, outsider = (
            User(email=f"{n}@example.org", display_name=n, role=Role.MEMBER, password_hash=hashed)
            for n in ("member", "outsider")
        )
        forum = Space(
            kind=SpaceKind.FORUM, visibility=Visibility.MEMBERS, title="Свої", description=""
        )
        db.session.add_all([member, outsider, forum])
        db.session.flush()
        db.session.add(SpaceMembership(space_id=forum.id, user_id=member.id))
        db.session.commit()
        discussion = service.start_discussion(member, forum, title="Приватне", body="Текст")
        for n in range(20):
            service.reply(member, discussion, body=f"Відповідь {n}")
        post = service.first_post(discussion)
        upload = FileStorage(io.BytesIO(b"%PDF-1.4 bench"), filename="plan.pdf")
        (attachment,) = attachments.add_attachments(member, post, [upload])
        ids = {"discussion": discussion.id, "post": post.id, "attachment": attachment.id}
    return app, ids


def pairs(ids: dict) -> list[tuple[str, str, str, str]]:
    """(name, method, path for the hidden one, path for the missing one)."""
    d, p = ids["discussion"], ids["post"]
    return [
        ("API GET /posts/<id>", "GET", f"/api/v1/posts/{p}", f"/api/v1/posts/{MISSING}"),
        (
            "API GET /discussions/<id>",
            "GET",
            f"/api/v1/discussions/{d}",
            f"/api/v1/discussions/{MISSING}",
        ),
        ("page /discussions/<id>", "GET", f"/discussions/{d}", f"/discussions/{MISSING}"),
        ("page /posts/<id>", "GET", f"/posts/{p}", f"/posts/{MISSING}"),
        (
            "file /attachments/<id>",
            "GET",
            f"/attachments/{ids['attachment']}/plan.pdf",
            f"/attachments/{MISSING}/plan.pdf",
        ),
        ("password reset (POST /reset)", "POST", "member@example.org", "nobody@example.org"),
    ]


def measure(app, ids: dict, rounds: int) -> list[dict]:
    outsider, guest = app.test_client(), app.test_client()
    signed = outsider.post("/login", data={"email": "outsider@example.org", "password": PASSWORD})
    assert signed.status_code == 302, signed.status_code
    cases = []
    for name, method, hidden, missing in pairs(ids):
        for which, target in (("hidden", hidden), ("missing", missing)):
            cases.append((name, which, method, target))
    times: dict[tuple[str, str], list[float]] = {(c[0], c[1]): [] for c in cases}
    for round_ in range(rounds + 20):  # the first 20 rounds warm up and are dropped
        random.shuffle(cases)
        for name, which, method, target in cases:
            started = time.perf_counter()
            if method == "POST":
                response = guest.post("/reset", data={"email": target})
                expected = 302
            else:
                response = outsider.get(target)
                expected = 404
            elapsed = time.perf_counter() - started
            assert response.status_code == expected, (name, which, response.status_code)
            if round_ >= 20:
                times[(name, which)].append(elapsed * 1e6)
    rows = []
    for name, *_rest in pairs(ids):
        hidden, missing = times[(name, "hidden")], times[(name, "missing")]
        row = {"name": name}
        for which, values in (("hidden", hidden), ("missing", missing)):
            row[which] = (statistics.median(values), statistics.quantiles(values, n=10)[8])
        row["ratio"] = row["hidden"][0] / row["missing"][0]
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="cop-timing-"))
    try:
        app, ids = build(folder)
        rows = measure(app, ids, args.rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.rounds} requests each, interleaved; µs, median / p90")
    print(f"{'':32} {'exists, not yours':>20} {'missing':>20} {'ratio':>7}")
    for row in rows:
        hidden, missing = row["hidden"], row["missing"]
        print(
            f"{row['name']:32} {hidden[0]:9.0f} / {hidden[1]:8.0f} "
            f"{missing[0]:9.0f} / {missing[1]:8.0f} {row['ratio']:7.2f}"
        )


if __name__ == "__main__":
    main()
