"""A TCP proxy on the loopback that resets some connections in the middle of a body.

Each accepted connection is, with probability ``cut_rate``, given a byte budget in one
direction (hub → central: inside a request body; central → hub: inside an answer). When the
budget is spent the proxy closes both sides with ``SO_LINGER 0``, so the peers see a reset
in the middle of what they were sending or reading. Seeded, bounded, stops with the test.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import struct
import threading
from dataclasses import dataclass, field


@dataclass
class CuttingProxy:
    target_port: int
    cut_rate: float = 0.3
    seed: int = 1
    up_budget: tuple[int, int] = (200, 60_000)  # bytes hub → central before a cut
    down_budget: tuple[int, int] = (20, 600)  # bytes central → hub before a cut
    cuts: int = 0
    connections: int = 0
    port: int = 0
    _rng: random.Random = field(init=False)
    _listener: socket.socket = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def start(self) -> CuttingProxy:
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()

    def _plan(self) -> tuple[int | None, int | None]:
        with self._lock:
            self.connections += 1
            if self._rng.random() >= self.cut_rate:
                return None, None
            if self._rng.random() < 0.5:
                return self._rng.randint(*self.up_budget), None
            return None, self._rng.randint(*self.down_budget)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                _reset(client)
                continue
            up, down = self._plan()
            threading.Thread(
                target=self._pump, args=(client, upstream, up, down), daemon=True
            ).start()

    def _pump(
        self, client: socket.socket, upstream: socket.socket, up: int | None, down: int | None
    ) -> None:
        budget = {client: up, upstream: down}
        other = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([client, upstream], [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    left = budget[sock]
                    if left is not None and len(data) >= left:
                        other[sock].sendall(data[:left])
                        with self._lock:
                            self.cuts += 1
                        return
                    if left is not None:
                        budget[sock] = left - len(data)
                    other[sock].sendall(data)
        except OSError:
            return
        finally:
            _reset(client)
            _reset(upstream)


def _reset(sock: socket.socket) -> None:
    """Close with an RST, not a polite FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
