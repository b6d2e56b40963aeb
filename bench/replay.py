"""k) Replay storm: 100 clients replay a big outbox from the start while kiosks issue tickets.

The hub's store holds a backlog of real engine events (31,000 in a full run, as in issue 15's
report; :func:`bench.sync_drain.write_backlog`), and the hub is not enrolled, so none of it goes
away. 100 event-stream clients, each with its own display token (as 100 TVs would have), open
``GET /api/v1/events?since=0`` at once; each reads until it has the backlog's last event, checks
it got every event once and in order, closes and starts again from 0, so the storm lasts the
whole run. Meanwhile 4 kiosks issue 20 tickets/s (:func:`bench.issue.issue_latency`). The
clients run in 4 processes of 25 threads and only count bytes, so that they take as little of
the machine's CPU from the hub as they can.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import issue
from bench.hubproc import HubProcess, percentile
from bench.report import Measure, Target
from bench.sync_drain import write_backlog

FULL_EVENTS = 31_000
QUICK_EVENTS = 5_000
CLIENTS = 100
PROCESSES = 4
ISSUE_P99_MS = 50.0
STORM_START_S = 0.5
"""Seconds between the clients' start and the first measured ticket: the storm is on by then."""
IDS = re.compile(rb"\nid: (\d+)\n")


def _replay_once(host: str, port: int, token: str, last: int) -> tuple[float, int, str]:
    """One replay from seq 0 to ``last``: (seconds, events, problem or "")."""
    began = time.perf_counter()
    expected = 1
    events = 0
    tail = b"\n"
    with socket.create_connection((host, port), timeout=120) as sock:
        sock.sendall(
            f"GET /api/v1/events?since=0&token={token} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
        status = head.split(b" ", 2)[1]
        if status != b"200":
            return time.perf_counter() - began, 0, f"HTTP {status.decode()}"
        data = head.split(b"\r\n\r\n", 1)[1]
        while True:
            window = tail + data
            cut = window.rfind(b"\n\n")
            for match in IDS.finditer(window, 0, cut + 2 if cut >= 0 else 0):
                seq = int(match.group(1))
                if seq != expected:
                    return time.perf_counter() - began, events, f"seq {seq} after {expected - 1}"
                expected += 1
                events += 1
            tail = window[cut + 1 :] if cut >= 0 else window
            if expected > last:
                return time.perf_counter() - began, events, ""
            data = sock.recv(262144)
            if not data:
                return time.perf_counter() - began, events, "stream ended early"


def _clients(
    base_url: str, tokens: list[str], last: int, ready: Any, go: Any, stop: Any, out: Any
) -> None:
    """One client process: a thread per token, each replaying from 0 again and again (each
    thread says ``ready`` first, then waits for ``go``)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    def client(token: str) -> None:
        ready.put(token)
        go.wait()
        while not stop.is_set():
            try:
                out.put(_replay_once(host, port, token, last))
            except OSError as err:
                out.put((0.0, 0, repr(err)))

    threads = [threading.Thread(target=client, args=(t,), daemon=True) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(quick: bool, work: Path) -> list[Measure]:
    size = QUICK_EVENTS if quick else FULL_EVENTS
    seconds = 10 if quick else 30
    data = work / "hub-replay"
    last = write_backlog(data, size, days=1)
    hub = HubProcess(data)
    hub.start()
    try:
        return _measure(hub, last, seconds)
    finally:
        hub.stop()


def _measure(hub: HubProcess, last: int, seconds: float) -> list[Measure]:
    admin = hub.client()
    try:
        tokens = [admin.add_device("display", f"replay-tv-{n}")["token"] for n in range(CLIENTS)]
    finally:
        admin.close()
    ctx = multiprocessing.get_context("spawn")
    ready, go, stop, out = ctx.Queue(), ctx.Event(), ctx.Event(), ctx.Queue()
    share = CLIENTS // PROCESSES
    procs = [
        ctx.Process(
            target=_clients,
            args=(hub.base_url, tokens[n * share : (n + 1) * share], last, ready, go, stop, out),
        )
        for n in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    for _ in range(CLIENTS):  # every client thread started (spawning takes seconds) …
        ready.get(timeout=120)
    go.set()
    began = time.perf_counter()
    time.sleep(STORM_START_S)  # … and every replay under way before issue is measured
    try:
        issued = issue.issue_latency(hub, seconds)
    finally:
        stop.set()
    storm_s = time.perf_counter() - began
    results: list[tuple[float, int, str]] = []
    while any(p.is_alive() for p in procs) or not out.empty():
        try:
            results.append(out.get(timeout=1))
        except queue.Empty:
            continue
    for proc in procs:
        proc.join()
    streamed_s = time.perf_counter() - began  # the replays under way at the stop end first
    whole = [r for r in results if not r[2]]
    problems = [r[2] for r in results if r[2]]
    group = f"k) replay storm, {CLIENTS} clients"
    note = (
        f"outbox of {last:,} events; {CLIENTS} clients (own display token each) replaying"
        f" from 0 again and again while tickets were issued for {storm_s:.0f} s, then finishing"
        f" the replay under way ({streamed_s:.0f} s in all): {len(whole)} whole replays,"
        f" {len(problems)} problems{' (' + problems[0] + ')' if problems else ''}"
    )
    events = sum(r[1] for r in results)
    during = [
        replace(
            m,
            group=group,
            name=f"{m.name} (while {CLIENTS} clients replay)",
            target=Target(at_most=ISSUE_P99_MS) if m.name.endswith("p99") else None,
            note=note,
        )
        for m in issued
    ]
    replays = [r[0] for r in whole]
    return [
        *during,
        Measure(group, "whole replays", float(len(whole)), "replays", len(results)),
        Measure(group, "one whole replay p50", percentile(replays, 50), "s", len(whole)),
        Measure(group, "one whole replay max", max(replays, default=float("nan")), "s", len(whole)),
        Measure(group, "events streamed", events / streamed_s, "events/s", len(results)),
        Measure(
            group,
            "replays with a gap, repeat or early end",
            float(len(problems)),
            "replays",
            len(results),
            Target(at_most=0),
        ),
    ]
