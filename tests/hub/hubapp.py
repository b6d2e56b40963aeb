"""Helpers for API tests: a hub opened on a temp folder, served in-process by uvicorn."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from appkit.net import free_port
from config import HallConfig
from hub.server import Hub, open_hub
from sync.clock import Clock
from tests.conftest import queue_hall
from tests.timing import PATIENCE


@contextmanager
def served(
    data_dir: Path, clock: Clock | None = None, config: HallConfig | None = None
) -> Iterator[tuple[Hub, str]]:
    """A real hub on a loopback port for the duration of the block; yields (hub, base_url).

    The hall is ``config`` (default: the sample hall calling without sign-in,
    :func:`tests.conftest.queue_hall`)."""
    hub = open_hub(data_dir, always_open=True, clock=clock, config=config or queue_hall())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            hub.app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test hub did not start")
        time.sleep(0.02)
    try:
        yield hub, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(PATIENCE)
        hub.store.close()
