"""Reports through the real hub: the day of tests/hub/report_day.py, counted by hand.

Every expected number below is worked out from the day's script (the waits and service times
are exact multiples of the percentile grid, so the grid changes none of them); nothing here
calls the fold to find out what to expect.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests

from config import HallConfig, load_config
from hall.cli import main as hall_main
from tests.hub.report_day import DAY, Hall, items, open_hall, play_day, write_hall

FIGURES = (
    "issued",
    "called",
    "served",
    "missed",
    "transferred",
    "wait_p50_s",
    "wait_p90_s",
    "wait_max_s",
    "service_p50_s",
    "service_p90_s",
    "ratings",
    "rated",
    "unrated",
    "satisfaction_rate",
    "bad",
    "rating_rate",
)


def figures(*values: Any) -> dict[str, Any]:
    """Expected figures in the order of FIGURES; ratings as a 5-list, rates as Fractions."""
    expected = dict(zip(FIGURES, values, strict=True))
    expected["ratings"] = {str(i + 1): n for i, n in enumerate(expected["ratings"])}
    for rate in ("satisfaction_rate", "rating_rate"):
        if expected[rate] is not None:
            expected[rate] = float(expected[rate])
    return expected


F = Fraction
NOTHING = figures(0, 0, 0, 0, 0, None, None, None, None, None, [0] * 5, 0, 0, None, 0, None)
TOTAL = figures(
    8, 9, 7, 1, 1, 300, 1080, 1080, 360, 480, [1, 1, 1, 1, 1], 5, 2, F(3, 5), 2, F(5, 7)
)

BY_WINDOW = {
    "1": figures(None, 4, 2, 1, 1, 300, 1080, 1080, 300, 480, [1, 0, 0, 0, 0], 1, 1, 1, 0, F(1, 2)),
    "2": figures(
        None, 4, 4, 0, 0, 660, 720, 720, 360, 480, [0, 1, 1, 1, 0], 3, 1, F(2, 3), 1, F(3, 4)
    ),
    "3": figures(None, 1, 1, 0, 0, 30, 30, 30, 180, 180, [0, 0, 0, 0, 1], 1, 0, 0, 1, 1),
}
BY_CLERK = {
    "1001": figures(
        None, 4, 2, 1, 1, 300, 1080, 1080, 300, 480, [1, 0, 0, 0, 0], 1, 1, 1, 0, F(1, 2)
    ),
    "1002": figures(
        None, 3, 3, 0, 0, 300, 720, 720, 360, 480, [0, 1, 1, 1, 0], 3, 0, F(2, 3), 1, 1
    ),
    "1003": figures(None, 2, 1, 0, 0, 30, 660, 660, 480, 480, [0] * 5, 0, 1, None, 0, 0),
    "": figures(None, 0, 1, 0, 0, None, None, None, 180, 180, [0, 0, 0, 0, 1], 1, 0, 0, 1, 1),
}
BY_CATEGORY = {
    "A": figures(
        5, 5, 4, 1, 0, 300, 1080, 1080, 240, 480, [1, 0, 1, 0, 1], 3, 1, F(2, 3), 1, F(3, 4)
    ),
    "B": figures(1, 1, 0, 0, 1, 540, 540, 540, None, None, [0] * 5, 0, 0, None, 0, None),
    "C": figures(
        2, 3, 3, 0, 0, 660, 720, 720, 480, 480, [0, 1, 0, 1, 0], 2, 1, F(1, 2), 1, F(2, 3)
    ),
}
BY_ITEM = {
    "a1": figures(2, 2, 2, 0, 0, 300, 1080, 1080, 300, 480, [1, 0, 0, 0, 0], 1, 1, 1, 0, F(1, 2)),
    "a2": figures(1, 1, 0, 1, 0, 120, 120, 120, None, None, [0] * 5, 0, 0, None, 0, None),
    "c1": figures(1, 1, 1, 0, 0, 720, 720, 720, 360, 360, [0, 0, 0, 1, 0], 1, 0, 0, 1, 1),
    "": figures(4, 5, 4, 0, 1, 300, 660, 660, 240, 480, [0, 1, 1, 0, 1], 3, 1, F(2, 3), 1, F(3, 4)),
}
BY_HOUR = {
    "09": figures(
        5, 6, 5, 0, 1, 540, 1080, 1080, 360, 480, [1, 1, 1, 1, 0], 4, 1, F(3, 4), 1, F(4, 5)
    ),
    "10": figures(3, 3, 2, 1, 0, 120, 660, 660, 180, 480, [0, 0, 0, 0, 1], 1, 1, 0, 1, F(1, 2)),
}
# Presence at 10:30: 1001 signed in since 08:55 (still), paused 09:31–09:46; 1002 08:55–10:05;
# 1003 at window 3 10:06–10:08, then at window 2 10:08–10:21.
PRESENCE_WINDOW = {"1": (5700, 1, 900), "2": (4200 + 780, 0, 0), "3": (120, 0, 0)}
PRESENCE_CLERK = {"1001": (5700, 1, 900), "1002": (4200, 0, 0), "1003": (900, 0, 0), "": (0, 0, 0)}


def subset(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in FIGURES}


def seconds(cell: Any) -> int:
    """A duration cell: openpyxl reads a number in a time format back as a timedelta."""
    assert isinstance(cell, timedelta), cell
    return round(cell.total_seconds())


def presence(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["signed_in_seconds"], row["pauses"], row["pause_seconds"])


@pytest.fixture(scope="module")
def hall_toml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "hall.toml"
    write_hall(path)
    return path


@pytest.fixture(scope="module")
def hall_config(hall_toml: Path) -> HallConfig:
    return load_config(hall_toml)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory, hall_config: HallConfig) -> Iterator[Hall]:
    """The day played once for the module's read-only tests (the report is made at 10:30)."""
    with open_hall(tmp_path_factory.mktemp("hub") / "data", hall_config) as hall:
        play_day(hall)
        yield hall


