"""Central on PostgreSQL at a district's or a province's scale, on this machine.

Each scenario runs a throwaway durable PostgreSQL cluster (``tests.pgcluster.PgCluster``,
``durable=True``: fsync and synchronous commit on) and ``hall central serve --db URL
--workers N`` as real processes on loopback; the simulated halls are light clients in this
process (``bench.central_load``). What central holds is counted in PostgreSQL at the end.

- intake: 1,000 halls upload at once in batches of the uplink's default size
  (``sync.batch_max_events`` = 1000); events acknowledged per second, sustained.
- storm: 5,000 halls come back at once, each with an hour's backlog (1,500 events): central
  answers only 200 or 429/503 with Retry-After, and every event lands exactly once; drain time.
- faults: the intake load while one central worker is killed (SIGKILL) and PostgreSQL is
  stopped as a crash would (``immediate``) and started again: every event exactly once.
"""

from __future__ import annotations

import base64
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.central_load import BodyMaker, Hall, LoadStats, run_halls
from bench.hubproc import process_cpu_seconds
from bench.report import Measure, Target
from sync.central.process import CentralProcess
from sync.central.store import CentralStore
from tests.pgcluster import PgCluster

INTAKE_TARGET = 30_000.0
BATCH = 1000
"""The hub uplink's default batch (config.schema.SyncSettings.batch_max_events)."""
WORKERS = 2
"""Central's worker processes: one per core (PostgreSQL and the clients share them)."""
HOUR_BACKLOG = 1500
"""An hour of a busy hall (~14,000 events a day)."""


@dataclass
class Scale:
    intake_halls: int
    intake_events: int
    intake_seconds: float
    storm_halls: int
    fault_halls: int
    fault_events: int


FULL = Scale(1000, 3 * BATCH, 60.0, 5000, 1000, 2 * BATCH)
QUICK = Scale(1000, BATCH, 15.0, 500, 200, 2 * BATCH)


def new_cluster() -> PgCluster:
    """A durable throwaway cluster in a fresh folder of the system's temp dir (as root, the
    ``postgres`` user must be able to enter its parent, which a private temp folder is not)."""
    return PgCluster(tempfile.mkdtemp(prefix="hallkit-bench-pg-"), durable=True).start()


def enroll_halls(url: str, count: int) -> list[Hall]:
    """``count`` halls registered and enrolled in central's database (as ``hall central
    add-hall`` and a hub's enrollment would), eight at a time."""
    store = CentralStore(url, pool_size=8)

    def one(index: int) -> Hall:
        hall, code = store.add_hall(f"基准大厅{index:05d}")
        enrolled = store.enroll(code, "127.0.0.1", f"hub-{index}")
        return Hall(hall.id, enrolled.key_id, base64.b64decode(enrolled.secret_b64))

    try:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(one, range(count)))
    finally:
        store.close()


def build_backlogs(halls: list[Hall], events_per_hall: int) -> int:
    """Give every hall a backlog of seqs 1..events_per_hall as pre-built gzip bodies of at
    most BATCH events; the number of events in all."""
    maker = BodyMaker()
    for index, hall in enumerate(halls):
        hall.bodies = []
        for first in range(1, events_per_hall + 1, BATCH):
            count = min(BATCH, events_per_hall - first + 1)
            body = maker.body(hall.id, f"{index:08x}", first, count, events_per_hall)
            hall.bodies.append((first + count - 1, body))
    return len(halls) * events_per_hall


@dataclass
class Held:
    events: int
    exact: int
    """Halls holding exactly seqs 1..n once, with acked_seq, held and max_seq all n."""
    duplicates: int


