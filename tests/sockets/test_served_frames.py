"""A live session's events written as one frame per room straight to idle websockets
(cop/frames.py), under `cop run`: a client that stops reading neither holds up the others
nor loses anything, and gets every event whole and in order once it reads again."""

import json
import socket
import time

from tests.conftest import bearer
from tests.servers import NS, CopServer, Recorder


class RawClient:
    """A websocket client on a plain socket with a small receive buffer, so that what the
    server writes while it does not read soon fills both ends' buffers."""

    def __init__(self, port: int):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(20)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.pending = b""

    def close(self) -> None:
        self.sock.close()

    def _exactly(self, size: int) -> bytes:
        while len(self.pending) < size:
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the connection"
            self.pending += chunk
        data, self.pending = self.pending[:size], self.pending[size:]
        return data

    def receive(self) -> str:
        """The next text message (a whole unfragmented frame, as the server sends)."""
        first, second = self._exactly(2)
        assert first == 0x81, f"not a whole text frame: {first:#x}"
        size = second & 0x7F
        if size == 126:
            size = int.from_bytes(self._exactly(2), "big")
        elif size == 127:
            size = int.from_bytes(self._exactly(8), "big")
        return self._exactly(size).decode()

    def send(self, text: str) -> None:
        data, size = text.encode(), len(text.encode())
        if size < 126:
            head = bytes((0x81, 0x80 | size))
        else:
            head = bytes((0x81, 0x80 | 126)) + size.to_bytes(2, "big")
        self.sock.sendall(head + b"\0\0\0\0" + data)  # a zero mask leaves the data as is

    def until(self, prefix: str) -> str:
        while not (message := self.receive()).startswith(prefix):
            pass
        return message


def test_a_client_that_stops_reading_gets_every_event_in_order_later(app, world, live, served_env):
    server = CopServer(served_env | {"COP_WORKERS": "1"})
    clients = []
    try:
        server.wait_ready()
        slow = RawClient(server.port)
        clients.append(slow)
        slow.until("0")  # Engine.IO's open packet
        token = bearer(app, world.users["trainee"])["Authorization"].split()[1]
        slow.send(f"40{NS},{json.dumps({'token': token})}")
        slow.until(f"40{NS},")
        slow.send(f'42{NS},0["join",{{"session_id":{live},"batch":true}}]')
        slow.until(f"43{NS},0")
        # From here on the slow client reads nothing.
        asker_token = bearer(app, world.users["member"])["Authorization"].split()[1]
        asker = Recorder(server.url, asker_token)
        clients.append(asker)
        assert asker.call("join", {"session_id": live, "batch": True})["ok"]
        text = "Чи буде звіт про бюджет участі громади в «Дії»? " * 6  # ~300 characters
        asked = [
            asker.call("ask", {"session_id": live, "text": f"{i:03} {text}"[:300]})["question_id"]
            for i in range(150)
        ]
        # The others have them all while the slow client's buffers stay full.
        asker.wait_for(lambda: {q["id"] for q in asker.named("question")} >= set(asked))

        time.sleep(0.5)
        seen = []
        while len(seen) < len(asked):
            message = slow.receive()
            if message == "2":  # Engine.IO's ping
                slow.send("3")
                continue
            assert message.startswith(f'42{NS},["batch",'), message[:80]
            items = json.loads(message[len(NS) + 3 :])[1]
            seen += [data["id"] for event, data in items if event == "question"]
        assert seen == asked, "every question once, in the order asked"
    finally:
        for client in clients:
            client.close()
        server.stop()