def report(hall: Hall, by: str, start: str = DAY, end: str = DAY) -> dict[str, Any]:
    answer = hall.get("/reports", **{"from": start, "to": end, "by": by})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"rows", "total"}
    return body


def rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in body["rows"]}


def test_the_total_counts_the_day_exactly(day: Hall) -> None:
    total = report(day, "window")["total"]
    assert subset(total) == TOTAL
    assert presence(total) == (5700 + 4200 + 780 + 120, 1, 900)
    assert total["ratings_without_clerk"] == 1
    assert total["followups_overdue"] == 0  # both 差评 are due weeks later


def test_by_window_every_window_is_listed_and_the_rows_add_up(day: Hall) -> None:
    body = report(day, "window")
    found = rows(body)
    assert [r["key"] for r in body["rows"]] == [str(n) for n in range(1, 9)]
    assert found["1"]["label"] == "1号窗口 综合窗口"
    for key, expected in BY_WINDOW.items():
        assert subset(found[key]) == expected, key
        assert presence(found[key]) == PRESENCE_WINDOW[key], key
    assert subset(found["4"]) == {**NOTHING, "issued": None}
    for figure in ("called", "served", "missed", "transferred", "rated"):
        assert sum(r[figure] for r in body["rows"]) == body["total"][figure], figure


def test_by_clerk_names_the_clerks_and_shows_the_rating_nobody_signed_in_for(day: Hall) -> None:
    found = rows(report(day, "clerk"))
    assert set(found) == set(BY_CLERK)
    assert found["1001"]["label"] == "王丽华（1001）"
    assert found[""]["label"] == "（未登录）"
    for key, expected in BY_CLERK.items():
        assert subset(found[key]) == expected, key
        assert presence(found[key]) == PRESENCE_CLERK[key], key


