"""free_port never hands out a port the caller has already promised to another server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from appkit import net


class FakeSocket:
    """Binds to the ports of ``given`` in turn (as the system would, one port per bind)."""

    given: Iterator[int]

    def __init__(self, *_: Any) -> None:
        self.port = 0

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *_: Any) -> None:
        return None

    def bind(self, _: Any) -> None:
        self.port = next(FakeSocket.given)

    def getsockname(self) -> tuple[str, int]:
        return "127.0.0.1", self.port


def test_a_port_to_avoid_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSocket.given = iter([8701, 8701, 8702])
    monkeypatch.setattr(net.socket, "socket", FakeSocket)
    assert net.free_port(avoid=frozenset({8701})) == 8702


def test_a_real_free_port_can_be_bound() -> None:
    port = net.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
