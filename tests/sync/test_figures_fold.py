"""The figures' fold, driven by the engine's real events (no HTTP), and its grid.

Each test states one rule of docs/reports.md with a small case worked out by hand.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from config import HallCalendar, HallConfig, sample_hall
from config.sample import DEMO_STAFF_PIN
from hub.engine import QueueEngine
from sync.clock import FixedClock
from sync.figures import FigureFold, report
from sync.figures.grid import percentile, quantise
from sync.figures.report import sql_percentiles
from sync.figures.schema import FIGURES_SQL
from sync.store import Store
from tests.conftest import HALL_ZONE

DAY = date(2025, 3, 12)


def figures(engine: QueueEngine, by: str, day: date = DAY) -> dict[str, dict[str, Any]]:
    answer = report(
        engine.store.reader(), day, day, by, config=engine.config, now=engine.clock.now()
    )
    return {row["key"]: row for row in answer["rows"]} | {"total": answer["total"]}


def at(clock: FixedClock, hhmm: str, day: date = DAY) -> None:
    moment = datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=HALL_ZONE)
    clock.advance((moment - clock.now()).total_seconds())


@pytest.fixture
def engine(make_engine: Callable[..., QueueEngine]) -> QueueEngine:
    built = make_engine(enforce_hours=False)
    built.sign_in(1, "1001", DEMO_STAFF_PIN)
    return built


# -- the grid ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [(0, 0), (0.4, 1), (59.2, 60), (60, 60), (60.001, 65), (600, 600), (601, 615), (1799, 1800),
     (1801, 1860), (7200, 7200), (7201, 7500), (30.0000001, 30), (-3, 0)],
)  # fmt: skip
def test_durations_are_rounded_up_to_the_grid(seconds: float, bucket: int) -> None:
    assert quantise(seconds) == bucket


def test_percentiles_are_nearest_rank_and_merge_across_histograms() -> None:
    values = [30, 120, 300, 300, 540, 660, 720, 1080]
    one = [(v, 1) for v in values]
    assert (percentile(one, 50), percentile(one, 90), percentile(one, 100)) == (300, 1080, 1080)
    # Two days' histograms concatenated give what all values at once give.
    monday, tuesday = [(300, 2), (30, 1), (120, 1)], [(540, 1), (660, 1), (720, 1), (1080, 1)]
    assert percentile([*monday, *tuesday], 50) == 300
    assert percentile([(10, 27), (20, 3)], 90) == 10  # 0.9 × 30 is exactly 27
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="percentile"):
        percentile(one, 0)


# -- misses -----------------------------------------------------------------------------------


def test_a_requeue_undoes_the_miss_and_the_second_call_is_no_new_wait(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue_ticket(category="A")
    clock.advance(60)
    engine.call_next(1)
    engine.skip(1)
    assert figures(engine, "window")["1"]["missed"] == 1
    clock.advance(60)
    engine.requeue("A001")
    assert figures(engine, "window")["1"]["missed"] == 0
    clock.advance(60)
    engine.call_next(1)
    row = figures(engine, "window")["1"]
    assert (row["missed"], row["called"], row["wait_max_s"]) == (0, 1, 60.0)


def test_calling_a_missed_ticket_back_undoes_the_miss_where_it_was_counted(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.sign_in(2, "1002", DEMO_STAFF_PIN)
    engine.issue_ticket(category="A")
    engine.call_next(1)
    clock.advance(3600)  # the skip is counted in the next hour, by 1001
    engine.skip(1)
    assert figures(engine, "clerk")["1001"]["missed"] == 1
    engine.call_number(2, "A001")  # window 2, 1002: a new 接待 there, the miss undone at 1001
    clerks, hours = figures(engine, "clerk"), figures(engine, "hour")
    assert (clerks["1001"]["missed"], clerks["1002"]["called"]) == (0, 1)
    assert [hours[h]["missed"] for h in ("09", "10")] == [0, 0]
    engine.skip(2)
    assert figures(engine, "clerk")["1002"]["missed"] == 1
    assert figures(engine, "window")["total"]["missed"] == 1


# -- transfers --------------------------------------------------------------------------------


def test_a_transfer_keeps_the_tickets_wait_once(engine: QueueEngine, clock: FixedClock) -> None:
    engine.sign_in(2, "1002", DEMO_STAFF_PIN)
    engine.issue_ticket(category="B")  # window 1 serves A and B
    clock.advance(120)
    engine.call_next(1)
    engine.transfer(1, category="C", reason="公积金")  # window 2 serves A and C
    clock.advance(600)
    engine.call_next(2)
    clock.advance(300)
    engine.finish(2)
    categories = figures(engine, "category")
    total = categories["total"]
    assert (total["called"], total["transferred"], total["served"]) == (2, 1, 1)
    assert (total["wait_p50_s"], total["wait_max_s"]) == (120, 120.0)  # the first call only
    assert (categories["B"]["transferred"], categories["B"]["served"]) == (1, 0)
    assert (categories["C"]["served"], categories["C"]["service_p50_s"]) == (1, 300)
    assert categories["C"]["wait_p50_s"] is None


# -- presence ---------------------------------------------------------------------------------


def test_the_next_day_closes_a_sign_in_and_a_pause_at_the_end_of_service(
    engine: QueueEngine, clock: FixedClock
) -> None:
    # Signed in at 09:30 (the fixture), paused at 16:30, never resumed nor signed out.
    at(clock, "16:30")
    engine.pause(1, "离开")
    at(clock, "09:00", date(2025, 3, 13))
    still_open = figures(engine, "clerk")["1001"]
    assert (still_open["signed_in_seconds"], still_open["pause_seconds"]) == (27000, 1800)
    engine.issue_ticket(category="A")  # the new day's first write: day.closed
    closed = figures(engine, "clerk")["1001"]
    assert (closed["signed_in_seconds"], closed["pauses"], closed["pause_seconds"]) == (
        27000,
        1,
        1800,
    )
    assert figures(engine, "clerk", date(2025, 3, 13)).keys() == {"total"}


def test_a_sign_in_begun_after_closing_ends_with_the_service_day(
    make_engine: Callable[..., QueueEngine], clock: FixedClock
) -> None:
    engine = make_engine(enforce_hours=False)
    at(clock, "18:00")
    engine.sign_in(3, "1003", DEMO_STAFF_PIN)
    at(clock, "10:00", date(2025, 3, 13))
    engine.issue_ticket(category="A")
    assert figures(engine, "window")["3"]["signed_in_seconds"] == 9 * 3600  # to 03:00


def test_signing_out_and_in_elsewhere_counts_each_window(
    engine: QueueEngine, clock: FixedClock
) -> None:
    clock.advance(1800)
    engine.sign_in(2, "1001", DEMO_STAFF_PIN)  # moves: window 1's sign-in ends here
    clock.advance(600)
    engine.sign_out(2)
    windows = figures(engine, "window")
    assert (windows["1"]["signed_in_seconds"], windows["2"]["signed_in_seconds"]) == (1800, 600)
    assert figures(engine, "clerk")["1001"]["signed_in_seconds"] == 2400


# -- ratings ----------------------------------------------------------------------------------


def test_a_rating_of_a_service_with_nobody_signed_in_has_no_clerk(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig]
) -> None:
    engine = make_engine(hall_with(service={"require_sign_in": False}), enforce_hours=False)
    engine.issue_ticket(category="A")
    engine.call_next(1)
    engine.finish(1)
    engine.rate(1, 5, "态度不好")
    clerks = figures(engine, "clerk")
    assert clerks[""]["label"] == "（未登录）"
    assert (clerks[""]["served"], clerks[""]["bad"]) == (1, 1)
    assert clerks["total"]["ratings_without_clerk"] == 1


def test_a_rating_counts_where_the_service_was_finished(
    engine: QueueEngine, clock: FixedClock
) -> None:
    engine.issue_ticket(category="A")
    engine.call_next(1)
    at(clock, "09:59:50")
    engine.finish(1)
    at(clock, "10:00:05")  # rated in the next hour, by then with another clerk signed in
    engine.sign_in(1, "1002", DEMO_STAFF_PIN)
    engine.rate(1, 2)
    hours, clerks = figures(engine, "hour"), figures(engine, "clerk")
    assert hours["09"]["ratings"]["2"] == 1 and "10" not in hours
    assert (clerks["1001"]["rated"], clerks["1002"]["rated"]) == (1, 0)


# -- older events, replays --------------------------------------------------------------------


def test_events_without_a_clerk_field_take_the_clerk_seen_signing_in(store: Store) -> None:
    fold = FigureFold(HallCalendar(sample_hall()))
    when = datetime(2025, 3, 12, 9, 30, tzinfo=HALL_ZONE)
    ticket = {
        "id": "t1",
        "service_day": "2025-03-12",
        "category": "A",
        "item_id": None,
        "issued_at": "2025-03-12T09:00:00.000+08:00",
        "called_at": "2025-03-12T09:30:00.000+08:00",
    }
    with store.write() as db:
        fold.apply(db, "window.clerk", {"window": 4, "clerk": {"number": "1004"}}, when)
        fold.apply(db, "ticket.issued", {"ticket": ticket}, when)
        fold.apply(db, "ticket.called", {"ticket": ticket, "window": 4}, when)
    answer = report(store.reader(), DAY, DAY, "clerk", config=sample_hall(), now=when)
    [row] = answer["rows"]
    assert (row["key"], row["called"], row["wait_p50_s"]) == ("1004", 1, 1800)


def test_percentiles_computed_in_sqlite_are_the_grids_nearest_rank() -> None:
    rng = random.Random(13)
    conn = sqlite3.connect(":memory:")
    conn.executescript(FIGURES_SQL)
    for case in range(200):
        day_histograms = [
            {rng.choice((0, 5, 60, 65, 300, 615, 1800, 7500)): rng.randint(1, 9) for _ in range(4)}
            for _ in range(rng.randint(1, 3))
        ]
        conn.execute("DELETE FROM figures_hist")
        for n, histogram in enumerate(day_histograms):
            conn.executemany(
                "INSERT INTO figures_hist VALUES ('w', ?, '1', 'w', ?, ?)",
                [(f"2025-03-1{n}", bucket, count) for bucket, count in histogram.items()],
            )
        merged = [pair for histogram in day_histograms for pair in histogram.items()]
        found = sql_percentiles(conn, "w", date(2025, 3, 10), date(2025, 3, 12), "key")["1"]["w"]
        assert found == {50: percentile(merged, 50), 90: percentile(merged, 90)}, case
