"""``hall report``: the hall's figures on the hub box, read-only. Registered by ``hall.cli``.

    hall report --data DIR --from 2025-03-01 --to 2025-03-31 --by window[,clerk…]
                [--json | --xlsx FILE | --csv FILE] [--config FILE]

Reads the hub's store through a read-only SQLite connection (``mode=ro``), so a running hub
is neither blocked nor changed. Without an output option it prints a table per grouping with
Chinese headers. Exit status 0, 1 when the store cannot be read, 2 for a bad date or grouping.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from hall import paths
from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE


class _Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _reports(args: argparse.Namespace, many: bool) -> tuple[dict[str, dict[str, Any]], str]:
    """grouping → report, and the hall's name; raises _Refused."""
    import sqlite3
    from contextlib import closing

    from config.errors import ConfigError
    from hub.server import DB_NAME
    from sync.clock import SystemClock
    from sync.figures import ReportError, parse_groupings, parse_range, report

    try:
        first, last = parse_range(args.start, args.end)
        groupings = parse_groupings(args.by, many=many)
    except ReportError as err:
        raise _Refused(f"hall report: {err.message}", EXIT_USAGE) from err
    try:
        config = paths.load(args.config)
    except ConfigError as err:
        raise _Refused(f"hall report: {err}", EXIT_FAIL) from err
    path = Path(args.data) / DB_NAME
    if not path.is_file():
        raise _Refused(
            f"hall report: {args.data} 里没有大厅主机的数据库 {DB_NAME}，"
            "请核对 --data 是否为大厅主机的数据目录", EXIT_FAIL)  # fmt: skip
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            if not conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'figures_counts'"
            ).fetchone():
                raise _Refused(
                    "hall report: 这个数据库还没有统计数据：请用新版本启动一次大厅主机"
                    "（hall hub），它会根据保存的事件建立统计", EXIT_FAIL)  # fmt: skip
            now = SystemClock().now()
            built = {by: report(conn, first, last, by, config=config, now=now) for by in groupings}
    except sqlite3.Error as err:
        raise _Refused(f"hall report: 无法读取数据库 {path}：{err}", EXIT_FAIL) from err
    return built, config.hall.name


def _cmd_report(args: argparse.Namespace) -> int:
    from sync.figures.export import csv_bytes, workbook

    try:
        built, hall = _reports(args, many=args.csv is None)
    except _Refused as err:
        print(err, file=sys.stderr)
        return err.status
    if args.json:
        answer = next(iter(built.values())) if len(built) == 1 else built
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    elif args.xlsx:
        Path(args.xlsx).write_bytes(workbook(built, hall=hall))
        print(f"已写入 {args.xlsx}（{len(built)}张表）")
    elif args.csv:
        name, answer = next(iter(built.items()))
        Path(args.csv).write_bytes(csv_bytes(answer, name))
        print(f"已写入 {args.csv}")
    else:
        for name, answer in built.items():
            _print_table(name, answer, hall)
    return EXIT_OK


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, left: bool) -> str:
    space = " " * max(0, width - _width(text))
    return text + space if left else space + text


def _shown(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "duration":
        seconds = round(float(value))
        hours, rest = divmod(seconds, 3600)
        return (
            f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
            if hours
            else f"{rest // 60}:{rest % 60:02d}"
        )
    return str(value)


def _print_table(by: str, answer: dict[str, Any], hall: str) -> None:
    from sync.figures.export import columns_for
    from sync.figures.params import GROUPINGS

    total = answer["total"]
    print(
        f"{hall} 按{GROUPINGS[by]}统计 {total['from']} 至 {total['to']}（统计于 {total['as_of']}）"
    )
    columns = columns_for(answer)
    header = [GROUPINGS[by], *(c.header for c in columns)]
    lines = [
        [line["label"], *(_shown(c.kind, c.read(line)) for c in columns)]
        for line in [*answer["rows"], total]
    ]
    widths = [max(_width(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        print("  ".join(_pad(cell, widths[i], i == 0) for i, cell in enumerate(row)).rstrip())
    if total["ratings_without_clerk"]:
        print(f"其中未登录人员的服务获得的评价：{total['ratings_without_clerk']}条")
    print()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``hall report`` to the ``hall`` command."""
    parser = sub.add_parser(
        "report", help="the hall's figures for a range of days (read-only, beside a running hub)"
    )
    paths.add_hub_options(parser)
    parser.add_argument("--from", dest="start", required=True, help="first service day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, help="last service day, YYYY-MM-DD")
    parser.add_argument(
        "--by",
        default="window",
        help="window, clerk, category, item, hour or day; a comma list for several tables"
        " (default: window)",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the report as JSON")
    out.add_argument("--xlsx", metavar="FILE", help="write an Excel workbook, a sheet per grouping")
    out.add_argument("--csv", metavar="FILE", help="write one grouping as CSV (UTF-8 with BOM)")
    parser.set_defaults(handler=_cmd_report)
