"""Calling: from a counter's call-next to the ticket.called event reaching a board, 40 windows.

The board (an SSE client) runs in its own process so that the 40 counter threads cannot delay
its reading through the client's GIL. Both sides stamp with ``time.perf_counter``, which on
Linux is ``CLOCK_MONOTONIC`` and therefore the same clock in every process.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from bench.hubproc import HubProcess, percentile, sleep_until
from bench.report import Measure, Target
from config.sample import sample_hall_data
from hub.client import HubClient
from hub.errors import HubError
from hub.server import open_hub

WINDOWS = 40
CALL_TO_EVENT_P99_MS = 50.0


def write_forty_window_hall(path: Path) -> list[str]:
    """The sample hall with 40 windows, each serving three categories (every category is served
    by 13 or 14 windows) and no daily caps, so the preload is never refused; returns the codes."""
    data = sample_hall_data()
    # calling is measured, not who is signed in (the sample hall asks for a clerk's sign-in)
    data["service"] = {**data.get("service", {}), "require_sign_in": False}
    codes = [c["code"] for c in data["categories"]]
    for category in data["categories"]:
        category.pop("daily_cap", None)
    data["windows"] = [
        {
            "number": n,
            "name": "综合窗口",
            "categories": sorted({codes[(n - 1 + k) % len(codes)] for k in (0, 3, 6)}),
        }
        for n in range(1, WINDOWS + 1)
    ]
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return codes


def _prepare(
    data_dir: Path,
    config: Path,
    codes: list[str],
    tickets: int,
    issued: list[tuple[str, str]] | None = None,
) -> list[str]:
    """Preload waiting tickets and counter tokens through the engine, as the hub would open it;
    returns the counter tokens of windows 1..40. ``issued`` (if given) gets each ticket's id
    and phone page code, in issue order."""
    hub = open_hub(data_dir, config, always_open=True)
    try:
        for n in range(tickets):
            ticket = hub.engine.issue_ticket(category=codes[n % len(codes)])
            if issued is not None:
                issued.append((ticket.id, hub.engine.phone_links.code("ticket", ticket.id)))
        return [
            hub.registry.add("counter", f"bench-counter-{w}", w)[1] for w in range(1, WINDOWS + 1)
        ]
    finally:
        hub.store.close()


def _board(base_url: str, token: str, after: int, out: Any) -> None:
    """The SSE client: stamp every ticket.called event on arrival (separate process)."""
    client = HubClient(base_url, token)
    for event in client.events(last_event_id=after, read_timeout=120):
        if event.type == "ticket.called":
            out.put((str(event.payload["ticket"]["id"]), time.perf_counter()))


@dataclass
class CounterRun:
    """What the calling counters did: call-next send instants by ticket id (perf_counter), HTTP
    answer times (s), errors, and the windows whose call found nobody."""

    sent: dict[str, float] = field(default_factory=dict)
    responses: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)


def run_counters(
    base_url: str, tokens: list[str], start: float, seconds: float, period: float
) -> CounterRun:
    """Window w (1..len(tokens)) calls next every ``period`` s from ``start`` (perf_counter),
    staggered across the period, and finishes half a period later, until ``start + seconds``;
    one thread per window. Returns when every window has stopped."""
    run = CounterRun()
    end = start + seconds
    windows = len(tokens)

    def counter(window: int, token: str) -> None:
        client = HubClient(base_url, token, timeout=10.0)
        client.health()
        n = 0
        try:
            while (due := start + (window - 1) * period / windows + n * period) < end:
                sleep_until(due)
                t0 = time.perf_counter()
                try:
                    ticket = client.call_next(window)
                except HubError as err:
                    run.errors.append(repr(err))
                    ticket = None
                else:
                    run.responses.append(time.perf_counter() - t0)
                n += 1
                if ticket is None:
                    run.empty.append(window)
                    continue
                run.sent[ticket.id] = t0
                sleep_until(due + period / 2)
                try:
                    client.finish(window)
                except HubError as err:
                    run.errors.append(repr(err))
        finally:
            client.close()

    threads = [threading.Thread(target=counter, args=(w, t)) for w, t in enumerate(tokens, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return run


def call_to_event(work: Path, seconds: float, period: float = 1.0) -> list[Measure]:
    """40 counters each call-next every ``period`` seconds (staggered) and finish half a period
    later, for ``seconds``; latency = board receipt − the instant before call-next was sent."""
    info = time.get_clock_info("perf_counter").implementation
    if "CLOCK_MONOTONIC" not in info:
        raise RuntimeError(f"perf_counter is {info}; cannot compare stamps across processes")
    config = work / "hall-40-windows.toml"
    codes = write_forty_window_hall(config)
    data_dir = work / "hub-40-windows"
    calls = int(WINDOWS * (seconds / period + 2))
    tokens = _prepare(data_dir, config, codes, calls + 200)

    with HubProcess(data_dir, config) as hub:
        admin = hub.client()
        after = admin.health().last_seq
        ctx = multiprocessing.get_context("spawn")
        arrivals = ctx.Queue()
        board = ctx.Process(target=_board, args=(hub.base_url, hub.admin_token, after, arrivals))
        board.start()
        deadline = time.monotonic() + 30
        while admin.health().subscribers < 1:
            if time.monotonic() > deadline or not board.is_alive():
                raise RuntimeError("the SSE board did not subscribe")
            time.sleep(0.05)

        start = time.perf_counter() + 0.5
        cpu_before = hub.cpu_seconds()
        run = run_counters(hub.base_url, tokens, start, seconds, period)
        sent, responses, errors, empty = run.sent, run.responses, run.errors, run.empty
        cpu_after = hub.cpu_seconds()
        received: dict[str, float] = {}
        wait_until = time.monotonic() + 5
        while len(received) < len(sent) and time.monotonic() < wait_until:
            try:
                ticket_id, stamp = arrivals.get(timeout=0.5)
            except queue.Empty:
                continue
            received[ticket_id] = stamp
        board.terminate()
        board.join(10)
        admin.close()

    ms = [(received[i] - t0) * 1000 for i, t0 in sent.items() if i in received]
    http_ms = [s * 1000 for s in responses]
    missing = len(sent) - len(ms)
    group = f"c) call → event, {WINDOWS} windows"
    note = (
        f"{WINDOWS} counters calling every {period:g} s for {seconds:g} s; "
        f"{missing} events missing, {len(empty)} empty calls, {len(errors)} errors"
    )
    measures = [
        Measure(group, "call-next → SSE event p50", percentile(ms, 50), "ms", len(ms), note=note),
        Measure(
            group,
            "call-next → SSE event p99",
            percentile(ms, 99),
            "ms",
            len(ms),
            Target(at_most=CALL_TO_EVENT_P99_MS),
            note,
        ),
        Measure(group, "call-next → SSE event max", max(ms, default=float("nan")), "ms", len(ms)),
        Measure(group, "call-next HTTP answer p99", percentile(http_ms, 99), "ms", len(http_ms)),
        Measure(group, "events missing", float(missing), "events", len(sent), Target(at_most=0)),
    ]
    if cpu_before is not None and cpu_after is not None:
        busy = (cpu_after - cpu_before) / (seconds + 0.5)
        measures.append(Measure(group, "hub process CPU (cores busy)", busy, "cores", len(ms)))
    return measures
