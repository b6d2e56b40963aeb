"""Raw HTTP/1.1 against a central process: bytes no well-behaved client would send.

Hostile requests (a chunked body that never ends, latin-1 bytes in signature headers) need a
socket, because ``requests`` and ``httpx`` refuse to send them. Also: the process's resident
memory from ``/proc``, and a signed-request helper for an enrolled hall of a CentralProcess.
"""

from __future__ import annotations

import base64
import json
import select
import socket
import time
from dataclasses import dataclass

import requests

from sync.central.process import CentralProcess
from sync.signing import sign_headers
from sync.wire import API_PREFIX
from tests.timing import PATIENCE


def rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` in KiB (``VmRSS`` of /proc/PID/status)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


@dataclass
class RawAnswer:
    """What came back: status, lower-case headers, body; ``sent`` body bytes went out first."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent: int

    def json(self) -> dict[str, object]:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise AssertionError(f"not a JSON object: {self.body[:200]!r}")
        return data


def _read_answer(sock: socket.socket, sent: int) -> RawAnswer:
    """Read one HTTP/1.1 answer with a Content-Length (central's answers all have one)."""
    sock.settimeout(PATIENCE)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before an answer: {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
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
    return RawAnswer(status, headers, body, sent)


def raw_request(
    port: int,
    method: str,
    target: str,
    headers: list[tuple[str, bytes]],
    body: bytes = b"",
) -> RawAnswer:
    """Send one request with header values as given (any bytes) and read the answer."""
    lines = [f"{method} {target} HTTP/1.1".encode("ascii"), b"Host: 127.0.0.1"]
    lines += [name.encode("ascii") + b": " + value for name, value in headers]
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode("ascii"))
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        return _read_answer(sock, len(body))


def send_chunked(
    port: int,
    target: str,
    total: int,
    headers: list[tuple[str, bytes]] | None = None,
    chunk: int = 65536,
) -> RawAnswer:
    """POST ``total`` bytes chunked, stopping as soon as an answer is there to read.

    ``sent`` in the answer says how much of the body had gone out when central answered.
    """
    head = [f"POST {target} HTTP/1.1".encode("ascii"), b"Host: 127.0.0.1"]
    head += [b"Transfer-Encoding: chunked", b"Content-Type: application/json"]
    head += [name.encode("ascii") + b": " + value for name, value in headers or []]
    piece = b"%x\r\n" % chunk + b"x" * chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(b"\r\n".join(head) + b"\r\n\r\n")
        try:
            while sent < total:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(piece)
                sent += chunk
            else:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # central closed its end: its answer is already in our receive buffer
        return _read_answer(sock, sent)


@dataclass
class EnrolledHall:
    """A hall enrolled on a CentralProcess through its API: signs requests with its key."""

    central: CentralProcess
    hall: str
    key_id: str
    secret: bytes

    @classmethod
    def enroll(cls, central: CentralProcess, name: str = "边界测试大厅") -> EnrolledHall:
        _, code = central.add_hall(name)
        answer = requests.post(
            central.base_url + API_PREFIX + "/enroll", json={"code": code}, timeout=PATIENCE
        )
        answer.raise_for_status()
        data = answer.json()
        return cls(central, data["hall"], data["key_id"], base64.b64decode(data["secret"]))

    def path(self, tail: str) -> str:
        return f"{API_PREFIX}/halls/{self.hall}/{tail}"

    def signed(self, method: str, target: str, body: bytes = b"") -> dict[str, str]:
        """The five signature headers for this request, signed now."""
        return sign_headers(self.secret, self.key_id, method, target, body, int(time.time()))
