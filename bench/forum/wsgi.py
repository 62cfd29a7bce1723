"""WSGI entry point for the forum benchmark: `gunicorn ... wsgi:app` (cwd bench/forum).

cop reads COP_INSTANCE_PATH (the populated instance, default /tmp/cop-forum-bench here)
and COP_SECRET_KEY from the environment; the plan sets both.
"""

import os

os.environ.setdefault("COP_INSTANCE_PATH", "/tmp/cop-forum-bench")

from cop import create_app  # noqa: E402

app = create_app()
