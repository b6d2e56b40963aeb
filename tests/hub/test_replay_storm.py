"""A hundred clients replaying a big outbox at once (issue 15, "Replay storm").

Against a real ``hall hub`` process whose store holds a backlog of events: 100 event-stream
clients open ``?since=0`` together; every one of them gets every event once and in order, then
the live events after it, and a kiosk's ticket is issued while they replay (how fast, with the
issue's 31,000 events, is scenario k of bench/). One token may hold only so many streams at
once, and the hub only so many in all: past that, 429 or 503 with ``Retry-After``.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from bench.sync_drain import write_backlog
from hall.hubprocess import HubProcess
from hub.client import HubClient
from hub.events import MAX_STREAMS, MAX_STREAMS_PER_OWNER
from tests.timing import PATIENCE, wait_for

pytestmark = pytest.mark.slow

EVENTS = 3_000
"""Enough for 6 replay batches per client; the hub sends replays at a bounded rate in all, so
the issue's 31,000 would make this test last a minute (bench/replay.py runs those)."""
CLIENTS = 100
IDS = re.compile(rb"\nid: (\d+)\n")


class Replaying:
    """One client reading ``/events?since=0`` on a raw socket, checking each seq is the next.

    ``pause_at``: after that many events it stops reading until ``resume`` is set (its stream is
    then held mid-replay by TCP backpressure). It reads until it has ``final`` (once set)."""

    def __init__(self, port: int, token: str, pause_at: int | None, resume: threading.Event):
        self.port, self.token = port, token
        self.pause_at, self.resume = pause_at, resume
        self.final: int | None = None
        self.next_seq = 1
        self.problem = ""
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def got(self) -> int:
        return self.next_seq - 1

    def _run(self) -> None:
        try:
            self._read()
        except OSError as err:
            self.problem = repr(err)
        finally:
            self.done.set()

    def _read(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=PATIENCE) as sock:
            target = f"/api/v1/events?since=0&token={self.token}"
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, data = data.partition(b"\r\n\r\n")
            sock.settimeout(0.2)  # a client at the end of the events waits for `final` to be set
            if not head.startswith(b"HTTP/1.1 200"):
                self.problem = head.decode("latin-1")
                return
            tail = b"\n"
            while self.final is None or self.next_seq <= self.final:
                window = tail + data
                cut = window.rfind(b"\n\n")
                for match in IDS.finditer(window, 0, max(cut + 2, 0)):
                    if int(match.group(1)) != self.next_seq:
                        self.problem = f"seq {match.group(1).decode()} after {self.got}"
                        return
                    self.next_seq += 1
                tail = window[cut + 1 :] if cut >= 0 else window
                if self.pause_at is not None and self.got >= self.pause_at:
                    self.pause_at = None
                    self.resume.wait(PATIENCE)
                try:
                    data = sock.recv(262144)
                except TimeoutError:  # nothing more yet: look at `final` again
                    data = b""
                    continue
                if not data:
                    self.problem = f"stream ended after {self.got}"
                    return


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, int]]:
    """A hub whose store holds EVENTS events; yields it with the backlog's last seq."""
    folder = tmp_path_factory.mktemp("storm")
    last = write_backlog(folder / "hub", EVENTS, days=1)
    with HubProcess(folder / "hub", log_path=folder / "hub.log") as process:
        yield process, last


def _tokens(hub: HubProcess, role: str, count: int) -> list[str]:
    admin = hub.client()
    try:
        return [str(admin.add_device(role, f"{role}-{n}")["token"]) for n in range(count)]
    finally:
        admin.close()


