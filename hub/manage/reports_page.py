"""The console's 统计报表: the hall's figures for a day, week, month, quarter or custom range,
grouped by window, clerk, category, item, hour or day, as tables and charts with Excel and
CSV export, with 电子监察's open cases due soon or overdue (:mod:`hub.case_watch`); and the
printable monthly report (月度通报, A4).

The figures are the reports API's (:mod:`sync.figures`): the page and the export read the same
rollups with the same definitions. Charts are Apache ECharts, served by the hub.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import json
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from hub.actors import READ_ROLES
from hub.engine import QueueEngine
from hub.errors import Invalid
from hub.manage.console import Console, Viewer
from hub.manage.format import day_text, duration_text, percent_text, stamp_text
from hub.manage.periods import PERIODS, Period, period_around
from sync.figures import GROUPINGS, ReportError, heatmap, parse_range, report
from sync.figures.labels import WEEKDAYS
from sync.figures.params import parse_day

Text = Annotated[str | None, Query(max_length=40)]


def _period(
    kind: str | None, day: str | None, start: str | None, end: str | None, today: date
) -> Period:
    """The period asked for; raises Invalid with the parameter's sentence."""
    try:
        if kind == "custom":
            first, last = parse_range(start, end)
            return Period("custom", first, last)
        anchor = parse_day("day", day) if day else today
        return period_around(kind if kind in PERIODS else "month", anchor)
    except ReportError as err:
        raise Invalid(f"bad_{err.parameter}", err.message) from err


def row_view(row: dict[str, Any]) -> dict[str, Any]:
    """A report row with its durations and rates written for people."""
    return {
        **row,
        "wait_p50": duration_text(row["wait_p50_s"]),
        "wait_p90": duration_text(row["wait_p90_s"]),
        "wait_max": duration_text(row["wait_max_s"]),
        "service_p50": duration_text(row["service_p50_s"]),
        "service_p90": duration_text(row["service_p90_s"]),
        "satisfaction": percent_text(row["satisfaction_rate"]),
        "rating_rate_text": percent_text(row.get("rating_rate")),
        "signed_in": duration_text(row.get("signed_in_seconds"))
        if "signed_in_seconds" in row
        else "",
        "pause_time": duration_text(row.get("pause_seconds")) if "pause_seconds" in row else "",
    }


def short_label(by: str, row: dict[str, Any]) -> str:
    """A row's name short enough for a chart's axis: ``1号``, ``王丽华``, ``09时``, ``12-07``."""
    key, label = str(row["key"]), str(row["label"])
    if by == "window":
        return f"{key}号"
    if by == "clerk":
        return label.split("（", maxsplit=1)[0]
    if by == "hour":
        return f"{int(key):02d}时"
    if by == "day":
        return key[5:]
    return label if len(label) <= 8 else label[:7] + "…"


def chart_data(by: str, rows: list[dict[str, Any]], heat: dict[str, Any] | None) -> str:
    """What reports.js draws, as JSON for a hidden element's ``data-json`` attribute."""
    data: dict[str, Any] = {
        "labels": [short_label(by, r) for r in rows],
        "served": [r["served"] for r in rows],
        "bad": [r["bad"] for r in rows],
        "satisfaction": [
            None if r["satisfaction_rate"] is None else round(r["satisfaction_rate"] * 100, 1)
            for r in rows
        ],
    }
    if heat is not None:
        data["heat"] = {"issued": heat["issued"], "days": heat["days"], "weekdays": list(WEEKDAYS)}
    return json.dumps(data, ensure_ascii=False)


