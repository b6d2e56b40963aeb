"""Sync catch-up: a hub back online after three busy days drains its backlog to a real central
on loopback, while kiosks keep issuing tickets over HTTP.

The backlog is written straight into the hub's outbox in big transactions (minutes of engine
work otherwise), as copies of one real citizen's events from the queue engine (ticket issued,
called, window status, finished, rating requested, window status, rating recorded), each copy
with its own ticket id, number, rating and event ids, so sizes and the rating mix are the
engine's own. Then a reference central process (``hall central serve``) and the hub process
(``hall hub``, enrolled) start; the drain is timed from the hub's spawn until central
acknowledges the whole backlog, and 4 kiosks issue 20 tickets/s all the while.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.hubproc import HubProcess, percentile, sleep_until
from bench.report import Measure, Target
from config import sample_hall
from hub.client import HubClient
from hub.engine import QueueEngine
from hub.errors import HubError
from hub.tables import ALL_MIGRATIONS
from sync.central.process import CentralProcess
from sync.clock import SystemClock
from sync.enroll import enroll
from sync.store import Store

DRAIN_TARGET_S = 60.0
ISSUE_P99_MS = 50.0
FULL_BACKLOG = 250_000
QUICK_BACKLOG = 20_000
ISSUE_RATE = 20.0
KIOSKS = 4
CATEGORIES = ("A", "B", "C")
TX_EVENTS = 10_000


@dataclass(frozen=True)
class _Template:
    type: str
    payload: str  # JSON as the outbox stores it


def _citizen_templates(folder: Path) -> tuple[list[_Template], dict[str, str]]:
    """One citizen's events from the real engine, and the ids in them to replace per copy."""
    store = Store(folder / "template.db", ALL_MIGRATIONS)
    try:
        engine = QueueEngine(store, sample_hall(), SystemClock(), b"t" * 32, enforce_hours=False)
        engine.sign_in(1, "1001", "2580")  # the sample hall calls only with a clerk signed in
        signed_in = engine.last_seq()
        ticket = engine.issue_ticket(category="A")
        engine.call_next(1)
        engine.finish(1)
        rating = engine.rate(1, 4, "等候时间长")
        rows = store.db.execute(
            "SELECT type, payload FROM outbox WHERE seq > ? ORDER BY seq", (signed_in,)
        ).fetchall()
    finally:
        store.close()
    ids = {"ticket": ticket.id, "number": ticket.number, "rating": rating.id}
    return [_Template(r[0], r[1]) for r in rows], ids


