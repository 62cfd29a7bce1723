"""One event to a room of this process's sockets: encoded once, written as one websocket
frame straight to each idle websocket.

Engine.IO gives every socket a queue and a writer greenlet: an emit to a room puts the
packet in each queue, and each writer wakes (a gevent timeout started and cancelled per
wake), frames the text anew and sends it. At 1,000 sockets that was most of a server's
time in a busy webinar (docs/benchmarks.md, "Live, session 12"). Here, under gevent with
gevent-websocket, the frame is built once per emit and written with a non-blocking send to
every websocket whose writer has nothing queued and is not writing (Node's socket.io
writes at once the same way). A socket that is busy (a slow client, a frame still going
out), on long-polling or still upgrading gets the packet through its queue as before:
the prebuilt frame when it is on a websocket, so that its writer only sends it. Order per
socket is kept: a frame is written at once only when nothing before it is still waiting.

Elsewhere (threading, Flask-SocketIO's test client) every socket takes the queue's way.
"""

import ssl

from engineio import packet as eio_packet
from engineio.async_drivers import gevent as eio_gevent
from socketio import packet as sio_packet

_TEXT = 0x81  # FIN and the text opcode: a whole message in one frame


class Frame(bytes):
    """A websocket frame (or the rest of one) ready for the wire. In a socket's queue it
    stands for an Engine.IO packet: the writer sends it as it is (`Writer.send`)."""

    packet_type = eio_packet.MESSAGE
    binary = True  # Engine.IO's log line then shows "<binary>", not the bytes

    @property
    def data(self) -> bytes:
        return self

    def encode(self, b64: bool = False) -> "Frame":
        return self


def text_frame(text: str) -> Frame:
    """An unmasked websocket text frame holding `text` (RFC 6455, 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((_TEXT, size))
    elif size < 1 << 16:
        header = bytes((_TEXT, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((_TEXT, 127)) + size.to_bytes(8, "big")
    return Frame(header + payload)


# This process's websockets by Engine.IO session id, while their handler runs.
WRITERS: dict[str, "Writer"] = {}


class Writer(eio_gevent.WebSocketWSGI):
    """gevent-websocket's connection as Engine.IO's gevent driver wraps it, known by its
    Engine.IO socket while it is open, and able to take a prebuilt frame."""

    def __init__(self, handler, server):
        super().__init__(handler, server)
        self.socket = handler.__self__  # the Engine.IO socket whose handler this runs
        self.writing = False

    def __call__(self, environ, start_response):
        # A TLS connection cannot take part of a record now and the rest later: it keeps
        # the queue's way (behind a proxy that ends TLS, as docs/serving.md has it, the
        # connection is plain).
        if isinstance(environ["wsgi.websocket"].handler.socket, ssl.SSLSocket):
            return super().__call__(environ, start_response)
        WRITERS[self.socket.sid] = self
        try:
            return super().__call__(environ, start_response)
        finally:
            if WRITERS.get(self.socket.sid) is self:
                del WRITERS[self.socket.sid]

    def send(self, message):
        """What the socket's writer greenlet sends: a prebuilt frame as it is, anything
        else framed by gevent-websocket. `writing` tells `write` that the connection is
        taken (a send that waits for the client lets other greenlets run)."""
        self.writing = True
        try:
            if isinstance(message, Frame):
                return self._sock.raw_write(message)
            return super().send(message)
        finally:
            self.writing = False

    def write(self, frame: Frame) -> bool:
        """Send `frame` to this socket: at once when its writer is idle and nothing waits
        in its queue, else through the queue; nowhere once it is closed (its writer has
        stopped). False when the socket is not on the websocket yet: the caller sends the
        packet instead."""
        socket = self.socket
        if socket.closed or self._sock.closed:
            return True
        if not socket.upgraded or socket.upgrading:
            return False
        if self.writing or not socket.queue.empty():
            socket.send(frame)  # behind what waits; the writer sends it as it is
            return True
        if not socket.check_ping_timeout():
            return True  # a client gone quiet: Engine.IO is closing it
        try:
            sent = self._sock.handler.socket.send(frame, 0, 0.0)  # never waits
        except BlockingIOError:
            sent = 0
        except OSError:
            return True  # the connection is gone; its reader closes the socket
        if sent < len(frame):  # the client's buffer is full: the writer sends the rest
            socket.send(Frame(frame[sent:]))
        return True


def install(eio_server) -> None:
    """Let `emit` write frames to the websockets of a gevent Engine.IO server served by
    gevent-websocket (`cop run`'s worker); with any other server nothing changes."""
    driver = eio_server._async
    if (
        driver.get("websocket") is eio_gevent.WebSocketWSGI
        and eio_gevent.SimpleWebSocketWSGI is None
    ):
        eio_server._async = {**driver, "websocket": Writer}


def emit(server, event: str, data, namespace: str, room: str, skip: set[str]) -> None:
    """`server.emit(event, data, to=room, skip_sid=skip, namespace=namespace)` on this
    process's sockets only: the Socket.IO packet is encoded once, and its websocket frame
    too, for every socket of the room that is not in `skip`."""
    encoded = server.packet_class(
        sio_packet.EVENT, namespace=namespace, data=[event, data]
    ).encode()
    if isinstance(encoded, list):  # binary attachments: Socket.IO's own way
        server.emit(
            event, data, to=room, skip_sid=list(skip), namespace=namespace, ignore_queue=True
        )
        return
    packet = eio_packet.Packet(eio_packet.MESSAGE, encoded)
    frame = None
    for sid, eio_sid in server.manager.get_participants(namespace, room):
        if sid in skip:
            continue
        writer = WRITERS.get(eio_sid)
        if writer is not None:
            if frame is None:
                frame = text_frame(packet.encode())
            if writer.write(frame):
                continue
        server._send_eio_packet(eio_sid, packet)  # as Socket.IO's manager sends it
