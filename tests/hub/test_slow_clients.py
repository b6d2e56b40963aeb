"""Half-sent requests neither hold the hub's connections for ever nor crowd others out
(issue 15, "Slowloris").

Against a real ``hall hub`` process and real sockets: connections that never finish their
request are closed by the hub after its request timeout (a short one here, ``--request-timeout``),
and while more of them are open than the hub has files for, everyone else is still answered.
"""

from __future__ import annotations

import resource
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hall.hubprocess import HubProcess
from hub.client import HubClient
from hub.connections import MAX_HEADER_BYTES
from tests.rawhttp import read_answer
from tests.timing import PATIENCE, wait_for

pytestmark = pytest.mark.slow

HALF_A_REQUEST = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
"""A request line and headers that never end (no blank line)."""


def _port(hub: HubProcess) -> int:
    port = urlsplit(hub.base_url).port
    assert port is not None
    return port


def _slow(port: int, start: bytes = HALF_A_REQUEST) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    if start:
        sock.sendall(start)
    sock.setblocking(False)
    return sock


def _closed_by_hub(sock: socket.socket, said: list[bytes]) -> bool:
    """Whether the hub has closed ``sock`` (what it said before is added to ``said``)."""
    try:
        data = sock.recv(65536)  # the socket does not block: nothing there raises
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    if data:
        said.append(data)
        return False
    return True


def _wait_closed(socks: list[socket.socket], said: list[bytes], at_least: int) -> None:
    closed: set[int] = set()

    def enough() -> bool:
        closed.update(i for i, s in enumerate(socks) if i not in closed and _closed_by_hub(s, said))
        return len(closed) >= at_least

    wait_for(enough, f"{at_least} of {len(socks)} slow connections closed by the hub")


def _health(hub: HubProcess) -> str:
    client = HubClient(hub.base_url, "-", timeout=PATIENCE)
    try:
        return str(client.health().status)
    finally:
        client.close()


@contextmanager
def _open_files(count: int) -> Iterator[None]:
    """This test process may hold ``count`` sockets (the soft limit raised up to the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 200
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"needs {wanted} open files, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_half_sent_requests_are_answered_408_and_closed_after_the_timeout(tmp_path: Path) -> None:
    hub = HubProcess(
        tmp_path / "hub", log_path=tmp_path / "hub.log", extra_args=["--request-timeout", "1"]
    )
    with hub, ExitStack() as stack:
        port = _port(hub)
        socks = [stack.enter_context(_slow(port)) for _ in range(50)]
        silent = stack.enter_context(_slow(port, b""))  # connects and never says a word
        assert _health(hub) == "ok"  # answered while they hang
        said: list[bytes] = []
        _wait_closed([*socks, silent], said, at_least=51)
        assert said and all(s.startswith(b"HTTP/1.1 408 ") for s in said)
        assert "请求发送超时" in said[0].decode()
        assert _health(hub) == "ok"


def test_more_slow_connections_than_open_files_do_not_stop_the_hub(tmp_path: Path) -> None:
    # The request timeout is far away here: only the connection cap protects the hub.
    hub = HubProcess(
        tmp_path / "hub", log_path=tmp_path / "hub.log", extra_args=["--request-timeout", "600"]
    )
    with _open_files(1200), hub, ExitStack() as stack:
        assert hub.process is not None
        # systemd's default for a service, as in the report
        resource.prlimit(hub.process.pid, resource.RLIMIT_NOFILE, (1024, 1024))
        port = _port(hub)
        socks = [stack.enter_context(_slow(port)) for _ in range(1100)]
        said: list[bytes] = []
        # the cap follows the open-files limit: the oldest pushed out for the newest
        _wait_closed(socks, said, at_least=100)
        for _ in range(5):
            assert _health(hub) == "ok"


def test_headers_over_the_limit_get_431(tmp_path: Path) -> None:
    with HubProcess(tmp_path / "hub", log_path=tmp_path / "hub.log") as hub:
        port = _port(hub)
        with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
            sock.sendall(HALF_A_REQUEST + b"x" * (MAX_HEADER_BYTES + 1))
            answer = read_answer(sock)
        assert answer.status == 431
        assert answer.json()["error"] == "headers_too_large"
        assert _health(hub) == "ok"
