"""The loopback helper the apps' tours, the demo and the tests share to start a hub of their own."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on the loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
