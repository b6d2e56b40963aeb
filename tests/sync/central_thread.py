"""The real reference central (``sync.central``) served by uvicorn in a thread, for tests.

Tests that need the true protocol partner (enrollment, signatures, central's intake and its
validation) use this; tests that need central to misbehave on cue use ``uplink_central``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from appkit.net import free_port
from sync.central.app import create_central_app
from sync.central.faults import Faults
from sync.central.server import uvicorn_config
from sync.central.store import CentralStore
from tests.timing import PATIENCE


@dataclass
class RunningCentral:
    store: CentralStore
    base_url: str


@contextmanager
def central_in_thread(
    data_dir: Path,
    *,
    now: Callable[[], float] = time.time,
    faults: Faults | None = None,
    db: str | None = None,
) -> Iterator[RunningCentral]:
    """Serve a central on a free loopback port until the block ends (its store in
    ``data_dir``, or in the PostgreSQL database ``db``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store = CentralStore(db or data_dir / "central.db", now=now)
    app = create_central_app(store, admin_token="test-admin-token", faults=faults)
    port = free_port()
    server = uvicorn.Server(uvicorn_config(app, f"127.0.0.1:{port}"))
    thread = threading.Thread(target=server.run, name="central", daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test central did not start")
        time.sleep(0.01)
    try:
        yield RunningCentral(store, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(PATIENCE)
        store.close()