def test_by_category_item_and_hour(day: Hall) -> None:
    found = rows(report(day, "category"))
    for key, expected in BY_CATEGORY.items():
        assert subset(found[key]) == expected, key
    assert found["A"]["label"] == "户籍业务"
    assert subset(found["D"]) == NOTHING
    ids = items(day.config)
    found = rows(report(day, "item"))
    assert set(found) == {ids["a1"], ids["a2"], ids["c1"], ""}
    for name, expected in BY_ITEM.items():
        assert subset(found[ids.get(name, "")]) == expected, name
    assert found[ids["a1"]]["label"] == day.config.item(ids["a1"]).name  # type: ignore[union-attr]
    assert found[""]["label"] == "（未选事项）"
    hours = report(day, "hour")
    assert [(r["key"], r["label"]) for r in hours["rows"]] == [
        ("09", "09:00–10:00"),
        ("10", "10:00–11:00"),
    ]
    for key, expected in BY_HOUR.items():
        assert subset(rows(hours)[key]) == expected, key
        assert rows(hours)[key]["signed_in_seconds"] is None


def test_by_day_is_the_total_of_each_day(day: Hall) -> None:
    body = report(day, "day", "2025-03-10", "2025-03-14")
    [only] = body["rows"]
    assert (only["key"], only["label"]) == (DAY, "2025-03-12 周三")
    assert subset(only) == TOTAL
    assert subset(body["total"]) == TOTAL


def test_the_heat_map_counts_arrivals_by_weekday_and_hour(day: Hall) -> None:
    answer = day.get("/reports/heatmap", **{"from": "2025-03-10", "to": "2025-03-16"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["issued"][2][9] == 5 and body["issued"][2][10] == 3
    assert body["total"] == 8 and body["max"] == 5
    assert body["days"] == [1] * 7 and body["weekdays"][2] == "周三"


def test_the_workbook_holds_the_same_numbers(day: Hall) -> None:
    answer = day.get("/reports.xlsx", **{"from": DAY, "to": DAY, "by": "window,clerk"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["按窗口", "按工作人员", "说明"]
    sheet = book["按窗口"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["窗口", "取号", "接待", "办结", "过号", "转出"]
    lines = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    first = lines["1号窗口 综合窗口"]
    assert first["取号"] is None
    assert (first["接待"], first["办结"], first["过号"], first["转出"]) == (4, 2, 1, 1)
    assert seconds(first["等候时间中位数"]) == 300
    assert seconds(first["最长等候"]) == 1080
    assert (first["非常满意"], first["未评价"], first["满意率"], first["评价率"]) == (1, 1, 1, 0.5)
    assert seconds(first["在岗时长"]) == 5700
    assert sheet.cell(row=2, column=header.index("满意率") + 1).number_format == "0.0%"
    assert lines["合计"]["办结"] == 7 and lines["合计"]["差评"] == 2
    clerks = {r[0]: r for r in book["按工作人员"].iter_rows(min_row=2, values_only=True)}
    assert set(clerks) == {
        "王丽华（1001）",
        "李建国（1002）",
        "张晓明（1003）",
        "（未登录）",
        "合计",
    }


def test_the_csv_has_a_bom_chinese_headers_and_the_same_numbers(day: Hall) -> None:
    answer = day.get("/reports.csv", **{"from": DAY, "to": DAY, "by": "category"})
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header = table[0]
    assert header[:4] == ["业务类别", "取号", "接待", "办结"]
    assert "等候时间中位数（秒）" in header
    found = {line[0]: dict(zip(header, line, strict=True)) for line in table[1:]}
    assert found["户籍业务"]["取号"] == "5" and found["户籍业务"]["满意率"] == "66.7%"
    assert found["户籍业务"]["等候时间P90（秒）"] == "1080"
    assert found["合计"]["办结"] == "7" and found["合计"]["评价率"] == "71.4%"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"to": DAY, "by": "window"}, "from"),
        ({"from": "2025-3-12", "to": DAY, "by": "window"}, "from"),
        ({"from": DAY, "to": "tomorrow", "by": "window"}, "to"),
        ({"from": "2025-03-13", "to": DAY, "by": "window"}, "from"),
        ({"from": "2022-01-01", "to": DAY, "by": "window"}, "to"),
        ({"from": DAY, "to": DAY, "by": "month"}, "by"),
        ({"from": DAY, "to": DAY}, "by"),
        ({"from": DAY, "to": DAY, "by": "window,clerk"}, "by"),
    ],
)
def test_bad_parameters_are_refused_with_a_sentence_naming_them(
    day: Hall, params: dict[str, str], parameter: str
) -> None:
    answer = day.get("/reports", **params)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == f"bad_{parameter}"
    assert parameter in body["message"]


def test_reports_need_the_admin_token_or_a_manager(day: Hall) -> None:
    url = f"{day.url}/api/v1/reports?from={DAY}&to={DAY}&by=window"
    assert day.kiosk.get(url).status_code == 403
    assert day.counters[1].get(url).status_code == 403
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url.replace("/reports?", "/reports.xlsx?"), timeout=10).status_code == 401
    assert day.admin.get(url).status_code == 200


