"""Live sockets in a worker of their own, on the server's one port (docs/serving.md, "Live
sockets apart").

With several workers sharing live events, `cop run` starts as many more gunicorn workers
that serve only websockets (the live workers). They do not accept on the port: every page
worker does, and when the first request of a connection it accepted is a Socket.IO
websocket (`GET /socket.io/?...transport=websocket`, no session id), it hands the
connection itself to a live worker, each in turn (the file descriptor, over that worker's
unix socket), before reading a byte of it, peeking at the request line only. The live
worker then serves it as though it had accepted it, and from then on the webinar's events
never wait for a loop busy with pages, posts and searches: under the head-of-line bench's
heavy clients that wait kept its fan-out over 100 ms at p99 (docs/benchmarks.md, "Session
14"). As many live workers as page workers, so that a big webinar has every core for its
sockets as before (one live worker for two cores took 1.6 times as long to reach 1,000
clients, "Session 15").

Nothing else changes: a client on long-polling stays in the page worker it reached, and
every worker shares events through the queue as before. When no live worker can be
reached, the page worker serves the websocket itself. gunicorn supervises the live
workers like any other: `pre_fork` gives a free slot to a new worker whenever one is
free.
"""

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
        url = urlsplit(target)  # refuses some targets ("//[x", an open IPv6 bracket)
        query = parse_qs(url.query)
    except ValueError:  # not for the live workers: the page worker answers it as usual
        return False
    return (
        method == "GET"
        and url.path == SOCKET_IO_PATH
        and query.get("transport") == ["websocket"]
        and "sid" not in query  # an upgrade from long-polling: its session is here
    )


class Listeners:
    """The unix sockets the live workers take connections on, one per slot, made by
    gunicorn's master before it forks (in a folder of their own, this user's only). A
    slot's socket outlives its worker: what is sent while it is replaced waits there."""

    def __init__(self, count: int):
        self.folder = Path(tempfile.mkdtemp(prefix="cop-live-"))
        self.paths = [str(self.folder / f"{slot}.sock") for slot in range(count)]
        self.sockets = []
        for path in self.paths:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            listener.listen(64)
            self.sockets.append(listener)

    def close(self) -> None:
        """In a worker: the master keeps them."""
        for listener in self.sockets:
            listener.close()

    def remove(self) -> None:
        self.close()
        for path in self.paths:
            Path(path).unlink(missing_ok=True)
        self.folder.rmdir()


class Line:
    """A page worker's connection to one live worker's socket, made when first needed and
    again after that worker was replaced."""

    def __init__(self, path: str):
        self.path = path
        self.socket: socket.socket | None = None
        self.lock = Semaphore()

    def send(self, connection: socket.socket) -> bool:
        with self.lock:
            for _attempt in range(2):  # a line to a live worker since replaced fails once
                try:
                    if self.socket is None:
                        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        self.socket.connect(self.path)
                    socket.send_fds(self.socket, [b"\0"], [connection.fileno()])
                    return True
                except OSError:
                    self._drop()
        return False

    def _drop(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None


class Courier:
    """A page worker's lines to the live workers, taken in turn."""

    def __init__(self, paths: list[str]):
        self.lines = [Line(path) for path in paths]
        self.turn = 0

    def send(self, connection: socket.socket) -> bool:
        for _ in self.lines:
            line = self.lines[self.turn]
            self.turn = (self.turn + 1) % len(self.lines)
            if line.send(connection):
                return True
        return False


COURIER: Courier | None = None  # set in page workers when live workers run


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
    """A page worker (gevent-websocket's, handing websockets off), or, with `live_slot`
    set by gunicorn_conf.pre_fork, a live worker."""

    wsgi_handler = HandingOff
    live_slot: int | None = None
    listeners: Listeners | None = None  # set by gunicorn_conf when live workers run

    def init_process(self):
        global COURIER
        if self.listeners is not None:
            if self.live_slot is None:
                COURIER = Courier(self.listeners.paths)
                self.listeners.close()
            else:
                mine = self.listeners.sockets.pop(self.live_slot)
                self.listeners.close()
                self.listeners.sockets = [mine]
        super().init_process()

    def run(self):
        if self.live_slot is None:
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
        [mine] = self.listeners.sockets
        listener = socket.socket(fileno=mine.detach())  # gevent's, now that it patched
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
