"""HubClient and a kept-alive connection the hub closes as idle just as a call goes out: the
call never reached the hub, so the client sends it again on a new connection (once); a call
that timed out is never sent twice."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

from hub.client import HubClient, HubUnavailable
from tests.timing import PATIENCE

ANSWER = b'{"status": "ok"}'


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return b""
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        rest += conn.recv(65536)
    return head.split(b"\r\n")[0]


@contextmanager
def _server(reset_second: bool, stall: bool = False) -> Iterator[tuple[str, list[bytes]]]:
    """A loopback HTTP server: the first connection answers its first request and keeps the
    connection; its second request is read and the connection reset without an answer (a hub
    closing an idle connection). Later connections answer every request. ``stall``: never
    answer at all."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: list[bytes] = []
    stop = threading.Event()
    open_now: list[socket.socket] = []

    def answer(conn: socket.socket) -> None:
        body = ANSWER
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def serve() -> None:
        first = True
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            open_now[:] = [conn]
            with conn:
                count = 0
                while True:
                    line = _read_request(conn)
                    if not line:
                        break
                    seen.append(line)
                    count += 1
                    if stall:
                        stop.wait(PATIENCE)
                        break
                    if first and reset_second and count == 2:
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                        break  # closed with RST, nothing answered
                    answer(conn)
            first = False

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        stop.set()
        listener.close()
        for conn in open_now:  # a kept-alive connection the client still holds
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        thread.join(PATIENCE)


def test_a_call_on_a_connection_reset_before_its_answer_is_sent_again_once() -> None:
    with _server(reset_second=True) as (url, seen):
        client = HubClient(url, "token")
        assert client.request("POST", "/tickets", {"category": "A"}) == json.loads(ANSWER)
        assert client.request("POST", "/tickets", {"category": "A"}) == json.loads(ANSWER)
        # the second call: sent on the kept connection (reset), then once on a new one
        assert seen == [b"POST /api/v1/tickets HTTP/1.1"] * 3


def test_a_call_that_times_out_is_not_sent_again() -> None:
    with _server(reset_second=False, stall=True) as (url, seen):
        client = HubClient(url, "token", timeout=0.5)
        with pytest.raises(HubUnavailable):
            client.request("POST", "/windows/1/finish", {})
        assert seen == [b"POST /api/v1/windows/1/finish HTTP/1.1"]


def test_a_refused_address_is_not_retried_into_a_loop() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    client = HubClient(f"http://127.0.0.1:{port}", "token")
    with pytest.raises(HubUnavailable):
        client.request("GET", "/health")