def count_held(url: str, expected: dict[str, int]) -> Held:
    """What central holds for each hall of ``expected`` (hall → n), counted in PostgreSQL."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT h.id, h.acked_seq, h.held, h.max_seq, COUNT(e.seq), COUNT(DISTINCT e.seq),"
            " COALESCE(MIN(e.seq), 1), COALESCE(MAX(e.seq), 0)"
            " FROM halls h LEFT JOIN events e ON e.hall = h.id GROUP BY h.id"
        ).fetchall()
    exact = events = duplicates = 0
    for hall, acked, held, max_seq, count, distinct, low, high in rows:
        if hall not in expected:
            continue
        events += count
        duplicates += count - distinct
        n = expected[hall]
        if {acked, held, max_seq, count, distinct, high} == {n} and low == 1:
            exact += 1
    return Held(events, exact, duplicates)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(part) for part in text.split()]


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _postgres_pids(cluster: PgCluster) -> list[int]:
    try:
        first = int((cluster.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return [first, *_children(first)]


class CpuMeter:
    """CPU seconds of central's workers, PostgreSQL's processes and this process, over a span
    (processes that start or end inside it count for what /proc shows at the ends)."""

    def __init__(self, central: CentralProcess, cluster: PgCluster) -> None:
        self.central, self.cluster = central, cluster
        self.started = self._sample()
        self.t0 = time.perf_counter()

    def _sample(self) -> dict[str, dict[int, float]]:
        def cpu(pids: list[int]) -> dict[int, float]:
            return {pid: process_cpu_seconds(pid) or 0.0 for pid in pids}

        return {
            "central": cpu(self.central.worker_pids()),
            "postgres": cpu(_postgres_pids(self.cluster)),
            "generator": {0: time.process_time()},
        }

    def cores(self) -> dict[str, float]:
        """Cores used per side since the meter started."""
        ended, elapsed = self._sample(), time.perf_counter() - self.t0
        used = {}
        for side, now in ended.items():
            before = self.started[side]
            used[side] = sum(v - before.get(pid, 0.0) for pid, v in now.items()) / elapsed
        return used


@contextmanager
def central_on_pg(halls_n: int, events: int, workers: int, work: Path) -> Iterator[_Run]:
    """A durable cluster, ``halls_n`` enrolled halls with their backlogs, central running."""
    cluster = new_cluster()
    try:
        url = cluster.database("central")
        print(f"   enrolling {halls_n} halls, building {halls_n * events} events …", flush=True)
        halls = enroll_halls(url, halls_n)
        build_backlogs(halls, events)
        with CentralProcess(work / f"central-{halls_n}", db=url, workers=workers) as central:
            _wait(lambda: len(central.worker_pids()) == workers)
            yield _Run(cluster, url, halls, central, events)
    finally:
        cluster.remove()


@dataclass
class _Run:
    cluster: PgCluster
    url: str
    halls: list[Hall]
    central: CentralProcess
    events: int

    def held(self) -> Held:
        return count_held(self.url, {hall.id: self.events for hall in self.halls})


def _wait(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("central's workers did not start")
        time.sleep(0.05)


def _sustained(stats: LoadStats, skip: float) -> tuple[float, int]:
    """Events acknowledged per second from ``skip`` s after the first acknowledgement to the
    last one: (rate, events in that span)."""
    if len(stats.timeline) < 2:
        return float("nan"), 0
    begin = stats.timeline[0][0] + skip
    points = [p for p in stats.timeline if p[0] >= begin] or stats.timeline
    (t0, e0), (t1, e1) = points[0], points[-1]
    return ((e1 - e0) / (t1 - t0) if t1 > t0 else float("nan")), e1 - e0


def _statuses(stats: LoadStats) -> str:
    shown = ", ".join(f"{code}×{n}" for code, n in sorted(stats.statuses.items()))
    kinds = ", ".join(f"{kind}×{n}" for kind, n in sorted(stats.lost_kinds.items()))
    return f"answers {shown}; connections lost {stats.lost_connections}" + (
        f" ({kinds})" if kinds else ""
    )


def intake(scale: Scale, work: Path, workers: int = WORKERS) -> list[Measure]:
    """Sustained intake of ``scale.intake_halls`` halls uploading at once."""
    with central_on_pg(scale.intake_halls, scale.intake_events, workers, work) as run:
        meter = CpuMeter(run.central, run.cluster)
        stats = run_halls(run.halls, run.central.port, seconds=scale.intake_seconds, ramp=2.0)
        cores = meter.cores()
        held = count_held(run.url, {hall.id: hall.acked for hall in run.halls})
    rate, events = _sustained(stats, 5.0)
    group = "central on PostgreSQL: intake"
    note = (
        f"{scale.intake_halls} halls uploading at once for {scale.intake_seconds:.0f} s, batches"
        f" of {BATCH} ticket.issued events (gzip, signed), {workers} central workers, durable"
        f" PostgreSQL; rate over the run after its first 5 s; {_statuses(stats)};"
        f" {held.exact}/{scale.intake_halls} halls hold exactly what was acknowledged,"
        f" {held.duplicates} duplicates"
    )
    return [
        Measure(
            group,
            "events per second (sustained)",
            rate,
            "events/s",
            events,
            Target(at_least=INTAKE_TARGET),
            note=note,
        ),
        Measure(group, "CPU: central's workers", cores["central"], "cores", 1, note=note),
        Measure(group, "CPU: PostgreSQL", cores["postgres"], "cores", 1, note=note),
        Measure(group, "CPU: load generator", cores["generator"], "cores", 1, note=note),
        Measure(
            group,
            "halls not exact or duplicates",
            float(scale.intake_halls - held.exact + held.duplicates),
            "",
            scale.intake_halls,
            Target(at_most=0),
            note=note,
        ),
    ]


def storm(scale: Scale, work: Path, workers: int = WORKERS) -> list[Measure]:
    """All halls back at once, each with an hour's backlog; drained to the last event."""
    halls_n = scale.storm_halls
    with central_on_pg(halls_n, HOUR_BACKLOG, workers, work) as run:
        before = set(run.central.worker_pids())
        meter = CpuMeter(run.central, run.cluster)
        started = time.perf_counter()
        stats = run_halls(run.halls, run.central.port, ramp=0.0)
        drained = time.perf_counter() - started
        cores = meter.cores()
        alive = _running(run.central.pid)
        restarted = set(run.central.worker_pids()) != before
        held = run.held()
    total = halls_n * HOUR_BACKLOG
    bad = halls_n - held.exact + held.duplicates + stats.retry_after_missing
    bad += 0 if alive and not restarted else 1
    group = "central on PostgreSQL: reconnect storm"
    note = (
        f"{halls_n} halls connect at the same instant, each with {HOUR_BACKLOG} events (batches"
        f" of {BATCH} and {HOUR_BACKLOG - BATCH}); {workers} workers; {_statuses(stats)};"
        f" refusals without Retry-After {stats.retry_after_missing}; central up throughout:"
        f" {alive and not restarted}; {held.exact}/{halls_n} halls exact, {held.duplicates}"
        f" duplicates, {held.events} events held of {total}"
    )
    return [
        Measure(group, "time to drain", drained, "s", total, note=note),
        Measure(group, "events per second (drain)", total / drained, "events/s", total, note=note),
        Measure(group, "CPU: central's workers", cores["central"], "cores", 1, note=note),
        Measure(group, "CPU: PostgreSQL", cores["postgres"], "cores", 1, note=note),
        Measure(group, "CPU: load generator", cores["generator"], "cores", 1, note=note),
        Measure(
            group,
            "lost, twice, no Retry-After or central down",
            float(bad),
            "",
            halls_n,
            Target(at_most=0),
            note=note,
        ),
    ]