def test_hall_report_reads_the_store_of_the_running_hub(
    day: Hall, hall_toml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(day.hub.data_dir)
    args = ["report", "--data", data, "--config", str(hall_toml), "--from", DAY, "--to", DAY]
    assert hall_main([*args, "--by", "window", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {r["key"]: subset(r) for r in printed["rows"] if r["key"] in BY_WINDOW} == BY_WINDOW
    assert subset(printed["total"]) == TOTAL
    assert hall_main([*args, "--by", "clerk"]) == 0
    table = capsys.readouterr().out
    assert "王丽华（1001）" in table and "接待" in table and "合计" in table
    out = tmp_path / "month.xlsx"
    assert hall_main([*args, "--by", "window,clerk", "--xlsx", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames == ["按窗口", "按工作人员", "说明"]
    assert hall_main([*args, "--by", "weekday"]) == 2
    assert "by" in capsys.readouterr().err


@pytest.fixture
def own_day(tmp_path: Path, hall_config: HallConfig) -> Iterator[Hall]:
    """The same day on a hub of the test's own, for tests that go on after 10:30."""
    with open_hall(tmp_path / "data", hall_config) as hall:
        play_day(hall)
        yield hall


def test_the_next_day_closes_the_open_sign_in_at_the_end_of_service(own_day: Hall) -> None:
    day = own_day
    # 1001 never signed out: counted up to 17:00, the end of the day's last service period.
    day.at("09:00:00", "2025-04-03")
    late = report(day, "clerk")
    assert presence(rows(late)["1001"]) == (29100, 1, 900)
    day.issue("A")  # the first write of the new day closes the old one
    assert presence(rows(report(day, "clerk"))["1001"]) == (29100, 1, 900)
    # Both 差评 (window 2's by 1002, window 3's with nobody signed in) are overdue by now.
    found = rows(report(day, "window"))
    assert (found["2"]["followups_overdue"], found["3"]["followups_overdue"]) == (1, 1)
    clerks = rows(report(day, "clerk"))
    assert (clerks["1002"]["followups_overdue"], clerks[""]["followups_overdue"]) == (1, 1)
    assert report(day, "window")["total"]["followups_overdue"] == 2


def test_figures_rebuilt_from_the_outbox_equal_the_live_ones(
    tmp_path: Path, hall_config: HallConfig
) -> None:
    groupings = ("window", "clerk", "category", "item", "hour", "day")
    folder = tmp_path / "data"
    with open_hall(folder, hall_config) as hall:
        play_day(hall)
        live = {by: report(hall, by) for by in groupings}
    # As a store that had its events before it had the figures: wiped and marked for rebuild.
    with sqlite3.connect(folder / "hub.db") as conn:
        for table in ("figures_counts", "figures_hist", "figures_tickets", "figures_windows"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("INSERT INTO figures_meta (key, value) VALUES ('rebuild', 'pending')")
    with open_hall(folder, hall_config, start="10:30:00") as hall:
        assert report(hall, "window")["total"]["served"] == 7
        assert {by: report(hall, by) for by in groupings} == live
