"""The loopback helper the apps' tours, the demo and the tests share to start a hub of their own."""

from __future__ import annotations

import socket


def free_port(avoid: frozenset[int] = frozenset()) -> int:
    """A TCP port on the loopback that nobody listens on right now, and not one of ``avoid``
    (ports already promised to another server of the same run, not yet listening)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in avoid:
            return port
