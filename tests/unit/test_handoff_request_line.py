"""Which connections a page worker hands to a live worker (cop/handoff.py): new Socket.IO
websockets only; anything else, hostile request lines included, stays where it is."""

from cop.handoff import wants_live


def test_a_new_socket_io_websocket_goes_to_a_live_worker():
    assert wants_live(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n")


def test_everything_else_stays_with_the_page_worker():
    for head in (
        b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n",
        b"GET /socket.io/?EIO=4&transport=websocket&sid=abc HTTP/1.1\r\n",  # an upgrade
        b"POST /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n",
        b"GET /spaces/1 HTTP/1.1\r\n",
        b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1",  # the line not complete yet
        b"GET //[x HTTP/1.1\r\n",  # urlsplit refuses it
        b"GET /socket.io/?transport=websocket\r\n",  # no version
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n",  # TLS
        b"",
    ):
        assert not wants_live(head), head
