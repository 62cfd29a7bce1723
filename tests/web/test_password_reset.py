"""A password reset is answered the same way, with the same work, for any address; the
link is mailed by the background worker."""

import threading
import time
from email import message_from_bytes
from pathlib import Path

from cop import background
from cop.accounts.service import send_password_resets
from cop.extensions import db
from tests.conftest import QueryCounter


def _outbox(app) -> list:
    folder = Path(app.config["INSTANCE_PATH"]) / "outbox"
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def test_the_request_does_the_same_work_for_known_and_unknown_addresses(app, client, make_user):
    user = make_user()
    with app.app_context():
        engine = db.engine
    answers, statements = [], []
    for email in (user.email, "nobody@example.org"):
        with QueryCounter(engine) as queries:
            answers.append(client.post("/reset", data={"email": email}))
        statements.append([s.split()[0] for s in queries.statements])
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert statements[0] == statements[1]  # no lookup, no link, no mail on the request path
    assert _outbox(app) == []
    with app.app_context():
        assert send_password_resets() == 1
    [mail] = _outbox(app)
    assert mail["To"] == user.email


def test_each_request_is_mailed_once_and_never_to_a_deactivated_account(app, client, make_user):
    user, gone = make_user(), make_user(active=False)
    for email in (user.email, f"  {user.email.upper()} ", gone.email):
        client.post("/reset", data={"email": email})
    with app.app_context():
        assert send_password_resets() == 2
        assert send_password_resets() == 0
    assert [m["To"] for m in _outbox(app)] == [user.email, user.email]


def test_the_background_worker_mails_the_link_within_seconds(app, client, make_user):
    app.config["COP_RESET_MAIL_INTERVAL_SECONDS"] = 0.05
    user = make_user()
    stop = threading.Event()
    worker = threading.Thread(target=background.send_password_resets, args=(app, stop))
    worker.start()
    try:
        client.post("/reset", data={"email": user.email})
        deadline = time.monotonic() + 5
        while not _outbox(app):
            assert time.monotonic() < deadline, "no reset mail from the worker"
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(5)
    [mail] = _outbox(app)
    assert "http://cop.test/reset/" in mail.get_payload(decode=True).decode()


def test_cop_send_mail_sends_the_reset_links_too(app, client, make_user):
    user = make_user()
    client.post("/reset", data={"email": user.email})
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 emails." in result.output
    assert [m["To"] for m in _outbox(app)] == [user.email]
