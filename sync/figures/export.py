"""A report as a spreadsheet: an Excel workbook (a sheet per grouping) or CSV, headers in Chinese.

In the workbook numbers stay numbers: counts as integers, durations as Excel durations
(``[h]:mm:ss``, so a sum or an average in Excel just works), rates as percentages; an empty
cell is a figure that does not exist for that grouping (no tickets issued at a window) or has
no value (no waits to take a median of). The CSV is UTF-8 with a byte-order mark, so Excel
opens the Chinese correctly, durations in seconds and rates as ``75.0%``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sync.figures.params import GROUPINGS


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, how to read it from a row, and its kind."""

    header: str
    read: Callable[[dict[str, Any]], Any]
    kind: str = "count"  # count | duration | rate


def _field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row.get(name)


def _rating(level: int) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row["ratings"][str(level)]


COLUMNS = (
    Column("取号", _field("issued")),
    Column("接待", _field("called")),
    Column("办结", _field("served")),
    Column("过号", _field("missed")),
    Column("转出", _field("transferred")),
    Column("等候时间中位数", _field("wait_p50_s"), "duration"),
    Column("等候时间P90", _field("wait_p90_s"), "duration"),
    Column("最长等候", _field("wait_max_s"), "duration"),
    Column("办理时长中位数", _field("service_p50_s"), "duration"),
    Column("办理时长P90", _field("service_p90_s"), "duration"),
    Column("非常满意", _rating(1)),
    Column("满意", _rating(2)),
    Column("基本满意", _rating(3)),
    Column("不满意", _rating(4)),
    Column("非常不满意", _rating(5)),
    Column("已评价", _field("rated")),
    Column("未评价", _field("unrated")),
    Column("满意率", _field("satisfaction_rate"), "rate"),
    Column("差评", _field("bad")),
    Column("评价率", _field("rating_rate"), "rate"),
    Column("差评超期未办结", _field("followups_overdue")),
)
"""The figures of every grouping, in order."""

PRESENCE_COLUMNS = (
    Column("在岗时长", _field("signed_in_seconds"), "duration"),
    Column("暂停次数", _field("pauses")),
    Column("暂停时长", _field("pause_seconds"), "duration"),
)
"""Added for the groupings that have them (window, clerk, day)."""


SHEET_GROUPINGS = {**GROUPINGS, "hall": "大厅", "group": "下级区域"}
"""The groupings' names, with central's (by hall, by the region's next level)."""


def sheet_name(by: str) -> str:
    """The sheet of a grouping: 按窗口, 按工作人员, 按大厅, …"""
    return f"按{SHEET_GROUPINGS[by]}"


def columns_for(report: dict[str, Any]) -> tuple[Column, ...]:
    """The columns a report needs: the presence ones only when its rows have them."""
    rows = report["rows"]
    has_presence = bool(rows) and rows[0].get("signed_in_seconds") is not None
    return COLUMNS + PRESENCE_COLUMNS if has_presence else COLUMNS


def _lines(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [*report["rows"], report["total"]]


def workbook(reports: dict[str, dict[str, Any]], *, hall: str) -> bytes:
    """An .xlsx with one sheet per grouping (``reports``: grouping → :func:`report` answer,
    in order), each a Chinese header row, a row per key and a 合计 row, then a 说明 sheet
    with the hall, the period and how to read the figures."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    bold = Font(bold=True)
    for by, report in reports.items():
        sheet = book.create_sheet(sheet_name(by))
        columns = columns_for(report)
        sheet.append([SHEET_GROUPINGS[by], *(c.header for c in columns)])
        for line in _lines(report):
            sheet.append([line["label"], *(_cell(c, line) for c in columns)])
        for index, column in enumerate(columns, start=2):
            style = {"duration": "[h]:mm:ss", "rate": "0.0%"}.get(column.kind)
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = 12
            if style:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = style
        sheet.column_dimensions["A"].width = 28
        for cell in sheet[1]:
            cell.font = bold
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.freeze_panes = "B2"
    _notes(book, reports, hall)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(column: Column, line: dict[str, Any]) -> Any:
    value = column.read(line)
    if value is None:
        return None
    if column.kind == "duration":
        return float(value) / 86400  # Excel keeps durations as days
    return value


def _notes(book: Workbook, reports: dict[str, dict[str, Any]], hall: str) -> None:
    total = next(iter(reports.values()))["total"]
    sheet = book.create_sheet("说明")
    for line in (
        ["大厅" if "ratings_without_clerk" in total else "范围", hall],
        ["统计期间", f"{total['from']} 至 {total['to']}"],
        ["统计时间", total["as_of"]],
        ["未登录人员的评价数", total["ratings_without_clerk"]],
        [],
        [
            "口径",
            "接待：叫号到窗口（同一窗口重呼不重复计）；办结：办结的服务；过号：过号且未重新排队、未再次叫号",
        ],
        ["", "等候时间：取号到首次叫号；办理时长：叫号到办结；中位数和P90按秒级网格取整后的最近秩"],
        [
            "",
            "满意率 =（非常满意+满意+基本满意）/ 已评价；评价率 = 已评价 / 办结；差评 = 不满意+非常不满意",
        ],
        ["", "窗口和人员分组没有取号数（取号时尚未分配窗口）；完整口径见 docs/reports.md"],
    ):
        sheet.append(line)
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 90


def csv_bytes(report: dict[str, Any], by: str) -> bytes:
    """One grouping as CSV (UTF-8 with BOM): header, a row per key, the 合计 row."""
    columns = columns_for(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            GROUPINGS[by],
            *(f"{c.header}（秒）" if c.kind == "duration" else c.header for c in columns),
        ]
    )
    for line in _lines(report):
        writer.writerow([line["label"], *(_text(c, line) for c in columns)])
    return out.getvalue().encode("utf-8-sig")


def _text(column: Column, line: dict[str, Any]) -> str:
    value = column.read(line)
    if value is None:
        return ""
    if column.kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