def test_a_hundred_replays_each_get_every_event_in_order_and_tickets_go_on(
    hub: tuple[HubProcess, int],
) -> None:
    process, last = hub
    port = urlsplit(process.base_url).port
    assert port is not None
    resume = threading.Event()
    # Half the clients stop halfway until the ticket is issued, so it is surely issued while
    # replays are under way; the other half read as fast as they can all along.
    clients = [
        Replaying(port, token, last // 2 if n % 2 else None, resume)
        for n, token in enumerate(_tokens(process, "display", CLIENTS))
    ]
    kiosk = HubClient(process.base_url, _tokens(process, "kiosk", 1)[0], timeout=PATIENCE)
    for client in clients:
        client.thread.start()
    final = 0  # until the ticket is issued: on a failure, every client stops at once
    try:
        wait_for(lambda: all(c.got > 0 or c.done.is_set() for c in clients), "every replay begun")
        ticket = kiosk.issue_ticket(category="A")
        assert ticket.number.startswith("A")
        mid_replay = [c for c in clients if c.got < last]
        final = int(kiosk.health().last_seq)
    finally:
        for client in clients:
            client.final = final
        resume.set()
        kiosk.close()
    assert len(mid_replay) >= CLIENTS // 2  # the ticket was issued while those replayed
    for client in clients:
        assert client.done.wait(PATIENCE), f"a replay at {client.got} of {final} did not finish"
    assert [c.problem for c in clients if c.problem] == []
    assert {c.got for c in clients} == {final}  # the backlog, then the ticket's live events


def test_a_token_past_its_stream_cap_gets_429_with_retry_after(
    hub: tuple[HubProcess, int],
) -> None:
    process, _ = hub
    token, other = _tokens(process, "display", 2)
    url = f"{process.base_url}/api/v1/events"
    opened = [
        requests.get(url, params={"token": token}, stream=True, timeout=PATIENCE)
        for _ in range(MAX_STREAMS_PER_OWNER)
    ]
    try:
        assert {r.status_code for r in opened} == {200}
        refused = requests.get(url, params={"token": token}, stream=True, timeout=PATIENCE)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        error = refused.json()
        assert error["error"] == "too_many_streams"
        assert f"{MAX_STREAMS_PER_OWNER}" in error["message"]
        welcome = requests.get(url, params={"token": other}, stream=True, timeout=PATIENCE)
        assert welcome.status_code == 200  # another token is not held to this one's share
        welcome.close()
        opened.pop().close()

        def one_more_fits() -> bool:
            again = requests.get(url, params={"token": token}, stream=True, timeout=PATIENCE)
            again.close()
            return again.status_code == 200

        wait_for(one_more_fits, "a stream of the token again once one of its streams closed")
    finally:
        for answer in opened:
            answer.close()


def _open_stream(port: int, token: str) -> tuple[socket.socket, bytes]:
    """A socket with ``/events`` asked for; the answer's head (and what came with it)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    sock.sendall(f"GET /api/v1/events?token={token} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    return sock, head


def test_streams_past_the_hubs_cap_get_503_with_retry_after(hub: tuple[HubProcess, int]) -> None:
    process, _ = hub
    port = urlsplit(process.base_url).port
    assert port is not None
    # Each token within its own share; streams of earlier tests may still be closing.
    tokens = _tokens(process, "display", MAX_STREAMS // MAX_STREAMS_PER_OWNER + 2)
    opened: list[socket.socket] = []
    try:
        head = b""
        while len(opened) <= MAX_STREAMS:
            sock, head = _open_stream(port, tokens[len(opened) // MAX_STREAMS_PER_OWNER])
            opened.append(sock)
            if not head.startswith(b"HTTP/1.1 200"):
                break
        assert head.startswith(b"HTTP/1.1 503"), head[:300]
        assert b"streams_full" in head or b"streams_full" in opened[-1].recv(4096)
        assert re.search(rb"\r\nretry-after: *[1-9]", head, re.IGNORECASE)
        assert MAX_STREAMS // 2 < len(opened) <= MAX_STREAMS + 1
        opened.pop().close()
        opened.pop().close()  # one of the hub's streams ends

        def one_more_fits() -> bool:
            sock, head = _open_stream(port, tokens[-1])
            sock.close()
            return head.startswith(b"HTTP/1.1 200")

        wait_for(one_more_fits, "a stream again once one of the hub's streams closed")
    finally:
        for sock in opened:
            sock.close()
