"""A short whole webinar (bench/live/webinar.py) against `cop run`: 20 people join, ask
and vote, a moderator approves or hides each question, the host answers and ends it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.servers import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "live" / "webinar.py"


def test_a_webinar_archives_every_approved_question_once(app, served_env):
    command = [sys.executable, str(SCRIPT), "--n", "20", "--join-secs", "2", "--secs", "8"]
    command += ["--ask-rate", "1.5", "--vote-rate", "4", "--moderation-delay", "1"]
    command += ["--answer-every", "3", "--port", str(free_port())]
    env = {**os.environ, **served_env}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["join"]["joined"] == 20
    archive = report["archive"]
    # Every approved question is in the archive once, and no hidden one.
    assert archive["ok"], archive
    assert archive["approved"] >= 5 and archive["hidden"] >= 1
    assert archive["archived"] == archive["approved"]
    assert not archive["hidden_archived"]
    # Everyone saw every approval, vote, answer and the end.
    assert report["not_seen_by_all"] == {}
    for kind in ("approve", "vote", "answer", "end"):
        assert report["to_all_ms"][kind]["count"] >= 1, kind
