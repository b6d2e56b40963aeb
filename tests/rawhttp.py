"""Raw HTTP/1.1 against a hub or central process: requests no well-behaved client would send.

A body far larger than it should be, a chunked body that goes on and on, a request that is
never finished, header values that are not ASCII: ``requests`` and ``httpx`` will not send
these, a socket will. Also a process's peak memory from ``/proc``.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.timing import PATIENCE


def peak_kib(pid: int) -> int:
    """Peak resident memory (``VmHWM`` of /proc/PID/status) of process ``pid``, in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")


@dataclass
class RawAnswer:
    """What came back: status, lower-case headers, body; ``sent`` body bytes had gone out."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent: int

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise AssertionError(f"not a JSON object: {self.body[:200]!r}")
        return data


def read_answer(sock: socket.socket, sent: int = 0) -> RawAnswer:
    """Read one HTTP/1.1 answer that has a Content-Length."""
    sock.settimeout(PATIENCE)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before an answer: {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawAnswer(int(lines[0].split()[1]), headers, body, sent)


Headers = Sequence[tuple[str, str | bytes]]
"""Header names and values; a bytes value is sent exactly as given (any bytes)."""


def _head(method: str, target: str, headers: Headers) -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode("ascii"), b"Host: 127.0.0.1"]
    for name, value in headers:
        raw = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name.encode("ascii") + b": " + raw)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _send_until_answered(sock: socket.socket, pieces: int, piece: bytes) -> int:
    """Send ``piece`` up to ``pieces`` times, stopping once an answer can be read; bytes sent."""
    sent = 0
    try:
        for _ in range(pieces):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed its end: its answer is already in our receive buffer
    return sent


def post_declared(port: int, target: str, total: int, headers: Headers = ()) -> RawAnswer:
    """POST declaring ``Content-Length: total`` and send the body (in 1 MiB pieces) until the
    server answers or all of it went out."""
    piece = b"x" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        head: Headers = [("Content-Type", "application/json"), ("Content-Length", str(total))]
        sock.sendall(_head("POST", target, [*head, *headers]))
        sent = _send_until_answered(sock, total // len(piece), piece)
        return read_answer(sock, sent)


def post_chunked(
    port: int, target: str, total: int, headers: Headers = (), *, chunk: int = 65536
) -> RawAnswer:
    """POST ``total`` bytes with ``Transfer-Encoding: chunked`` in ``chunk``-byte chunks,
    stopping as soon as the server answers; ``sent`` says how much had gone out by then."""
    size = chunk
    piece = b"%x\r\n" % size + b"x" * size + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        head: Headers = [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]
        sock.sendall(_head("POST", target, [*head, *headers]))
        sent = _send_until_answered(sock, total // size, piece)
        if sent >= total:
            # on a busy machine every chunk may go out before the server's answer comes back; a
            # server that has answered and closed resets the last chunk: its answer is read below
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                sock.sendall(b"0\r\n\r\n")
        return read_answer(sock, sent)


def request(
    port: int,
    method: str,
    target: str,
    headers: Headers = (),
    body: bytes = b"",
    *,
    chunked: bool = False,
) -> RawAnswer:
    """One complete request with exactly these headers (plus Host, and Content-Length or, if
    ``chunked``, Transfer-Encoding with the body in one chunk)."""
    extra: Headers
    if chunked:
        extra = [("Transfer-Encoding", "chunked")]
        wire = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    else:
        extra = [("Content-Length", str(len(body)))] if body else []
        wire = body
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(_head(method, target, [*headers, *extra]) + wire)
        return read_answer(sock, len(body))
