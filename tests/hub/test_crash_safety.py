"""Crash safety and concurrency of the hub, driven over HTTP against a real hub process.

A hub answers a kiosk only after the ticket is committed (``synchronous=FULL``), so a
``kill -9`` at any instant may lose requests that were never answered, but never a ticket or a
call it answered for, and never hands out a number twice. These tests kill the hub while
kiosks and counters hammer it, restart it on the same data folder, and then read the SQLite
file directly (read-only) to check what survived.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
import tomli_w

from hall.hubprocess import HubProcess
from hub import wire
from hub.client import HubClient, HubRefused, HubUnavailable
from tests.conftest import queue_hall_data
from tests.timing import PATIENCE, wait_for

pytestmark = pytest.mark.slow

UNCAPPED = ("A", "B", "C")
"""Sample-hall categories without a daily cap, so a long hammering never hits one."""


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    # Counters call without signing a clerk in: crash safety is not about sign-in.
    config = tmp_path / "hall.toml"
    config.write_text(tomli_w.dumps(queue_hall_data()), encoding="utf-8")
    process = HubProcess(tmp_path / "hub", config, log_path=tmp_path / "hub.log")
    yield process
    process.kill()


def _open_store_read_only(data_dir: Path) -> sqlite3.Connection:
    uri = (data_dir / "hub.db").as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _seq_no(number: str) -> int:
    return int(number[1:])


def _tokens(hub: HubProcess, role: str, names: list[str], windows: list[int | None]) -> list[str]:
    admin = hub.client()
    try:
        return [admin.add_device(role, n, w)["token"] for n, w in zip(names, windows, strict=True)]
    finally:
        admin.close()


def _run_threads(targets: Sequence[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    return threads


# -- kill -9 while kiosks and counters hammer the hub ------------------------------------------


@dataclass
class Answers:
    """Everything the hub answered with a 2xx during the run, by round."""

    issued: list[tuple[int, wire.Ticket]] = field(default_factory=list)
    called: list[tuple[str, int]] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def _kiosk(url: str, token: str, round_no: int, stop: threading.Event, out: Answers) -> None:
    client = HubClient(url, token, timeout=10.0)
    rng = random.Random()
    try:
        while not stop.is_set():
            try:
                ticket = client.issue_ticket(category=rng.choice(UNCAPPED))
            except HubUnavailable:
                time.sleep(0.02)  # killed: wait for the round to end
                continue
            except HubRefused as err:
                out.unexpected.append(f"issue refused: {err.status} {err.code} {err.message}")
                continue
            out.issued.append((round_no, ticket))
    finally:
        client.close()


def _counter(url: str, token: str, window: int, stop: threading.Event, out: Answers) -> None:
    client = HubClient(url, token, timeout=10.0)
    try:
        while not stop.is_set():
            try:
                ticket = client.call_next(window)
                if ticket is None:
                    time.sleep(0.005)
                    continue
                out.called.append((ticket.id, window))
                out.finished.append(client.finish(window).id)
            except HubUnavailable:
                time.sleep(0.02)
            except HubRefused as err:
                if err.code != "window_busy":
                    out.unexpected.append(f"window {window}: {err.status} {err.code}")
                    continue
                # A call committed just before a kill left the window serving: finish it.
                try:
                    out.finished.append(client.finish(window).id)
                except (HubUnavailable, HubRefused):
                    time.sleep(0.02)
    finally:
        client.close()


def _hammer_and_kill(
    hub: HubProcess, kiosks: list[str], counters: dict[int, str], rounds: int, rng: random.Random
) -> Answers:
    out = Answers()
    for round_no in range(rounds):
        if round_no:
            # Also kill a hub that is still starting up (opening and checking its store).
            hub.spawn()
            time.sleep(rng.uniform(0.0, 0.5))
            hub.kill()
        hub.start()
        stop = threading.Event()
        url = hub.base_url
        threads = _run_threads(
            [partial(_kiosk, url, t, round_no, stop, out) for t in kiosks]
            + [partial(_counter, url, t, w, stop, out) for w, t in counters.items()]
        )
        # The hall at work first (answers in this round), then a kill at a random instant.
        wait_for(
            lambda round_no=round_no: (
                sum(r == round_no for r, _ in out.issued) >= 5 and bool(out.called)
            ),
            f"answers in round {round_no}",
        )
        time.sleep(rng.uniform(0.0, 1.0))
        hub.kill()
        stop.set()
        for thread in threads:
            thread.join(PATIENCE)
            assert not thread.is_alive(), "a client thread hung after the hub was killed"
    return out


def test_kill_9_at_any_instant_loses_no_answered_ticket_or_call_and_never_duplicates(
    hub: HubProcess,
) -> None:
    rng = random.Random()
    rounds = 5
    hub.start()
    kiosks = _tokens(hub, "kiosk", [f"kiosk-{i}" for i in range(4)], [None] * 4)
    counters = dict(zip([1, 2], _tokens(hub, "counter", ["c1", "c2"], [1, 2]), strict=True))
    hub.kill()

    out = _hammer_and_kill(hub, kiosks, counters, rounds, rng)

    # One more start after the last kill: numbering must go on after everything stored,
    # including tickets committed just before a kill whose answer never reached the kiosk.
    hub.start()
    probe = hub.client(kiosks[0])
    after_restart = {c: probe.issue_ticket(category=c) for c in UNCAPPED}
    probe.close()
    hub.kill()

    assert not out.unexpected, out.unexpected[:10]
    assert len(out.issued) >= 5 * rounds and out.called  # the rounds waited for these

    with closing(_open_store_read_only(hub.data_dir)) as db:
        assert [r[0] for r in db.execute("PRAGMA integrity_check")] == ["ok"]

        tickets = {r["id"]: r for r in db.execute("SELECT * FROM tickets")}
        for _, answered in out.issued:
            stored = tickets.get(answered.id)
            assert stored is not None, f"answered ticket {answered.number} was lost"
            assert stored["number"] == answered.number
            assert stored["service_day"] == answered.service_day

        numbers = [(r["service_day"], r["number"]) for r in tickets.values()]
        assert len(numbers) == len(set(numbers)), "a number was handed out twice"

        for ticket_id, window in out.called:
            assert tickets[ticket_id]["status"] != "waiting", "an answered call was lost"
            assert tickets[ticket_id]["window"] == window
        for ticket_id in out.finished:
            assert tickets[ticket_id]["status"] == "finished", "an answered finish was lost"

        seqs = [r[0] for r in db.execute("SELECT seq FROM outbox ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1)), "outbox seq has a gap"

        issued_events = [
            r[0]
            for r in db.execute(
                "SELECT json_extract(payload, '$.ticket.id') FROM outbox"
                " WHERE type = 'ticket.issued'"
            )
        ]
        assert len(issued_events) == len(tickets)
        assert set(issued_events) == set(tickets)
        called_events = {
            r[0]
            for r in db.execute(
                "SELECT json_extract(payload, '$.ticket.id') FROM outbox"
                " WHERE type = 'ticket.called'"
            )
        }
        assert {ticket_id for ticket_id, _ in out.called} <= called_events

        by_category: dict[tuple[str, str], list[int]] = defaultdict(list)
        for row in tickets.values():
            by_category[(row["service_day"], row["issued_category"])].append(row["seq_no"])
        for key, seq_nos in by_category.items():
            assert sorted(seq_nos) == list(range(1, len(seq_nos) + 1)), f"{key} numbers torn"

    for category, ticket in after_restart.items():
        highest = max(by_category[(ticket.service_day, category)])
        assert _seq_no(ticket.number) == highest, f"{category} numbering did not go on"

    # Every ticket answered in a round is numbered after every ticket answered before the kill
    # (per service day and category: a run across midnight starts the numbers again).
    per_round: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for round_no, ticket in out.issued:
        queue = (ticket.service_day, ticket.number[0])
        per_round[queue][round_no].append(_seq_no(ticket.number))
    for queue, rounds_seen in per_round.items():
        for round_no in sorted(rounds_seen)[1:]:
            before = max(n for r, ns in rounds_seen.items() if r < round_no for n in ns)
            assert min(rounds_seen[round_no]) > before, f"{queue} repeated after a restart"


# -- simultaneous requests -------------------------------------------------------------------


def test_windows_calling_at_the_same_instant_never_get_the_same_ticket(hub: HubProcess) -> None:
    windows = list(range(1, 9))  # every sample window serves at least one of A, B, C
    calls_per_window = 15
    hub.start()
    kiosk = hub.client(_tokens(hub, "kiosk", ["kiosk"], [None])[0])
    # Enough of each category, interleaved, that no window runs dry whichever it calls.
    for _ in range(4 * calls_per_window + 5):
        for category in UNCAPPED:
            kiosk.issue_ticket(category=category)
    kiosk.close()
    tokens = _tokens(hub, "counter", [f"c{w}" for w in windows], list(windows))

    barrier = threading.Barrier(len(windows))
    called: list[tuple[int, str]] = []
    errors: list[str] = []

    def counter(window: int, token: str) -> None:
        client = hub.client(token)
        try:
            for _ in range(calls_per_window):
                barrier.wait(30)
                ticket = client.call_next(window)
                if ticket is None:
                    errors.append(f"window {window} found nobody waiting")
                    continue
                called.append((window, ticket.id))
                client.finish(window)
        except (HubUnavailable, HubRefused, threading.BrokenBarrierError) as err:
            errors.append(f"window {window}: {err!r}")
            barrier.abort()
        finally:
            client.close()

    for thread in _run_threads(
        [partial(counter, w, t) for w, t in zip(windows, tokens, strict=True)]
    ):
        thread.join(60)
    hub.kill()

    assert not errors, errors[:10]
    ids = [ticket_id for _, ticket_id in called]
    assert len(ids) == len(windows) * calls_per_window
    assert len(set(ids)) == len(ids), "two windows were given the same ticket"
    with closing(_open_store_read_only(hub.data_dir)) as db:
        window_of = {r["id"]: r["window"] for r in db.execute("SELECT id, window FROM tickets")}
    assert all(window_of[ticket_id] == window for window, ticket_id in called)


def test_kiosks_issuing_at_the_same_instant_never_duplicate_a_number(hub: HubProcess) -> None:
    kiosk_count, per_kiosk = 16, 10
    hub.start()
    tokens = _tokens(hub, "kiosk", [f"k{i}" for i in range(kiosk_count)], [None] * kiosk_count)
    barrier = threading.Barrier(kiosk_count)
    issued: list[wire.Ticket] = []
    errors: list[str] = []

    def kiosk(token: str) -> None:
        client = hub.client(token)
        try:
            for _ in range(per_kiosk):
                barrier.wait(30)
                issued.append(client.issue_ticket(category="A"))
        except (HubUnavailable, HubRefused, threading.BrokenBarrierError) as err:
            errors.append(repr(err))
            barrier.abort()
        finally:
            client.close()

    for thread in _run_threads([partial(kiosk, t) for t in tokens]):
        thread.join(60)
    hub.kill()

    assert not errors, errors[:10]
    numbers = sorted(_seq_no(t.number) for t in issued)
    assert numbers == list(range(1, kiosk_count * per_kiosk + 1)), "numbers repeated or skipped"
    assert len({t.id for t in issued}) == len(issued)
