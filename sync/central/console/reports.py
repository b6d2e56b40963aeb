"""The console's 报表 (reports) and 通报 (monthly ranking) pages, over central's figures.

报表: for a region (or every hall the viewer may see) and a period, the figures of
:func:`sync.central.figures.central_report` grouped by the region's next level (下级区域), by
hall, or by day / hour / category; one hall also by window, clerk and item. Every row shows
the hub's figures with bars for 满意率, and for halls and regions the cases past their
promised date (逾期办件, from central's ``cases``). 通报: the halls of a region ranked for a
month (满意率 first, then 办结), with what needs attention. Both export to Excel.

A supervisor scoped to a region sees only its subtree; halls without a region only when
unscoped. "Today" (what follow-ups and cases are overdue as of) is the day in China's time
zone, the one all halls share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sync.central.console.pages import scope_of
from sync.central.console.regions import RegionTree, region_tree
from sync.central.console.web import Viewer
from sync.central.figures import central_report
from sync.central.store import CentralStore, Hall
from sync.figures.figures import make
from sync.figures.params import GROUPINGS, ReportError

ZONE = ZoneInfo("Asia/Shanghai")
OPEN_CASE_STATUSES = ("accepted", "processing")
"""A case in these statuses past its promised date is overdue (逾期办件)."""

REPORT_GROUPINGS = {"group": "下级区域", "hall": "大厅", **GROUPINGS}
"""Groupings offered on the page, with their names; window, clerk and item need one hall."""
ONE_HALL_ONLY = ("window", "clerk", "item")


def pct(rate: float | None) -> str:
    """A rate as the pages show it: "93.5%", or "—" when there is none."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def dur(seconds: float | None) -> str:
    """A duration as the pages show it: "4分30秒", "1小时05分", or "—"."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole >= 3600:
        return f"{whole // 3600}小时{whole % 3600 // 60:02d}分"
    return f"{whole // 60}分{whole % 60:02d}秒" if whole >= 60 else f"{whole}秒"


@dataclass(frozen=True)
class Scope:
    """What one page shows: the halls, the region chosen, and how halls group under it."""

    halls: list[Hall]
    region: str
    """The region chosen ("" for everything the viewer may see)."""
    groups: dict[str, str]
    """Hall id → the child region of ``region`` it lies in (or "" when directly in it)."""
    labels: dict[str, str]
    """Row key → label: hall names and child region names."""
    tree: RegionTree


def today_in_china(now: float) -> date:
    return datetime.fromtimestamp(now, UTC).astimezone(ZONE).date()


def scope_for(central: CentralStore, viewer: Viewer, region: str, hall: str = "") -> Scope:
    """The halls ``viewer`` may see in ``region`` (or one ``hall`` of them); raises
    ReportError("region"/"hall") for a region or hall outside the viewer's scope."""
    tree = region_tree(central)
    allowed = scope_of(viewer, tree)
    if region and (region not in tree.by_code or (allowed is not None and region not in allowed)):
        raise ReportError("region", "没有这个区域，或本账号无权查看")
    if not region and viewer.account.region is not None:
        region = viewer.account.region
    visible = tree.subtree(region) if region else allowed
    halls = [h for h in central.halls() if visible is None or h.region in visible]
    if hall:
        halls = [h for h in halls if h.id == hall]
        if not halls:
            raise ReportError("hall", "没有这个大厅，或本账号无权查看")
    groups: dict[str, str] = {}
    labels = {h.id: h.name for h in halls}
    for h in halls:
        path = [r.code for r in tree.path(h.region)]
        below = path
        if region:
            below = path[path.index(region) + 1 :] if region in path else []
        child = below[0] if below else ""
        groups[h.id] = child
        labels[child] = tree.by_code[child].name if child else _direct_label(tree, region)
    return Scope(halls, region, groups, labels, tree)


def _direct_label(tree: RegionTree, region: str) -> str:
    if not region:
        return "（未设区域）"
    return f"{tree.by_code[region].name}（直属）"


def month_range(text: str) -> tuple[date, date]:
    """``YYYY-MM`` → its first and last day; raises ReportError("month")."""
    try:
        first = date.fromisoformat(f"{text.strip()}-01")
    except ValueError as err:
        raise ReportError("month", f"月份“{text[:10]}”无效：格式应为YYYY-MM，如2026-11") from err
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, after - timedelta(days=1)


def overdue_cases(
    central: CentralStore, halls: list[str], first: date, last: date, today: date
) -> dict[str, int]:
    """Per hall: cases accepted on ``first``..``last``, not finished, promised before ``today``."""
    if not halls:
        return {}
    marks = ", ".join("?" for _ in halls)
    states = ", ".join("?" for _ in OPEN_CASE_STATUSES)
    with central.db.read() as db:
        rows = db.query(
            f"SELECT hall, COUNT(*) FROM cases WHERE hall IN ({marks})"  # noqa: S608
            f" AND accepted_on BETWEEN ? AND ? AND status IN ({states})"
            " AND promised_on IS NOT NULL AND promised_on < ? GROUP BY hall",
            (*halls, first.isoformat(), last.isoformat(), *OPEN_CASE_STATUSES, today.isoformat()),
        )
    return {str(r[0]): int(r[1]) for r in rows}


