"""Issuing tickets: latency at a hall's peak rate, saturation over HTTP, and the engine alone."""

from __future__ import annotations

import multiprocessing
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

from bench.hubproc import HubProcess, percentile, sleep_until
from bench.report import Measure, Target
from config import sample_hall
from hub.client import HubClient
from hub.engine import QueueEngine
from hub.errors import HubError
from hub.tables import ALL_MIGRATIONS
from sync.clock import SystemClock
from sync.store import Store

CATEGORIES = ("A", "B", "C")
"""Sample-hall categories without a daily cap, taken in turn so no queue grows alone."""

ISSUE_P99_MS = 20.0
SATURATION_PER_S = 500.0


def _kiosk_tokens(hub: HubProcess, count: int, prefix: str) -> list[str]:
    admin = hub.client()
    try:
        return [admin.add_device("kiosk", f"{prefix}-{i}")["token"] for i in range(count)]
    finally:
        admin.close()


# -- a) latency at the offered load ----------------------------------------------------------


def issue_latency(
    hub: HubProcess, seconds: float, rate: float = 20.0, kiosks: int = 4
) -> list[Measure]:
    """Open loop: ``kiosks`` threads, each on its own keep-alive connection, together offering
    ``rate`` tickets per second at evenly staggered instants. A latency runs from the instant
    the request was due (not when it was sent), so a late client cannot hide queueing."""
    tokens = _kiosk_tokens(hub, kiosks, "latency-kiosk")
    latencies: list[float] = []
    errors: list[str] = []
    step = 1.0 / rate
    period = kiosks * step
    start = time.perf_counter() + 0.5
    end = start + seconds

    def kiosk(index: int, token: str) -> None:
        client = HubClient(hub.base_url, token, timeout=10.0)
        client.health()  # open the keep-alive connection before the clock starts
        n = 0
        try:
            while (due := start + index * step + n * period) < end:
                sleep_until(due)
                try:
                    client.issue_ticket(category=CATEGORIES[(index + n) % len(CATEGORIES)])
                except HubError as err:
                    errors.append(repr(err))
                else:
                    latencies.append(time.perf_counter() - due)
                n += 1
        finally:
            client.close()

    threads = [threading.Thread(target=kiosk, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ms = [s * 1000 for s in latencies]
    group = f"a) issue at {rate:g}/s"
    note = f"{kiosks} kiosks, {seconds:g} s, {len(errors)} errors"
    return [
        Measure(group, "issue latency p50", percentile(ms, 50), "ms", len(ms), note=note),
        Measure(
            group,
            "issue latency p99",
            percentile(ms, 99),
            "ms",
            len(ms),
            Target(at_most=ISSUE_P99_MS),
            note,
        ),
        Measure(group, "issue latency max", max(ms, default=float("nan")), "ms", len(ms)),
    ]


# -- b) saturation over HTTP -----------------------------------------------------------------


def _closed_loop(
    base_url: str, token: str, go: EventType, warmup: float, seconds: float, out: Any
) -> None:
    """One client process: issue back to back; count the answers inside the measured span."""
    client = HubClient(base_url, token, timeout=10.0)
    client.health()
    go.wait()
    cpu = time.process_time()
    begin = time.perf_counter() + warmup
    end = begin + seconds
    counted = errors = issued = 0
    while (now := time.perf_counter()) < end:
        try:
            client.issue_ticket(category=CATEGORIES[issued % len(CATEGORIES)])
        except HubError:
            errors += 1
        else:
            issued += 1
            counted += now >= begin
    out.put((counted, issued, errors, time.process_time() - cpu))
    client.close()


@dataclass(frozen=True)
class Saturation:
    """What the HTTP saturation run found, and how many tickets the store held around it."""

    measures: list[Measure]
    issued_before: int
    """Tickets issued during the warm-up, before the measured span."""
    issued_in_span: int
    seconds: float

    @property
    def throughput(self) -> float:
        return self.issued_in_span / self.seconds


def median_saturation(work: Path, seconds: float, clients: int = 4, repeats: int = 3) -> Saturation:
    """Run :func:`saturation` ``repeats`` times, each on a fresh hub, and keep the median run;
    its throughput row's note lists every run's rate (loaded machines vary run to run)."""
    runs = []
    for n in range(repeats):
        with HubProcess(work / f"hub-saturation-{n + 1}") as hub:
            runs.append(saturation(hub, seconds, clients))
    runs.sort(key=lambda r: r.throughput)
    middle = runs[len(runs) // 2]
    if repeats == 1:
        return middle
    rates = ", ".join(f"{r.throughput:.0f}" for r in runs)
    head, *rest = middle.measures
    head = replace(head, note=f"{head.note}; median of {repeats} runs ({rates} tickets/s)")
    return replace(middle, measures=[head, *rest])


def saturation(hub: HubProcess, seconds: float, clients: int = 4) -> Saturation:
    """Closed loop from ``clients`` processes (so no client GIL caps the rate) for ``seconds``
    after a one-second warm-up; also the hub process's CPU time over the same span."""
    warmup = 1.0
    tokens = _kiosk_tokens(hub, clients, "saturation-kiosk")
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    out = ctx.Queue()
    workers = [
        ctx.Process(target=_closed_loop, args=(hub.base_url, t, go, warmup, seconds, out))
        for t in tokens
    ]
    for worker in workers:
        worker.start()
    time.sleep(1.5)  # let the workers import and connect
    go.set()
    time.sleep(warmup)
    cpu_before = hub.cpu_seconds()
    time.sleep(seconds)
    cpu_after = hub.cpu_seconds()
    results = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
    counted = sum(r[0] for r in results)
    issued = sum(r[1] for r in results)
    errors = sum(r[2] for r in results)
    client_cpu = sum(r[3] for r in results)
    group = "b) saturation"
    note = f"{clients} client processes, {seconds:g} s, {errors} errors, {issued} tickets in all"
    measures = [
        Measure(
            group,
            "HTTP issue throughput",
            counted / seconds,
            "tickets/s",
            counted,
            Target(at_least=SATURATION_PER_S),
            note,
        ),
    ]
    if cpu_before is not None and cpu_after is not None:
        used = cpu_after - cpu_before
        measures += [
            Measure(group, "hub process CPU (cores busy)", used / seconds, "cores", counted),
            Measure(group, "hub CPU per ticket", used / max(counted, 1) * 1000, "ms", counted),
        ]
    measures.append(
        Measure(
            group,
            "client processes CPU (cores busy)",
            client_cpu / (seconds + warmup),
            "cores",
            counted,
        )
    )
    return Saturation(measures, issued - counted, counted, seconds)


def _settings(store: Store) -> str:
    journal = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    level = store.db.execute("PRAGMA synchronous").fetchone()[0]
    sync_mode = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(level, str(level))
    return f"journal_mode={journal}, synchronous={sync_mode}"


def store_settings(data_root: Path) -> str:
    """The SQLite settings the hub's :class:`Store` opens its file with."""
    with tempfile.TemporaryDirectory(dir=data_root) as folder:
        store = Store(Path(folder) / "hub.db", ALL_MIGRATIONS)
        try:
            return _settings(store)
        finally:
            store.close()


# -- b') the engine alone, in process --------------------------------------------------------


def engine_alone(skip: int, count: int, data_root: Path) -> list[Measure]:
    """``QueueEngine.issue_ticket`` in one thread on a fresh temp-file store, no HTTP: the
    first ``skip`` tickets untimed, then ``count`` timed ones (the HTTP run's span, so both
    work on a store of the same size: issuing gets slower as the day's tickets pile up)."""
    with tempfile.TemporaryDirectory(dir=data_root) as folder:
        store = Store(Path(folder) / "hub.db", ALL_MIGRATIONS)
        settings = _settings(store)
        engine = QueueEngine(
            store,
            sample_hall(),
            SystemClock(),
            b"bench-secret-" + b"0" * 32,
            enforce_hours=False,
        )
        latencies: list[float] = []
        cpu = 0.0
        for n in range(skip + count):
            if n == skip:
                cpu = time.process_time()
            t0 = time.perf_counter()
            engine.issue_ticket(category=CATEGORIES[n % len(CATEGORIES)])
            latencies.append(time.perf_counter() - t0)
        cpu = time.process_time() - cpu
        store.close()
    span = [s * 1000 for s in latencies[skip:]]
    first = latencies[:1000]
    group = "b) saturation"
    note = f"{settings}, one thread, tickets {skip + 1}–{skip + count} of the day"
    return [
        Measure(
            group,
            "engine alone throughput (same tickets)",
            len(span) / sum(span) * 1000,
            "tickets/s",
            len(span),
            note=note,
        ),
        Measure(
            group,
            "engine alone CPU per ticket",
            cpu / max(count, 1) * 1000,
            "ms",
            len(span),
            note=note,
        ),
        Measure(group, "engine alone issue p50", percentile(span, 50), "ms", len(span), note=note),
        Measure(group, "engine alone issue p99", percentile(span, 99), "ms", len(span), note=note),
        Measure(
            group,
            "engine alone, first 1000 tickets of a day",
            len(first) / sum(first),
            "tickets/s",
            len(first),
            note="a fresh store, as at a hall's opening",
        ),
    ]
