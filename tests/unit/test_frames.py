"""cop/frames.py on a real Engine.IO socket over a real gevent-websocket connection (a
socket pair with a small send buffer): frames written straight while the client reads,
and, once its buffer is full, the rest of a frame and everything after it through the
socket's writer, whole and in order."""

import json
import logging
import socket as stdlib_socket
from types import SimpleNamespace

import engineio
import gevent
from engineio import packet
from gevent import socket
from geventwebsocket.websocket import Stream, WebSocket

from cop import frames


def _served(eio):
    """An Engine.IO socket on the websocket transport, its handler running on one end of
    a socket pair (as gevent-websocket's handler runs it): the client's end, the socket,
    the greenlet running its handler and the server's end (`handler.socket`)."""
    server_end, client_end = socket.socketpair()
    server_end.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, 4096)
    handler = SimpleNamespace(
        socket=server_end,
        rfile=server_end.makefile("rb"),
        server=SimpleNamespace(application=None),
        logger=logging.getLogger(__name__),
    )
    environ = {"wsgi.websocket": None}
    environ["wsgi.websocket"] = WebSocket(environ, Stream(handler), handler)
    eio_socket = engineio.socket.Socket(eio, "sid-1")
    eio.sockets[eio_socket.sid] = eio_socket
    runs = gevent.spawn(eio_socket._upgrade_websocket, environ, lambda *a: None)
    gevent.sleep(0)
    return client_end, eio_socket, runs, handler


def _messages(client_end, count: int, pending: bytes = b"") -> list[str]:
    """`count` text messages read from the client's end (server frames: unmasked), after
    the bytes read already (`pending`)."""
    out = []

    def exactly(size: int) -> bytes:
        nonlocal pending
        while len(pending) < size:
            chunk = client_end.recv(65536)
            assert chunk, "closed"
            pending += chunk
        data, pending = pending[:size], pending[size:]
        return data

    while len(out) < count:
        first, second = exactly(2)
        assert first == 0x81, f"not a whole text frame: {first:#x}"
        size = second & 0x7F
        if size == 126:
            size = int.from_bytes(exactly(2), "big")
        elif size == 127:
            size = int.from_bytes(exactly(8), "big")
        out.append(exactly(size).decode())
    return out


def test_frames_go_straight_out_then_queue_behind_a_full_buffer_in_order():
    eio = engineio.Server(async_mode="gevent")
    frames.install(eio)
    client_end, eio_socket, runs, handler = _served(eio)
    try:
        writer = frames.WRITERS[eio_socket.sid]
        sent, early = [], b""
        for i in range(400):  # ~1 KB each: far beyond both ends' buffers
            text = "4" + json.dumps(["question", {"n": i, "text": "Питання " * 60}])
            if i % 50 == 25:  # now and then a packet of Socket.IO's own way (an ack)
                eio_socket.send(packet.Packet(packet.MESSAGE, f"ack {i}"))
                sent.append(f"4ack {i}")
            assert writer.write(frames.text_frame(text))
            sent.append(text)
            if i == 200:  # the client reads a little: room again, but frames still wait
                assert not eio_socket.queue.empty(), "the client's buffer never filled"
                early = client_end.recv(16384)
        assert not eio_socket.queue.empty()

        received = _messages(client_end, len(sent), early)
        assert received == sent
        assert eio_socket.queue.empty()
    finally:
        eio_socket.close(wait=False, abort=True)
        client_end.close()
        runs.join(timeout=5)
        handler.rfile.close()
        handler.socket.close()
    assert eio_socket.sid not in frames.WRITERS  # forgotten once its handler returned


def test_a_closed_socket_takes_nothing():
    eio = engineio.Server(async_mode="gevent")
    frames.install(eio)
    client_end, eio_socket, runs, handler = _served(eio)
    writer = frames.WRITERS[eio_socket.sid]
    try:
        eio_socket.close(wait=False, abort=True)
        assert writer.write(frames.text_frame("4late"))  # handled: nothing to send
        assert eio_socket.queue.qsize() == 1  # only the close's own end-of-queue mark
    finally:
        client_end.close()
        runs.join(timeout=5)
        handler.rfile.close()
        handler.socket.close()


def test_a_frame_larger_than_64_kib_keeps_its_length():
    text = "x" * 70_000
    frame = frames.text_frame(text)
    assert frame[:2] == bytes((0x81, 127))
    assert int.from_bytes(frame[2:10], "big") == 70_000
    assert frames.text_frame("ab") == b"\x81\x02ab"
    assert frames.text_frame("é" * 100)[:4] == bytes((0x81, 126, 0, 200))