def write_backlog(data_dir: Path, events: int, days: float = 3.0) -> int:
    """Write about ``events`` outbox events (whole citizens) into the hub store in
    ``data_dir``, stamped over the last ``days`` days; returns the last seq."""
    data_dir.mkdir(parents=True, exist_ok=True)
    templates, ids = _citizen_templates(data_dir)
    (data_dir / "template.db").unlink()
    for suffix in ("-wal", "-shm"):
        (data_dir / f"template.db{suffix}").unlink(missing_ok=True)
    store = Store(data_dir / "hub.db", ALL_MIGRATIONS)
    citizens = max(1, events // len(templates))
    start = datetime.now(UTC) - timedelta(days=days)
    step = timedelta(days=days) / (citizens * len(templates))
    boot = "bench-backlog"
    rows: list[tuple[object, ...]] = []
    moment = start
    try:
        for n in range(citizens):
            number = f"{CATEGORIES[n % 3]}{n % 999 + 1:03d}"
            ticket, rating = str(uuid.uuid4()), str(uuid.uuid4())
            for template in templates:
                payload = (
                    template.payload.replace(ids["ticket"], ticket)
                    .replace(ids["rating"], rating)
                    .replace(f'"{ids["number"]}"', f'"{number}"')
                )
                moment += step
                rows.append(
                    (str(uuid.uuid4()), template.type, 1, payload,
                     moment.isoformat(timespec="milliseconds"), 0, boot, 1)
                )  # fmt: skip
            if len(rows) >= TX_EVENTS or n == citizens - 1:
                with store.write() as db:
                    db.conn.executemany(
                        "INSERT INTO outbox (event_id, type, schema_version, payload, wall_time,"
                        " mono_ns, boot_id, clock_trusted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                rows.clear()
        return int(
            store.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()[0]
        )
    finally:
        store.close()


def _acked(client: HubClient) -> int:
    return int(client.request("GET", "/sync")["acked_seq"])


def run(quick: bool, work: Path) -> list[Measure]:
    """Build the backlog, start central and the hub, time the drain and the issue latency."""
    size = QUICK_BACKLOG if quick else FULL_BACKLOG
    group = "d) sync catch-up"
    with tempfile.TemporaryDirectory(prefix="sync-drain-", dir=work) as folder:
        root = Path(folder)
        central = CentralProcess(root / "central").start()
        try:
            hall, code = central.add_hall("基准测试便民服务中心")
            data = root / "hub-drain"
            enroll(central.base_url, code, data, "bench-hub")
            built = time.perf_counter()
            backlog = write_backlog(data, size)
            build_s = time.perf_counter() - built
            hub = HubProcess(data)
            spawned = time.perf_counter()
            hub.start()
            try:
                measures = _measure(hub, backlog, spawned, group)
            finally:
                hub.stop()
            check = central.store()
            try:
                held = check.hall(hall).acked_seq
            finally:
                check.close()
            if held < backlog:  # the hub's mark comes from central; this checks central's side
                raise RuntimeError(f"central holds {held} of the {backlog} backlog events")
        finally:
            central.stop()
    note = (
        f"{backlog} events ({backlog // 7} citizens × 7 events over 3 days) written in "
        f"{build_s:.0f} s; batches of ≤ 1000 events / 1 MiB, gzip; central and hub are "
        "separate processes on loopback; time from the hub's spawn (store check included)"
    )
    return [Measure(m.group, m.name, m.value, m.unit, m.samples, m.target, m.note or note)
            for m in measures]  # fmt: skip


def _measure(hub: HubProcess, backlog: int, spawned: float, group: str) -> list[Measure]:
    admin = hub.client()
    tokens = [admin.add_device("kiosk", f"drain-kiosk-{i}")["token"] for i in range(KIOSKS)]
    drained = threading.Event()
    finished_at: list[float] = []
    cpu_start = hub.cpu_seconds()

    def watch() -> None:
        probe = hub.client()
        deadline = time.perf_counter() + 600
        try:
            while time.perf_counter() < deadline:
                if _acked(probe) >= backlog:
                    finished_at.append(time.perf_counter())
                    break
                time.sleep(0.05)
        finally:
            probe.close()
            drained.set()

    latencies: list[float] = []
    errors: list[str] = []
    step = 1.0 / ISSUE_RATE
    begin = time.perf_counter() + 0.2

    def kiosk(index: int, token: str) -> None:
        client = HubClient(hub.base_url, token, timeout=10.0)
        client.health()
        n = 0
        try:
            while not drained.is_set():
                due = begin + index * step + n * KIOSKS * step
                sleep_until(due)
                if drained.is_set():
                    break
                try:
                    client.issue_ticket(category=CATEGORIES[(index + n) % 3])
                except HubError as err:
                    errors.append(repr(err))
                else:
                    latencies.append(time.perf_counter() - due)
                n += 1
        finally:
            client.close()

    threads = [threading.Thread(target=watch)]
    threads += [threading.Thread(target=kiosk, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_end = hub.cpu_seconds()
    status = admin.request("GET", "/sync")
    admin.close()
    seconds = finished_at[0] - spawned if finished_at else float("nan")
    ms = [s * 1000 for s in latencies]
    issue_note = f"{KIOSKS} kiosks at {ISSUE_RATE:g}/s during the drain, {len(errors)} errors"
    measures = [
        Measure(group, f"catch-up of {backlog} events", seconds, "s", backlog,
                Target(at_most=DRAIN_TARGET_S)),
        Measure(group, "drain rate", backlog / seconds, "events/s", backlog),
        Measure(group, "batches sent", float(status["sent_batches"]), "batches", backlog),
        Measure(group, "issue latency p50 during the drain", percentile(ms, 50), "ms", len(ms),
                note=issue_note),
        Measure(group, "issue latency p99 during the drain", percentile(ms, 99), "ms", len(ms),
                Target(at_most=ISSUE_P99_MS), issue_note),
        Measure(group, "issue latency max during the drain", max(ms, default=float("nan")),
                "ms", len(ms), note=issue_note),
    ]  # fmt: skip
    if cpu_start is not None and cpu_end is not None and finished_at:
        busy = (cpu_end - cpu_start) / max(1e-6, finished_at[0] - spawned)
        measures.append(Measure(group, "hub process CPU during the drain", busy, "cores", backlog))
    return measures


if __name__ == "__main__":
    import argparse
    import sys

    from bench.report import print_measures

    parser = argparse.ArgumentParser(description="the sync catch-up benchmark alone")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_BACKLOG} events")
    args = parser.parse_args()
    found = run(args.quick, Path(tempfile.gettempdir()))
    print_measures(found)
    sys.exit(1 if any(m.verdict == "FAIL" for m in found) else 0)
