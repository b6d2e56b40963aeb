"""What the uplink fault tests share: a real central process, an enrolled hub process, hall
traffic over the hub's LAN API, waiting for the drain, and the audit of both stores.

The audit reads both SQLite files directly (read-only), not through either program's code:
every event the hub committed must be on central exactly once, with the hub's event id, the
``seq`` contiguous from 1, central's applied count equal to the number of distinct events, and
both files must pass ``integrity_check``.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.sample import sample_hall_data
from hall.hubprocess import HubProcess
from hub.client import HubClient, HubRefused, HubUnavailable
from sync.central.process import CentralProcess
from sync.credential import load_credential
from sync.enroll import enroll
from tests.timing import PATIENCE

UNCAPPED = ("A", "B", "C")

SYNC_FOR_TESTS = {
    "backoff_cap_seconds": 2,  # a test cannot wait the production 5 minutes
    "heartbeat_seconds": 5,
    "batch_max_events": 100,  # many batches, so the faults meet many of them
}


def write_config(path: Path, **sync: Any) -> Path:
    """The sample hall with the sync settings above (and ``sync``) as TOML; counters call
    without signing a clerk in (these tests are about the sync, not about sign-in)."""
    import tomli_w

    data = sample_hall_data()
    data["sync"] = {**SYNC_FOR_TESTS, **sync}
    data["service"] = {**data.get("service", {}), "require_sign_in": False}
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def enrolled_hub(
    tmp: Path, central: CentralProcess, central_url: str | None = None
) -> tuple[HubProcess, str]:
    """A hub data folder enrolled with ``central`` (which must be running); returns the hub
    process (not started) and the hall id. ``central_url`` replaces the address the hub
    will use afterwards (a proxy in front of central)."""
    hall, code = central.add_hall("故障测试便民服务中心")
    data = tmp / "hub"
    credential = enroll(central.base_url, code, data, "hub-faults")
    if central_url is not None:
        from dataclasses import replace

        replace(credential, central_url=central_url).save(data)
    assert load_credential(data) is not None
    hub = HubProcess(data, write_config(tmp / "hall.toml"), log_path=tmp / "hub.log")
    return hub, hall


def tokens(hub: HubProcess, kiosks: int, windows: list[int]) -> tuple[list[str], dict[int, str]]:
    admin = hub.client()
    try:
        kiosk = [admin.add_device("kiosk", f"kiosk-{i}")["token"] for i in range(kiosks)]
        counters = {w: admin.add_device("counter", f"c{w}", w)["token"] for w in windows}
    finally:
        admin.close()
    return kiosk, counters


@dataclass
class Traffic:
    """Kiosks issuing and counters serving and rating over HTTP until :meth:`stop`.

    Survives the hub going away (kill -9) and coming back; counts what the hub answered.
    """

    url: Callable[[], str]
    kiosks: list[str]
    counters: dict[int, str]
    pause: float = 0.0  # seconds between one kiosk's tickets
    issued: list[str] = field(default_factory=list)  # ticket ids the hub answered for
    rated: int = 0
    unexpected: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Traffic:
        self._threads = [
            threading.Thread(target=self._kiosk, args=(t,), daemon=True) for t in self.kiosks
        ] + [
            threading.Thread(target=self._counter, args=(w, t), daemon=True)
            for w, t in self.counters.items()
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(PATIENCE)
            if thread.is_alive():
                raise AssertionError("a traffic thread hung")

    def _client(self, token: str) -> HubClient:
        return HubClient(self.url(), token, timeout=5.0)

    def _kiosk(self, token: str) -> None:
        rng = random.Random()
        client, url = self._client(token), self.url()
        while not self._stop.is_set():
            if self.url() != url:  # the hub came back on another port
                client.close()
                client, url = self._client(token), self.url()
            try:
                self.issued.append(client.issue_ticket(category=rng.choice(UNCAPPED)).id)
            except HubUnavailable:
                time.sleep(0.05)
            except HubRefused as err:
                self.unexpected.append(f"issue: {err.status} {err.code}")
            self._stop.wait(self.pause)
        client.close()

    def _counter(self, window: int, token: str) -> None:
        rng = random.Random()
        client, url = self._client(token), self.url()
        while not self._stop.is_set():
            if self.url() != url:
                client.close()
                client, url = self._client(token), self.url()
            try:
                if client.call_next(window) is None:
                    self._stop.wait(0.02)
                    continue
                client.finish(window)
                level = rng.randint(1, 5)
                client.rate(window, level, "等候时间长" if level >= 4 else None)
                self.rated += 1
            except HubUnavailable:
                time.sleep(0.05)
            except HubRefused as err:
                if err.code == "window_busy":  # a call committed just before a kill
                    try:
                        client.finish(window)
                    except (HubUnavailable, HubRefused):
                        time.sleep(0.05)
                elif err.code not in ("no_rating_pending", "rating_expired"):
                    self.unexpected.append(f"window {window}: {err.status} {err.code}")
        client.close()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)


def hub_marks(data: Path) -> tuple[int, int]:
    """(acked_seq, last_seq) from the hub's store."""
    with closing(_read_only(data / "hub.db")) as db:
        acked = int(db.execute("SELECT value FROM sync_state WHERE key='acked_seq'").fetchone()[0])
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name='outbox'").fetchone()
    return acked, int(row[0]) if row else 0