def report_for(
    central: CentralStore, scope: Scope, first: date, last: date, by: str, today: date
) -> dict[str, Any]:
    """The report of ``scope`` grouped ``by``, each hall/group row and the total with
    ``cases_overdue``; raises ReportError("by") for a grouping that needs one hall."""
    if by not in REPORT_GROUPINGS:
        raise ReportError("by", f"分组方式“{by[:20]}”无效")
    if by in ONE_HALL_ONLY and len(scope.halls) != 1:
        raise ReportError("by", f"按{REPORT_GROUPINGS[by]}分组需要先选定一个大厅")
    ids = [h.id for h in scope.halls]
    report = central_report(
        central, first, last, by, halls=ids, today=today, labels=scope.labels, groups=scope.groups
    )
    late = overdue_cases(central, ids, first, last, today)
    for row in report["rows"]:
        if by == "hall":
            row["cases_overdue"] = late.get(row["key"], 0)
        elif by == "group":
            row["cases_overdue"] = sum(n for h, n in late.items() if scope.groups[h] == row["key"])
    report["total"]["cases_overdue"] = sum(late.values())
    report["total"]["as_of"] = today.isoformat()
    return report


@dataclass(frozen=True)
class Ranked:
    rank: int
    row: dict[str, Any]
    region: str
    attention: list[str]


def bulletin(
    central: CentralStore, scope: Scope, first: date, last: date, today: date
) -> tuple[list[Ranked], dict[str, Any]]:
    """The halls of ``scope`` for the month ``first``..``last`` ranked: 满意率 (none last),
    then 办结, then name; each with what needs attention. Returns (ranking, total)."""
    report = report_for(central, scope, first, last, "hall", today)
    by_id = {h.id: h for h in scope.halls}
    rows = list(report["rows"])
    seen = {row["key"] for row in rows}
    for hall in scope.halls:  # a hall that sent nothing this month is ranked too, last
        if hall.id not in seen:
            empty = make(hall.id, hall.name, {}, {}, issued=True, presence=True, overdue=0)
            rows.append({**empty.to_dict(), "cases_overdue": 0})
    rows.sort(
        key=lambda r: (
            r["satisfaction_rate"] is None,
            -(r["satisfaction_rate"] or 0.0),
            -r["served"],
            r["label"],
        )
    )
    ranking = []
    for index, row in enumerate(rows, start=1):
        attention = []
        if row["followups_overdue"]:
            attention.append(f"差评超期未整改{row['followups_overdue']}件")
        if row.get("cases_overdue"):
            attention.append(f"逾期办件{row['cases_overdue']}件")
        if row["served"] == 0:
            attention.append("本月无办件数据（请核查大厅主机是否联网）")
        found = by_id.get(row["key"])
        region = scope.tree.path_text(found.region if found else None)
        ranking.append(Ranked(index, row, region, attention))
    return ranking, report["total"]


@dataclass(frozen=True)
class Trend:
    """A daily chart of the report's range, drawn as SVG by the page (no script, no library):
    bars of 办结 per day, and a line of 满意率 (its scale 50–100 %)."""

    width: int
    height: int
    bars: list[dict[str, Any]]
    line: str
    """The satisfaction line's points ("x,y x,y …"), days without ratings left out."""
    most: int


TREND_MAX_DAYS = 93


def trend(
    central: CentralStore, scope: Scope, first: date, last: date, today: date
) -> Trend | None:
    """The chart of ``first``..``last`` (None for one day or more than a quarter)."""
    days = (last - first).days + 1
    if days < 2 or days > TREND_MAX_DAYS:
        return None
    report = report_for(central, scope, first, last, "day", today)
    by_day = {row["key"]: row for row in report["rows"]}
    width, height, top = 720, 180, 10
    step = width / days
    most = max([row["served"] for row in by_day.values()] + [1])
    bars, points = [], []
    for index in range(days):
        day = (first + timedelta(days=index)).isoformat()
        row = by_day.get(day, {})
        served = int(row.get("served", 0))
        tall = (height - top) * served / most
        x = index * step
        bars.append(
            {
                "x": round(x + step * 0.15, 1),
                "y": round(height - tall, 1),
                "w": round(step * 0.7, 1),
                "h": round(tall, 1),
                "title": f"{day} 办结{served} 满意率{pct(row.get('satisfaction_rate'))}",
            }
        )
        rate = row.get("satisfaction_rate")
        if rate is not None:
            y = height - (height - top) * max(0.0, (rate - 0.5) / 0.5)
            points.append(f"{round(x + step / 2, 1)},{round(y, 1)}")
    return Trend(width, height, bars, " ".join(points), most)
