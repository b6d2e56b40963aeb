"""kill -9 of the hub at random instants, many times, while it issues tickets and uploads:
afterwards central holds seq 1..N exactly once with the hub's event ids."""

from __future__ import annotations

import random
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from sync.central.process import CentralProcess
from tests.sync.faults.harness import Traffic, audit, enrolled_hub, tokens, wait_drained
from tests.timing import wait_for

pytestmark = pytest.mark.slow

ROUNDS = 10


def test_kill_9_during_writes_and_uploads_loses_and_doubles_nothing(tmp_path: Path) -> None:
    rng = random.Random()
    central = CentralProcess(tmp_path / "central").start()
    hub, hall = enrolled_hub(tmp_path, central)
    try:
        hub.start()
        kiosks, counters = tokens(hub, 3, [1, 2])
        # A backlog first, so that early rounds are killed in the middle of uploading it.
        traffic = Traffic(lambda: hub.base_url, kiosks, counters).start()
        wait_for(lambda: len(traffic.issued) > 100, "a backlog of tickets", step=0.05)
        hub.kill()
        for round_no in range(ROUNDS):
            if round_no % 3 == 1:
                hub.spawn()  # also kill a hub still opening its store and starting its uplink
                time.sleep(rng.uniform(0.0, 0.6))
                hub.kill()
            hub.start()
            time.sleep(rng.uniform(0.3, 2.0))
            hub.kill()
        traffic.stop()
        hub.start()
        wait_drained(hub.data_dir)
    finally:
        hub.stop()
        central.stop()
    assert not traffic.unexpected, traffic.unexpected[:5]
    assert len(traffic.issued) > 100
    audit(hub.data_dir, central.data_dir, hall)
    with closing(sqlite3.connect(central.data_dir / "central.db")) as db:
        on_central = {
            row[0]
            for row in db.execute(
                "SELECT json_extract(payload, '$.ticket.id') FROM events"
                " WHERE hall = ? AND type = 'ticket.issued'",
                (hall,),
            )
        }
    assert set(traffic.issued) <= on_central, "a ticket the hub answered for never reached central"
