"""Central on PostgreSQL under faults, as real processes: a worker killed (SIGKILL) and the
database restarted as a crash would while hubs upload, and a nonce replayed to another process.

The hubs are the real uplink (``sync.uplink.Uplink.drain``, its own retries and backoff) over
the real ``CentralClient``, each on its own hub store, in threads. What central holds is
counted in PostgreSQL itself at the end: every hall exactly its events, once.
"""

from __future__ import annotations

import os
import random
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
import requests

from config.schema import SyncSettings
from hub.tables import ALL_MIGRATIONS
from sync.central.process import CentralProcess
from sync.clock import FixedClock
from sync.credential import Credential
from sync.http import CentralClient, CentralRefused
from sync.outbox import Outbox
from sync.signing import sign_headers
from sync.store import Store
from sync.uplink import Uplink
from sync.uplink_status import UplinkStatus
from sync.wire import API_PREFIX
from tests.conftest import WEDNESDAY_0930
from tests.pgcluster import PgCluster
from tests.timing import PATIENCE, wait_for

ZONE = ZoneInfo("Asia/Shanghai")
EVENTS_PER_HALL = 1500
BATCH = 50  # many requests per hall, so a fault lands in the middle of the upload


class RecordingClient(CentralClient):
    """The real client, remembering every refusal's status and Retry-After."""

    def __init__(self, credential: Credential, refusals: list[tuple[int, float | None]]) -> None:
        super().__init__(credential, timeout=30.0)
        self.refusals = refusals

    def _send(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._send(*args, **kwargs)
        except CentralRefused as err:
            self.refusals.append((err.status, err.retry_after))
            raise


@dataclass
class Hub:
    """One simulated hall's hub: its store (an outbox of events) and the uplink draining it."""

    hall: str
    store: Store
    uplink: Uplink
    last_seq: int


def make_hubs(central: CentralProcess, folder: Path, count: int) -> tuple[list[Hub], list[Any]]:
    """``count`` halls registered and enrolled, each hub holding EVENTS_PER_HALL events."""
    refusals: list[tuple[int, float | None]] = []
    hubs = []
    clock = FixedClock(WEDNESDAY_0930)
    checker = central.store()
    try:
        for index in range(count):
            hall, code = checker.add_hall(f"故障测试大厅{index}")
            enrolled = checker.enroll(code, "127.0.0.1", f"hub-{index}")
            store = Store(folder / f"hub-{index}.db", ALL_MIGRATIONS)
            outbox = Outbox(clock)
            with store.write() as db:
                for i in range(EVENTS_PER_HALL):
                    ticket = {"id": f"t{index}-{i}", "number": f"A{i:04d}"}
                    outbox.append(db, "ticket.issued", {"ticket": ticket})
            credential = Credential(
                central.base_url, hall.id, hall.name, enrolled.key_id, enrolled.secret_b64
            )
            uplink = Uplink(
                store,
                SyncSettings(batch_max_events=BATCH),
                RecordingClient(credential, refusals),
                clock,
                zone=ZONE,
                rng=random.Random(index),
                backoff_base=0.05,
                purge_every=None,
            )
            hubs.append(Hub(hall.id, store, uplink, EVENTS_PER_HALL))
    finally:
        checker.close()
    return hubs, refusals


class Drains:
    """Every hub's uplink draining in its own thread, with a shared progress count."""

    def __init__(self, hubs: list[Hub]) -> None:
        self.hubs = hubs
        self.sent = [0] * len(hubs)
        self.results: list[UplinkStatus | None] = [None] * len(hubs)
        self.threads = [
            threading.Thread(target=self._drain, args=(i,), daemon=True) for i in range(len(hubs))
        ]
        for thread in self.threads:
            thread.start()

    def _drain(self, index: int) -> None:
        def progress(status: UplinkStatus) -> None:
            self.sent[index] = status.sent_batches

        self.results[index] = self.hubs[index].uplink.drain(progress, give_up_after=PATIENCE)

    def batches_sent(self) -> int:
        return sum(self.sent)

    def finish(self) -> list[UplinkStatus]:
        for thread in self.threads:
            thread.join(PATIENCE * 2)
        done = [r for r in self.results if r is not None]
        assert len(done) == len(self.hubs), "an uplink did not finish"
        return done


def held_by_hall(url: str) -> dict[str, tuple[int, int, int, int, int, int]]:
    """Per hall, counted in the database: (acked_seq, held, max_seq, rows, distinct seqs,
    highest seq)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT h.id, h.acked_seq, h.held, h.max_seq, COUNT(e.seq), COUNT(DISTINCT e.seq),"
            " COALESCE(MAX(e.seq), 0) FROM halls h LEFT JOIN events e ON e.hall = h.id"
            " GROUP BY h.id"
        ).fetchall()
    return {row[0]: tuple(int(v) for v in row[1:]) for row in rows}  # type: ignore[misc]


def assert_each_event_once(url: str, hubs: list[Hub], statuses: list[UplinkStatus]) -> None:
    for status in statuses:
        assert status.backlog == 0, status.last_error
    held = held_by_hall(url)
    for hub in hubs:
        n = hub.last_seq
        assert held[hub.hall] == (n, n, n, n, n, n), hub.hall


@pytest.fixture
def hub_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pg-faults-hubs-") as folder:
        yield Path(folder)


def test_a_worker_killed_mid_upload_loses_nothing_stores_nothing_twice_and_is_replaced(
    pg_database: str, tmp_path: Path, hub_folder: Path
) -> None:
    with CentralProcess(tmp_path / "central", db=pg_database, workers=2) as central:
        wait_for(lambda: len(central.worker_pids()) == 2, "both workers started")
        first = set(central.worker_pids())
        hubs, refusals = make_hubs(central, hub_folder, 4)
        drains = Drains(hubs)
        wait_for(lambda: drains.batches_sent() >= 8, "the hubs are uploading")
        victim = sorted(first)[0]
        os.kill(victim, signal.SIGKILL)
        statuses = drains.finish()
        wait_for(
            lambda: len(central.worker_pids()) == 2 and victim not in central.worker_pids(),
            "the supervisor started a new worker",
        )
        assert set(central.worker_pids()) != first
        assert [status for status, _ in refusals if status >= 500 and status != 503] == []
    assert_each_event_once(pg_database, hubs, statuses)
    for hub in hubs:
        hub.store.close()


def test_a_database_restart_mid_upload_is_answered_503_with_retry_after_and_loses_nothing(
    tmp_path: Path, hub_folder: Path
) -> None:
    # Its own cluster: the session's serves other tests, which must not see it go down.
    cluster = PgCluster(tempfile.mkdtemp(prefix="hallkit-pg-restart-")).start()
    try:
        url = cluster.database("central")
        with CentralProcess(tmp_path / "central", db=url, workers=2) as central:
            hubs, refusals = make_hubs(central, hub_folder, 3)
            drains = Drains(hubs)
            wait_for(lambda: drains.batches_sent() >= 6, "the hubs are uploading")
            cluster.stop()  # immediate: as a crash would
            probe = CentralClient(hubs[0].uplink.client.credential, timeout=30.0)  # type: ignore[union-attr]
            with pytest.raises(CentralRefused) as refused:
                probe.request("GET", f"{API_PREFIX}/halls/{hubs[0].hall}/status")
            assert refused.value.status == 503
            assert refused.value.retry_after is not None and refused.value.retry_after > 0
            cluster.start()
            statuses = drains.finish()
        assert [status for status, _ in refusals if status != 503] == []
        assert all(retry_after is not None for _, retry_after in refusals)
        assert_each_event_once(url, hubs, statuses)
        for hub in hubs:
            hub.store.close()
    finally:
        cluster.remove()


def test_a_nonce_used_with_one_central_process_is_refused_by_another(
    pg_database: str, tmp_path: Path
) -> None:
    with (
        CentralProcess(tmp_path / "a", db=pg_database) as first,
        CentralProcess(tmp_path / "b", db=pg_database) as second,
    ):
        checker = first.store()
        try:
            hall, code = checker.add_hall("重放测试大厅")
            enrolled = checker.enroll(code, "127.0.0.1")
        finally:
            checker.close()
        target = f"{API_PREFIX}/halls/{hall.id}/status"
        secret = Credential("", "", "", enrolled.key_id, enrolled.secret_b64).secret
        signed = sign_headers(secret, enrolled.key_id, "GET", target, b"", int(time.time()))
        assert requests.get(first.base_url + target, headers=signed, timeout=30).status_code == 200
        replayed = requests.get(second.base_url + target, headers=signed, timeout=30)
        assert replayed.status_code == 401
        assert replayed.json()["error"] == "replayed_nonce"