def sync_status(hub: HubProcess) -> dict[str, Any]:
    """The hub's ``GET /api/v1/sync`` answer."""
    client = hub.client()
    try:
        return client.request("GET", "/sync")
    finally:
        client.close()


def resent_batches(central_data: Path) -> int:
    """Batches central received more than once (the same Idempotency-Key)."""
    with closing(_read_only(central_data / "central.db")) as db:
        return int(
            db.execute("SELECT COUNT(*) FROM idempotency_keys WHERE times > 1").fetchone()[0]
        )


def wait_drained(data: Path, seconds: float = PATIENCE) -> tuple[int, int]:
    """Wait until central has acknowledged every event the hub holds; returns the marks."""
    deadline = time.monotonic() + seconds
    marks = hub_marks(data)
    while time.monotonic() < deadline:
        marks = hub_marks(data)
        if marks[0] == marks[1] > 0:
            return marks
        time.sleep(0.2)
    raise AssertionError(f"not drained in {seconds} s: acked {marks[0]} of {marks[1]}")


@dataclass(frozen=True)
class Audit:
    events: int
    applied: int
    types: dict[str, int]


def audit(hub_data: Path, central_data: Path, hall: str) -> Audit:
    """Check every event the hub committed is on central exactly once (see the module doc)."""
    with closing(_read_only(hub_data / "hub.db")) as hub_db:
        assert [r[0] for r in hub_db.execute("PRAGMA integrity_check")] == ["ok"]
        ours = hub_db.execute("SELECT seq, event_id FROM outbox ORDER BY seq").fetchall()
    with closing(_read_only(central_data / "central.db")) as central_db:
        assert [r[0] for r in central_db.execute("PRAGMA integrity_check")] == ["ok"]
        theirs = central_db.execute(
            "SELECT seq, event_id, status, reason FROM events WHERE hall = ? ORDER BY seq", (hall,)
        ).fetchall()
        applied, held, rejected, conflicts, acked = central_db.execute(
            "SELECT applied, held, rejected, conflicts, acked_seq FROM halls WHERE id = ?", (hall,)
        ).fetchone()
        types = dict(
            central_db.execute("SELECT type, count FROM applied_counts WHERE hall = ?", (hall,))
        )
    seqs = [seq for seq, _ in ours]
    assert seqs == list(range(1, len(seqs) + 1)), "the hub's outbox seq has a gap"
    assert [(s, e) for s, e, _, _ in theirs] == ours, "central's events differ from the hub's"
    bad = [(s, reason) for s, _, status, reason in theirs if status != "applied"]
    assert not bad, f"central rejected events: {bad[:5]}"
    assert len({e for _, e in ours}) == len(ours)
    assert applied == held == acked == len(ours) == sum(types.values())
    assert rejected == conflicts == 0
    return Audit(len(ours), applied, types)