def faults(scale: Scale, work: Path, workers: int = WORKERS) -> list[Measure]:
    """The intake load while a worker is killed and PostgreSQL crashes and restarts."""
    halls_n, per_hall = scale.fault_halls, scale.fault_events
    total = halls_n * per_hall
    with central_on_pg(halls_n, per_hall, workers, work) as run:
        stats = LoadStats()
        done: list[str] = []

        def inject() -> None:
            while stats.acked_events < total // 3:
                time.sleep(0.05)
            victim = run.central.worker_pids()[0]
            os.kill(victim, signal.SIGKILL)
            done.append(f"worker {victim} killed at {stats.acked_events} events")
            while stats.acked_events < 2 * total // 3:
                time.sleep(0.05)
            at = stats.acked_events
            run.cluster.restart("immediate")
            done.append(f"PostgreSQL restarted (immediate) at {at} events")

        injector = threading.Thread(target=inject, daemon=True)
        injector.start()
        started = time.perf_counter()
        run_halls(run.halls, run.central.port, ramp=2.0, stats=stats)
        drained = time.perf_counter() - started
        injector.join(120)
        replaced = len(run.central.worker_pids()) == workers
        held = run.held()
    group = "central on PostgreSQL: kill -9 and database restart during intake"
    note = (
        f"{halls_n} halls × {per_hall} events, {workers} workers; {'; '.join(done)};"
        f" killed worker replaced: {replaced}; {_statuses(stats)}; {held.exact}/{halls_n} halls"
        f" exact, {held.duplicates} duplicates, {held.events} events held of {total}"
    )
    bad = halls_n - held.exact + held.duplicates + (0 if len(done) == 2 and replaced else 1)
    return [
        Measure(group, "time to store every event", drained, "s", total, note=note),
        Measure(group, "lost or twice", float(bad), "", halls_n, Target(at_most=0), note=note),
    ]


def run(quick: bool, work: Path, only: str = "isf") -> list[Measure]:
    """The scenarios named in ``only`` (i: intake, s: storm, f: faults) at full or quick scale."""
    scale = QUICK if quick else FULL
    measures: list[Measure] = []
    if "i" in only:
        print(f"   intake: {scale.intake_halls} halls for {scale.intake_seconds:.0f} s …")
        measures += intake(scale, work)
    if "s" in only:
        print(f"   reconnect storm: {scale.storm_halls} halls × {HOUR_BACKLOG} events …")
        measures += storm(scale, work)
    if "f" in only:
        print(f"   kill -9 and PostgreSQL restart: {scale.fault_halls} halls …")
        measures += faults(scale, work)
    return measures


if __name__ == "__main__":
    import sys

    from bench.report import print_measures

    with tempfile.TemporaryDirectory(prefix="central-pg-") as temp:
        chosen = sys.argv[1] if len(sys.argv) > 1 else "isf"
        print_measures(run("--full" not in sys.argv, Path(temp), chosen))
