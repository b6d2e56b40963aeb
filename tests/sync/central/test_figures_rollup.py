"""Central's roll-ups over several halls: sums add up, percentiles come from the merged
histograms (not an average of medians), follow-ups are overdue by the day asked, and a late
older snapshot never replaces a newer one."""

from __future__ import annotations

from datetime import date
from typing import Any

from sync.central.figures import DayFigures, central_report, refresh_months, store_day
from sync.central.store import CentralStore

DAY = date(2026, 9, 21)


def counts(served: int, r1: int, r5: int) -> list[Any]:
    # dim, key, issued called served missed transferred r1..r5 signed_in pauses pause max max
    return ["t", "", served, served, served, 0, 0, r1, 0, 0, 0, r5, 0.0, 0, 0.0, 900.0, 300.0]


def day(served: int, waits: dict[int, int], r1: int = 0, r5: int = 0, **extra: Any) -> DayFigures:
    return DayFigures.model_validate(
        {
            "counts": [counts(served, r1, r5)],
            "hist": [["t", "", "w", bucket, n] for bucket, n in waits.items()],
            "as_of": "2026-09-21T17:00:00+08:00",
            **extra,
        }
    )


def two_halls(central: CentralStore) -> tuple[str, str]:
    first, _ = central.add_hall("东城镇便民服务中心")
    second, _ = central.add_hall("西山镇便民服务中心")
    store_day(central, first.id, DAY.isoformat(), day(3, {60: 3}, r1=2, r5=1), "a")
    late = [["f1", "09", "1", "1001", "A", "i1", "2026-10-01"]]
    store_day(central, second.id, DAY.isoformat(), day(1, {600: 1}, followups=late), "b")
    return first.id, second.id


def test_by_hall_and_in_total_the_figures_add_up_and_percentiles_merge(
    central: CentralStore,
) -> None:
    first, second = two_halls(central)
    names = {first: "东城", second: "西山"}
    report = central_report(
        central, DAY, DAY, "hall", halls=[first, second], today=DAY, labels=names
    )
    rows = {row["key"]: row for row in report["rows"]}
    assert (rows[first]["served"], rows[second]["served"]) == (3, 1)
    assert (rows[first]["wait_p50_s"], rows[second]["wait_p50_s"]) == (60, 600)
    assert [row["label"] for row in report["rows"]] == ["东城", "西山"]
    total = report["total"]
    assert (total["served"], total["wait_p50_s"], total["wait_p90_s"]) == (4, 60, 600)
    assert total["satisfaction_rate"] == 2 / 3 and total["bad"] == 1
    assert total["halls"] == 2


def test_a_group_of_halls_is_one_row_and_only_the_halls_asked_for_count(
    central: CentralStore,
) -> None:
    first, second = two_halls(central)
    report = central_report(
        central, DAY, DAY, "group", halls=[first, second], today=DAY,
        groups={first: "东区", second: "东区"},
    )  # fmt: skip
    assert [(row["key"], row["served"]) for row in report["rows"]] == [("东区", 4)]
    only_first = central_report(central, DAY, DAY, "window", halls=[first], today=DAY)
    assert only_first["total"]["served"] == 3


def test_follow_ups_are_overdue_only_after_their_date(central: CentralStore) -> None:
    first, second = two_halls(central)
    halls = [first, second]
    on_time = central_report(central, DAY, DAY, "hall", halls=halls, today=date(2026, 10, 1))
    assert on_time["total"]["followups_overdue"] == 0
    late = central_report(central, DAY, DAY, "window", halls=halls, today=date(2026, 10, 2))
    assert late["total"]["followups_overdue"] == 1
    assert {row["key"]: row["followups_overdue"] for row in late["rows"]} == {"1": 1}


def test_an_older_snapshot_arriving_late_is_kept_out(central: CentralStore) -> None:
    hall, _ = central.add_hall("东城镇便民服务中心")
    store_day(central, hall.id, DAY.isoformat(), day(5, {60: 5}), "new")
    older = day(2, {60: 2}).model_copy(update={"as_of": "2026-09-21T12:00:00+08:00"})
    assert store_day(central, hall.id, DAY.isoformat(), older, "old") is False
    report = central_report(central, DAY, DAY, "day", halls=[hall.id], today=DAY)
    assert report["total"]["served"] == 5
    assert central_report(central, DAY, DAY, "hall", halls=[], today=DAY)["rows"] == []


def test_whole_months_read_from_the_month_tables_give_the_same_numbers_as_the_days(
    central: CentralStore,
) -> None:
    hall, _ = central.add_hall("东城镇便民服务中心")
    other, _ = central.add_hall("西山镇便民服务中心")
    first, last = date(2026, 8, 30), date(2026, 10, 2)
    for offset in range((last - first).days + 1):
        day_ = date.fromordinal(first.toordinal() + offset)
        for index, which in enumerate((hall.id, other.id)):
            served = 1 + (offset * 7 + index * 3) % 5
            waits = {30 * (1 + (offset + index) % 9): served, 600: offset % 2}
            store_day(central, which, day_.isoformat(), day(served, waits, r1=served), "d")
    # a day sent again with other numbers replaces its part of the month
    store_day(central, hall.id, "2026-09-15", day(40, {900: 40}, r5=40), "again")
    halls = [hall.id, other.id]
    by_day = central_report(central, first, last, "day", halls=halls, today=last)
    by_hall = central_report(central, first, last, "hall", halls=halls, today=last)
    assert len(by_day["rows"]) == 34
    figures = ("served", "rated", "bad", "wait_p50_s", "wait_p90_s", "wait_max_s", "ratings")
    assert {f: by_hall["total"][f] for f in figures} == {f: by_day["total"][f] for f in figures}
    days_of_hall = sum(
        r["served"]
        for r in central_report(central, first, last, "day", halls=[hall.id], today=last)["rows"]
    )
    assert {r["key"]: r["served"] for r in by_hall["rows"]}[hall.id] == days_of_hall
    assert by_hall["total"]["bad"] == 40
    with central.db.write() as db:  # month totals lost (rows loaded by other means): added up again
        db.execute("DELETE FROM hall_figures_hist_month")
    refresh_months(central)
    assert central_report(central, first, last, "hall", halls=halls, today=last) == by_hall
