"""Central's 报表 and 通报 pages: roll-ups follow the region tree, a scoped supervisor sees only
their subtree, bad parameters get a Chinese sentence, and both pages export to Excel."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from fastapi.testclient import TestClient

from sync.central.figures import DayFigures, store_day
from sync.central.store import CentralStore
from tests.sync.central.console_helpers import add_account, signed_in, two_districts

DAY = "2026-09-21"  # the fake clock's day


def figures(served: int, good: int, bad: int, late: list[list[Any]] | None = None) -> DayFigures:
    row = ["t", "", served, served, served, 0, 0, good, 0, 0, 0, bad, 0.0, 0, 0.0, 600.0, 300.0]
    window = ["w", "1", 0, served, served, 0, 0, good, 0, 0, 0, bad, 0.0, 0, 0.0, 600.0, 300.0]
    return DayFigures.model_validate(
        {
            "counts": [row, window],
            "hist": [["t", "", "w", 120, served], ["w", "1", "w", 120, served]],
            "followups": late or [],
            "as_of": "2026-09-21T17:00:00+08:00",
        }
    )


def hall_district(central: CentralStore) -> dict[str, str]:
    halls = two_districts(central)
    xijiao, chengjiang = halls["西郊街道便民服务中心"], halls["程江镇便民服务中心"]
    store_day(central, xijiao, DAY, figures(10, 9, 1), "x")
    late = [["f1", "09", "1", "1001", "A", "i1", "2026-09-01"]]  # overdue since September 2
    store_day(central, chengjiang, DAY, figures(4, 2, 2, late), "c")
    with central.db.write() as db:
        db.execute(
            "INSERT INTO cases (hall, receipt, item_id, item_name, accepted_on, promised_on,"
            " status, updated_at) VALUES (?, 'SJ1', 'i1', '事项', ?, '2026-09-01', 'processing',"
            " 'x')",
            (chengjiang, DAY),
        )
    return halls


def cells(page: str, table: str) -> list[list[str]]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
        if "<td" in r
    ]


def test_the_report_rolls_up_by_the_next_level_of_the_region(
    central: CentralStore, client: TestClient
) -> None:
    hall_district(central)
    add_account(central, "shi")
    signed_in(client, "shi")
    page = client.get("/console/reports", params={"from": DAY, "to": DAY, "region": "441400"})
    assert page.status_code == 200, page.text
    rows = {r[0]: r for r in cells(page.text, "report")}
    assert set(rows) == {"梅江区", "梅县区", "合计"}
    assert (rows["梅江区"][2], rows["梅县区"][2], rows["合计"][2]) == ("10", "4", "14")
    assert rows["梅县区"][9].endswith("50.0%") and rows["合计"][9].endswith("78.6%")
    assert (rows["梅县区"][11], rows["梅县区"][12]) == ("1", "1")  # 差评超期, 逾期办件
    by_hall = client.get("/console/reports", params={"from": DAY, "to": DAY, "by": "hall"})
    assert [r[0] for r in cells(by_hall.text, "report")] == [
        "程江镇便民服务中心",
        "西郊街道便民服务中心",
        "合计",
    ]
    assert 'href="/console/reports"' in page.text and "aria-current" in page.text


def test_a_supervisor_of_a_district_sees_only_its_halls(
    central: CentralStore, client: TestClient
) -> None:
    hall_district(central)
    add_account(central, "meixian", role="supervisor", region="441403")
    signed_in(client, "meixian")
    page = client.get("/console/reports", params={"from": DAY, "to": DAY, "by": "hall"})
    assert [r[0] for r in cells(page.text, "report")] == ["程江镇便民服务中心", "合计"]
    other = client.get("/console/reports", params={"from": DAY, "to": DAY, "region": "441402"})
    assert other.status_code == 400 and "无权查看" in other.text
    ranking = client.get("/console/bulletin", params={"month": "2026-09"})
    assert [r[1] for r in cells(ranking.text, "ranking")] == ["程江镇便民服务中心"]


def test_bad_parameters_are_named_in_chinese(central: CentralStore, client: TestClient) -> None:
    hall_district(central)
    add_account(central, "shi")
    signed_in(client, "shi")
    window = client.get("/console/reports", params={"from": DAY, "to": DAY, "by": "window"})
    assert window.status_code == 400 and "需要先选定一个大厅" in window.text
    backwards = client.get("/console/reports", params={"from": DAY, "to": "2026-09-01"})
    assert backwards.status_code == 400 and "不能晚于" in backwards.text
    month = client.get("/console/bulletin", params={"month": "2026-13"})
    assert month.status_code == 400 and "月份" in month.text


def test_the_bulletin_ranks_halls_and_names_what_needs_attention(
    central: CentralStore, client: TestClient
) -> None:
    hall_district(central)
    central.add_hall("松口镇便民服务中心")
    add_account(central, "shi")
    signed_in(client, "shi")
    page = client.get("/console/bulletin", params={"month": "2026-09"})
    assert page.status_code == 200, page.text
    ranking = cells(page.text, "ranking")
    assert [(r[0], r[1]) for r in ranking] == [
        ("1", "西郊街道便民服务中心"),
        ("2", "程江镇便民服务中心"),
        ("3", "松口镇便民服务中心"),
    ]
    assert "差评超期未整改1件" in ranking[1][10] and "逾期办件1件" in ranking[1][10]
    assert "本月无办件数据" in ranking[2][10]
    assert "2026年9月" in page.text and "满意率第一：西郊街道便民服务中心" in page.text


def test_both_pages_export_to_excel_with_the_same_numbers(
    central: CentralStore, client: TestClient
) -> None:
    hall_district(central)
    add_account(central, "shi")
    signed_in(client, "shi")
    answer = client.get(
        "/console/reports.xlsx", params={"from": DAY, "to": DAY, "region": "441400"}
    )
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    sheet = book["按下级区域"]
    served = {row[0]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert served == {"梅江区": 10, "梅县区": 4, "合计": 14}
    bulletin = client.get("/console/bulletin.xlsx", params={"month": "2026-09"})
    rows = list(openpyxl.load_workbook(io.BytesIO(bulletin.content))["按大厅"].values)
    assert [r[0] for r in rows[1:]] == ["西郊街道便民服务中心", "程江镇便民服务中心", "合计"]