def report_context(
    engine: QueueEngine, period: Period, by: str, *, with_heat: bool = True
) -> dict[str, Any]:
    """The figures of ``period`` grouped ``by``, ready for the templates (blocking)."""
    db, now, config = engine.store.reader(), engine.clock.now(), engine.config
    built = report(db, period.first, period.last, by, config=config, now=now)
    heat = heatmap(db, period.first, period.last) if with_heat else None
    rows = [row_view(r) for r in built["rows"]]
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat(), "by": by})
    return {
        "period": period,
        "by": by,
        "by_name": GROUPINGS[by],
        "rows": rows,
        "total": row_view(built["total"]),
        "as_of": stamp_text(built["total"]["as_of"]),
        "chart": chart_data(by, built["rows"], heat),
        "xlsx": f"/api/v1/reports.xlsx?{query}",
        "csv": f"/api/v1/reports.csv?{query}",
        "first_text": day_text(period.first),
        "last_text": day_text(period.last),
    }


def _link(period: Period, by: str) -> str:
    if period.kind == "custom":
        query = {
            "period": "custom",
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
        }
    else:
        query = {"period": period.kind, "day": period.first.isoformat()}
    return "/manage/reports?" + urlencode({**query, "by": by})


def install_reports_page(app: FastAPI, console: Console, engine: QueueEngine) -> None:
    """Add ``/manage/reports`` and ``/manage/reports/monthly`` to ``app``."""
    Reader = Annotated[Viewer, Depends(console.page(*READ_ROLES))]
    run_report = app.state.run_report  # the reports API's thread: never beside the queue's

    @app.get("/manage/reports", response_class=HTMLResponse, include_in_schema=False)
    async def reports_page(
        request: Request,
        me: Reader,
        period: Annotated[str | None, Query(max_length=10)] = None,
        day: Text = None,
        start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
        to: Text = None,
        by: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        today = date.fromisoformat(engine.service_day())
        chosen = _period(period, day, start, to, today)
        grouping = by if by in GROUPINGS else "window"
        context = await run_report(lambda: report_context(engine, chosen, grouping))
        context["supervision"] = await run_report(engine.case_supervision)  # 电子监察, now
        context.update(
            periods=PERIODS,
            groupings=GROUPINGS,
            earlier=_link(chosen.shifted(-1), grouping),
            later=_link(chosen.shifted(1), grouping),
            this_link={
                kind: _link(period_around(kind, today), grouping)
                for kind in PERIODS
                if kind != "custom"
            },
            monthly=f"/manage/reports/monthly?month={chosen.first:%Y-%m}",
        )
        return console.render(request, me, "reports.html", context, title="统计报表")

    @app.get("/manage/reports/monthly", response_class=HTMLResponse, include_in_schema=False)
    async def monthly_page(
        request: Request, me: Reader, month: Annotated[str | None, Query(max_length=7)] = None
    ) -> HTMLResponse:
        today = date.fromisoformat(engine.service_day())
        anchor = today
        if month:
            try:
                anchor = date.fromisoformat(f"{month}-01")
            except ValueError as err:
                raise Invalid(
                    "bad_month", f"参数month的月份“{month}”无效：格式应为YYYY-MM，如2026-12"
                ) from err
        chosen = period_around("month", anchor)

        def build() -> dict[str, Any]:
            windows = report_context(engine, chosen, "window", with_heat=False)
            clerks = report_context(engine, chosen, "clerk", with_heat=False)
            days = report_context(engine, chosen, "day", with_heat=False)
            bad = engine.followups(
                day_from=chosen.first.isoformat(), day_to=chosen.last.isoformat(), limit=500
            )
            return {
                "period": chosen,
                "windows": windows,
                "clerks": clerks,
                "days": days,
                "total": windows["total"],
                "as_of": windows["as_of"],
                "followups": bad,
                "overdue": [f for f in bad if f["overdue"] or f["closed_late"]],
                "ranked": sorted(
                    [r for r in windows["rows"] if r["rated"]],
                    key=lambda r: (-(r["satisfaction_rate"] or 0), -r["served"]),
                ),
            }

        context = await run_report(build)
        return console.render(
            request, me, "monthly.html", context, title=f"{chosen.title}服务情况通报"
        )
