"""How the app is served: Socket.IO's async mode and message queue, and the server command.

Production runs one gunicorn worker of gevent-websocket's class per process (settings in
cop/gunicorn_conf.py; `cop run` starts exactly that). Why, with the numbers:
docs/serving.md.
"""

import sys

import socketio as python_socketio
from flask import Flask

from cop import realtime
from cop.extensions import socketio

ASYNC_MODES = ("threading", "gevent")


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def check_async_mode(mode: str) -> None:
    """Refuse a mode that does not fit the process: gevent without gevent's monkey patching
    would block the whole server on every socket, threading under it works by accident."""
    if mode not in ASYNC_MODES:
        raise RuntimeError(f"COP_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}: {mode!r}")
    if (mode == "gevent") != _gevent_patched():
        raise RuntimeError(
            f"COP_ASYNC_MODE={mode} in a process that gevent has "
            f"{'not ' if mode == 'gevent' else ''}monkey-patched: serve with `cop run` or "
            "`gunicorn -c python:cop.gunicorn_conf cop.wsgi:app` (docs/serving.md), "
            "anything else with COP_ASYNC_MODE=threading"
        )


def client_manager(app: Flask):
    """A Redis manager with a pool large enough for a burst of concurrent emits, or None
    (no queue: one process). Other queue URLs go to Flask-SocketIO as they are."""
    url = app.config["COP_MESSAGE_QUEUE"]
    if not url or not url.startswith(("redis://", "rediss://")):
        return None
    return python_socketio.RedisManager(
        url,
        channel="flask-socketio",
        redis_options={"max_connections": app.config["COP_MESSAGE_QUEUE_POOL"]},
    )


def init_socketio(app: Flask) -> None:
    mode = app.config["COP_ASYNC_MODE"]
    check_async_mode(mode)
    realtime.init_control(app)
    manager = client_manager(app)
    if manager is not None:
        socketio.init_app(app, async_mode=mode, client_manager=manager)
    else:
        socketio.init_app(app, async_mode=mode, message_queue=app.config["COP_MESSAGE_QUEUE"])


def server_command(host: str, port: int) -> list[str]:
    """The production server, as `cop run` starts it."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:cop.gunicorn_conf",
        "--bind",
        f"{host}:{port}",
        "cop.wsgi:app",
    ]
