"""Live sockets in a worker of their own, on the server's one port (docs/serving.md, "Live
sockets apart").

With several workers sharing live events, `cop run` starts one more gunicorn worker that
serves only websockets. It does not accept on the port: every page worker does, and when
the first request of a connection it accepted is a Socket.IO websocket (`GET
/socket.io/?...transport=websocket`, no session id), it hands the connection itself to the
live worker (the file descriptor, over a unix socket) before reading a byte of it, peeking
at the request line only. The live worker then serves it as though it had accepted it,
and from then on the webinar's events never wait for a loop busy with pages, posts and
searches: under the head-of-line bench's heavy clients that wait kept its fan-out over
100 ms at p99 (docs/benchmarks.md, "Session 14").

Nothing else changes: a client on long-polling stays in the page worker it reached, and
every worker shares events through the queue as before. When the live worker cannot be
reached, the page worker serves the websocket itself. gunicorn supervises the live worker
like any other: `pre_fork` gives the role to a new worker whenever none holds it.
"""

import os
import socket
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import gevent
from gevent.lock import Semaphore
from gevent.pool import Pool
from gevent.pywsgi import WSGIServer
from gevent.server import StreamServer
from geventwebsocket.gunicorn.workers import GeventWebSocketWorker
from geventwebsocket.handler import WebSocketHandler
from gunicorn.http.wsgi import base_environ

SOCKET_IO_PATH = "/socket.io/"
# Enough for a request line with its query string; the rest of the request stays unread.
PEEK_BYTES = 2048


def wants_live(head: bytes) -> bool:
    """Whether the start of a connection is a new Socket.IO websocket: the live worker's.
    A line not complete in what arrived first is left where it is."""
    line, complete, _rest = head.partition(b"\r\n")
    if not complete:
        return False
    try:
        method, target, _version = line.decode("latin-1").split(" ")
    except ValueError:
        return False
    url = urlsplit(target)
    query = parse_qs(url.query)
    return (
        method == "GET"
        and url.path == SOCKET_IO_PATH
        and query.get("transport") == ["websocket"]
        and "sid" not in query  # an upgrade from long-polling: its session is here
    )


class Listener:
    """The unix socket the live worker takes connections on, made by gunicorn's master
    before it forks (a folder of its own, readable by this user only)."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cop-live-"))
        self.path = str(self.folder / "handoff.sock")
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.bind(self.path)
        self.socket.listen(64)

    def remove(self) -> None:
        self.socket.close()
        Path(self.path).unlink(missing_ok=True)
        self.folder.rmdir()


class Courier:
    """A page worker's line to the live worker: one connection, made when first needed and
    again after the live worker was restarted."""

    def __init__(self, path: str):
        self.path = path
        self.line: socket.socket | None = None
        self.lock = Semaphore()

    def send(self, connection: socket.socket) -> bool:
        with self.lock:
            for _attempt in range(2):  # a line to a live worker since restarted fails once
                try:
                    if self.line is None:
                        self.line = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        self.line.connect(self.path)
                    socket.send_fds(self.line, [b"\0"], [connection.fileno()])
                    return True
                except OSError:
                    self._drop()
        return False

    def _drop(self) -> None:
        if self.line is not None:
            self.line.close()
            self.line = None


COURIER: Courier | None = None  # set in page workers when a live worker runs


class HandingOff(WebSocketHandler):
    """gevent-websocket's handler, which first passes a new Socket.IO websocket on."""

    def handle(self):
        if COURIER is not None and self._handed_off():
            self.rfile.close()
            self.socket.close()
            return
        super().handle()

    def _handed_off(self) -> bool:
        try:
            head = self.socket.recv(PEEK_BYTES, socket.MSG_PEEK)
        except OSError:
            return False
        return wants_live(head) and COURIER.send(self.socket)


class Worker(GeventWebSocketWorker):
    """A page worker (gevent-websocket's, handing websockets off), or, with `live` set by
    gunicorn_conf.pre_fork, the live worker."""

    wsgi_handler = HandingOff
    live = False
    listener: Listener | None = None  # set by gunicorn_conf when a live worker runs

    def init_process(self):
        global COURIER
        if self.listener is not None and not self.live:
            COURIER = Courier(self.listener.path)
            self.listener.socket.close()
        super().init_process()

    def run(self):
        if not self.live:
            return super().run()
        for public in self.sockets:  # connections come only from the page workers
            public.close()
        self.sockets = []
        pool = Pool(self.worker_connections)
        bound = self.cfg.address[0]
        server = WSGIServer(
            bound if isinstance(bound, tuple) else ("", 0),  # for SERVER_NAME and _PORT
            application=self.wsgi,
            spawn=pool,
            log=self.log,
            handler_class=WebSocketHandler,
            environ={**base_environ(self.cfg), "wsgi.multithread": True},
        )
        server.update_environ()
        listener = socket.socket(fileno=os.dup(self.listener.socket.fileno()))
        self.listener.socket.close()
        lines = StreamServer(listener, handle=lambda line, _address: self._take(line, server, pool))
        lines.start()
        while self.alive:
            self.notify()
            gevent.sleep(1.0)
        lines.close()
        self._drain(pool)

    @staticmethod
    def _take(line: socket.socket, server: WSGIServer, pool: Pool) -> None:
        """Serve each connection a page worker sends over its line, until it hangs up."""
        while True:
            try:
                data, fds, _flags, _address = socket.recv_fds(line, 1, 1)
            except OSError:
                return
            if not data:
                return
            for fd in fds:
                connection = socket.socket(fileno=fd)
                try:
                    address = connection.getpeername()
                except OSError:  # the client is gone already
                    connection.close()
                    continue
                pool.spawn(server.handle, connection, address)

    def _drain(self, pool: Pool) -> None:
        """As gunicorn's gevent worker stops: the open sockets get the graceful timeout."""
        with gevent.Timeout(self.cfg.graceful_timeout, False):
            while len(pool):
                self.notify()
                gevent.sleep(0.5)
        pool.kill(timeout=1)
