"""Knowing the TCP printer simulator is done with what was sent, without sleeping."""

from __future__ import annotations

import socket

from tests.timing import PATIENCE


def handled_so_far(address: str) -> None:
    """Return once the simulator at ``address`` (``tcp://HOST:PORT``) has finished every
    connection made before this call: it serves one connection at a time, so its answer to a
    status request on a new one comes after them (their jobs recorded, or none)."""
    host, port = address.removeprefix("tcp://").split(":")
    with socket.create_connection((host, int(port)), timeout=PATIENCE) as probe:
        probe.sendall(b"\x10\x04\x01")  # DLE EOT 1: the printer's status
        assert len(probe.recv(1)) == 1, "the printer simulator did not answer"
