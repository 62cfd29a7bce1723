"""How the app is served: Socket.IO's async mode and message queue, and the server command.

Production runs gunicorn workers of gevent-websocket's class, with websockets handed to a
worker of their own when there are several (cop/handoff.py; settings in
cop/gunicorn_conf.py; `cop run` starts that, with cop/run_conf.py's console). Why, with
the numbers: docs/serving.md.
"""

import socket
import sys
import time

import socketio as python_socketio
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from cop import frames, realtime
from cop.config import REDIS_SCHEMES
from cop.cooperative import gevent_patched
from cop.extensions import socketio

ASYNC_MODES = ("threading", "gevent")


def check_async_mode(mode: str) -> None:
    """Refuse a mode that does not fit the process: gevent without gevent's monkey patching
    would block the whole server on every socket, threading under it works by accident."""
    if mode not in ASYNC_MODES:
        raise RuntimeError(f"COP_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}: {mode!r}")
    if (mode == "gevent") != gevent_patched():
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
    if not url or not url.startswith(REDIS_SCHEMES):
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
    # A socket's events are handled in the greenlet that reads them, in the order sent,
    # instead of each in a greenlet of its own: starting one waited for a turn of a busy
    # event loop, up to 168 ms at p99 under the head-of-line bench's heavy clients
    # (docs/benchmarks.md, "Session 14").
    options = {"async_mode": mode, "async_handlers": False}
    if manager is not None:
        socketio.init_app(app, client_manager=manager, **options)
    else:
        socketio.init_app(app, message_queue=app.config["COP_MESSAGE_QUEUE"], **options)
    frames.install(socketio.server.eio)


class RequestLog:
    """A line per request on standard output, `14:05:09 GET /login 200 12 ms` (gevent-websocket's
    worker writes no access log of its own). Socket.IO's requests are left out: a browser tab
    long-polls every 25 seconds, and a websocket's request lasts as long as the socket."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/socket.io/"):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        status = "500"  # unless the app answers: gunicorn's, when the app raises

        def recording(line, headers, exc_info=None):
            nonlocal status
            status = line.split(" ", 1)[0]
            return start_response(line, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording)
        finally:
            took = round((time.perf_counter() - started) * 1000)
            method = environ.get("REQUEST_METHOD", "")
            print(f"{time.strftime('%H:%M:%S')} {method} {path} {status} {took} ms", flush=True)


def init_request_log(app: Flask) -> None:
    if app.config["COP_LOG_REQUESTS"]:
        app.wsgi_app = RequestLog(app.wsgi_app)


def init_proxies(app: Flask) -> None:
    """Behind COP_PROXY_HOPS reverse proxies, a request's address, scheme and host are those
    the proxies pass on in X-Forwarded-For, -Proto and -Host (werkzeug's ProxyFix, trusting
    that many hops from the right), for pages, the API and sockets alike: the per-address
    limits then count each client apart, and external links use the public scheme and
    host. With 0 (the default) those headers are ignored. This is the only place they are
    read: gunicorn's forwarded_allow_ips and secure_scheme_headers apply to its own HTTP
    parser, which `cop run`'s worker class (gevent's pywsgi handler) does not use."""
    hops = app.config["COP_PROXY_HOPS"]
    if hops < 0:
        raise ValueError(f"COP_PROXY_HOPS must be 0 or more, not {hops}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def bind_error(host: str, port: int) -> OSError | None:
    """Why gunicorn could not listen on host:port, found before it tries: it would retry
    for five seconds and give up in six lines of its log."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


# gunicorn puts its working folder first on sys.path before it loads the settings, so a
# `cop/` folder there (a checkout of another version, say) would be served instead of this
# package. It is imported first, by an interpreter that leaves the working folder off the
# path (-P); the settings and the app are then read from the same package as this command.
_GUNICORN = "import cop, runpy; runpy.run_module('gunicorn', run_name='__main__')"


def server_command(host: str, port: int) -> list[str]:
    """The production server, as `cop run` starts it: gunicorn_conf's settings, run_conf's
    console, from the package this command runs whatever the working folder holds."""
    return [
        sys.executable,
        "-P",
        "-c",
        _GUNICORN,
        "--config",
        "python:cop.run_conf",
        "--bind",
        f"{host}:{port}",
        "cop.wsgi:app",
    ]
