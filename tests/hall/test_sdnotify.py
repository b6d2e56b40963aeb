"""hall.sdnotify against a real AF_UNIX datagram socket, as systemd would listen on it."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hall import sdnotify
from tests.timing import PATIENCE


class Listener:
    """The systemd side: a bound datagram socket and the messages received so far."""

    def __init__(self, sock: socket.socket, env_name: str) -> None:
        self.sock = sock
        self.env_name = env_name
        sock.setblocking(False)

    def drain(self) -> list[str]:
        messages = []
        while True:
            try:
                messages.append(self.sock.recv(4096).decode("utf-8"))
            except BlockingIOError:
                return messages


@pytest.fixture
def path_listener(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify"
    sock.bind(str(path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield Listener(sock, str(path))
    sock.close()


@pytest.fixture
def abstract_listener(monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    name = f"hallkit-test-{os.getpid()}-{time.monotonic_ns()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
    yield Listener(sock, "@" + name)
    sock.close()


def test_every_message_reaches_a_path_socket(path_listener: Listener) -> None:
    assert sdnotify.ready("serving window 3")
    assert sdnotify.watchdog_ping()
    assert sdnotify.status("queue: 12\nwaiting")
    assert sdnotify.stopping()
    assert path_listener.drain() == [
        "READY=1\nSTATUS=serving window 3",
        "WATCHDOG=1",
        "STATUS=queue: 12 waiting",
        "STOPPING=1",
    ]


def test_an_at_sign_means_the_abstract_namespace(abstract_listener: Listener) -> None:
    assert sdnotify.ready()
    assert abstract_listener.drain() == ["READY=1"]


def test_without_notify_socket_everything_is_a_quiet_no_op(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    assert not sdnotify.ready()
    assert not sdnotify.watchdog_ping()
    assert not sdnotify.notify_socket_set()


def test_a_vanished_socket_is_logged_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sdnotify, "_warned", False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert not sdnotify.watchdog_ping()
    assert not sdnotify.watchdog_ping()
    assert [r.levelname for r in caplog.records] == ["WARNING"]


@pytest.mark.parametrize(
    ("usec", "pid", "expected"),
    [
        ("30000000", None, 30.0),
        ("500000", "self", 0.5),
        ("30000000", "1", None),  # the watchdog belongs to another process
        ("0", None, None),
        ("soon", None, None),
        (None, None, None),
    ],
)
def test_watchdog_interval_comes_from_watchdog_usec_for_this_pid_only(
    monkeypatch: pytest.MonkeyPatch, usec: str | None, pid: str | None, expected: float | None
) -> None:
    for name, value in (("WATCHDOG_USEC", usec), ("WATCHDOG_PID", pid)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, str(os.getpid()) if value == "self" else value)
    assert sdnotify.watchdog_interval() == expected


def test_the_asyncio_watchdog_stops_pinging_while_the_loop_is_blocked(
    path_listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "100000")  # ping every 50 ms
    monkeypatch.delenv("WATCHDOG_PID", raising=False)

    async def pings(count: int) -> int:
        """Let the loop run until ``count`` pings arrived; returns how many did."""
        heard, deadline = 0, time.monotonic() + PATIENCE
        while heard < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            heard += path_listener.drain().count("WATCHDOG=1")
        return heard

    async def scenario() -> tuple[int, int, int]:
        task = sdnotify.watchdog_task()
        assert task is not None
        running = await pings(3)
        path_listener.drain()
        time.sleep(0.3)  # the loop is frozen: a handler doing blocking work
        frozen = len(path_listener.drain())
        recovered = await pings(3)
        task.cancel()
        return running, frozen, recovered

    running, frozen, recovered = asyncio.run(scenario())
    assert running >= 3
    assert frozen == 0
    assert recovered >= 3


def test_no_watchdog_task_without_watchdog_usec(
    path_listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)

    async def scenario() -> object:
        return sdnotify.watchdog_task()

    assert asyncio.run(scenario()) is None


def test_an_attached_fastapi_app_says_ready_pings_and_says_stopping(
    path_listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    started: list[str] = []
    app = FastAPI()

    heard: list[str] = []

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        # Keeps the loop turning until the watchdog task has pinged twice.
        deadline = time.monotonic() + PATIENCE
        while heard.count("WATCHDOG=1") < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            heard.extend(path_listener.drain())
        return {"ok": "yes"}

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def own_lifespan(a: FastAPI) -> AsyncIterator[Any]:
        started.append("app")
        async with inner(a) as state:
            yield state

    app.router.lifespan_context = own_lifespan
    sdnotify.attach_to_app(app, status_text="hub up")
    with TestClient(app) as client:
        assert client.get("/ping").status_code == 200
    messages = heard + path_listener.drain()
    assert started == ["app"]  # the app's own lifespan still runs
    assert "READY=1\nSTATUS=hub up" in messages
    assert messages.count("WATCHDOG=1") >= 2
    assert messages[-1] == "STOPPING=1"


def test_wait_listening_is_true_only_once_the_port_accepts() -> None:
    async def scenario() -> tuple[bool, bool]:
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        opened = await sdnotify.wait_listening("0.0.0.0", port, timeout=PATIENCE)
        closed = await sdnotify.wait_listening("127.0.0.1", _free_port(), timeout=0.2)
        server.close()
        return opened, closed

    assert asyncio.run(scenario()) == (True, False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
