"""Routes of the 报表 and 通报 pages (:mod:`sync.central.console.reports`), HTML and Excel.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from sync.central.console import texts
from sync.central.console.reports import (
    ONE_HALL_ONLY,
    REPORT_GROUPINGS,
    bulletin,
    dur,
    month_range,
    pct,
    report_for,
    scope_for,
    today_in_china,
    trend,
)
from sync.central.console.web import PREFIX, ConsoleWeb, Viewer
from sync.figures.export import workbook
from sync.figures.params import ReportError, parse_range

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


def install_report_pages(app: FastAPI, web: ConsoleWeb) -> None:
    """Add 报表 (``/console/reports``) and 通报 (``/console/bulletin``) with their exports."""
    everyone = Depends(web.page(*texts.EVERYONE))

    def report_view(request: Request, me: Viewer) -> dict[str, Any]:
        params = request.query_params
        today = today_in_china(web.central.now())
        first_default = today.replace(day=1)
        values = {
            "region": params.get("region", ""),
            "hall": params.get("hall", ""),
            "from": params.get("from", first_default.isoformat()),
            "to": params.get("to", today.isoformat()),
            "by": params.get("by", "group"),
        }
        context: dict[str, Any] = {"values": values, "error": None, "report": None, "trend": None}
        context.update(pct=pct, dur=dur)
        context["groupings"] = REPORT_GROUPINGS
        context["one_hall_only"] = ONE_HALL_ONLY
        try:
            scope = scope_for(web.central, me, values["region"], values["hall"])
            context["regions"] = scope.tree.walk(me.account.region)
            context["all_halls"] = scope_for(web.central, me, values["region"]).halls
            first, last = parse_range(values["from"], values["to"])
            context["report"] = report_for(web.central, scope, first, last, values["by"], today)
            context["trend"] = trend(web.central, scope, first, last, today)
            context["with_cases"] = values["by"] in ("hall", "group")
        except ReportError as err:
            context["error"] = err.message
            context.setdefault("regions", [])
            context.setdefault("all_halls", [])
        context["export"] = PREFIX + "/reports.xlsx?" + urlencode(values)
        return context

    @app.get(PREFIX + "/reports", response_class=HTMLResponse, include_in_schema=False)
    async def reports_page(request: Request, me: Annotated[Viewer, everyone]) -> HTMLResponse:
        context = await run_in_threadpool(report_view, request, me)
        status = 400 if context["error"] else 200
        return web.render(request, me, "reports.html", context, title="报表", status=status)

    @app.get(PREFIX + "/reports.xlsx", include_in_schema=False)
    async def reports_export(request: Request, me: Annotated[Viewer, everyone]) -> Response:
        context = await run_in_threadpool(report_view, request, me)
        if context["error"]:
            return web.message_page(request, 400, "报表", context["error"])
        by = context["values"]["by"]
        title = _scope_title(context)
        body = workbook({by: context["report"]}, hall=title)
        return _download(body, f"report-{context['values']['from']}-{context['values']['to']}.xlsx")

    def bulletin_view(request: Request, me: Viewer) -> dict[str, Any]:
        params = request.query_params
        today = today_in_china(web.central.now())
        values = {
            "region": params.get("region", ""),
            "month": params.get("month", default_month(today)),
        }
        context: dict[str, Any] = {"values": values, "error": None, "ranking": None}
        context.update(pct=pct, dur=dur)
        try:
            scope = scope_for(web.central, me, values["region"])
            context["regions"] = scope.tree.walk(me.account.region)
            first, last = month_range(values["month"])
            ranking, total = bulletin(web.central, scope, first, last, today)
            context.update(ranking=ranking, total=total, first=first, last=last)
            context["scope_name"] = (
                scope.tree.path_text(scope.region) if scope.region else "全部大厅"
            )
        except ReportError as err:
            context["error"] = err.message
            context.setdefault("regions", [])
        context["export"] = PREFIX + "/bulletin.xlsx?" + urlencode(values)
        return context

    @app.get(PREFIX + "/bulletin", response_class=HTMLResponse, include_in_schema=False)
    async def bulletin_page(request: Request, me: Annotated[Viewer, everyone]) -> HTMLResponse:
        context = await run_in_threadpool(bulletin_view, request, me)
        status = 400 if context["error"] else 200
        return web.render(request, me, "bulletin.html", context, title="月度通报", status=status)

    @app.get(PREFIX + "/bulletin.xlsx", include_in_schema=False)
    async def bulletin_export(request: Request, me: Annotated[Viewer, everyone]) -> Response:
        context = await run_in_threadpool(bulletin_view, request, me)
        if context["error"]:
            return web.message_page(request, 400, "月度通报", context["error"])
        rows = [r.row for r in context["ranking"]]
        body = workbook(
            {"hall": {"rows": rows, "total": context["total"]}},
            hall=f"{context['scope_name']} {context['values']['month']} 月度通报",
        )
        return _download(body, f"bulletin-{context['values']['month']}.xlsx")


def _scope_title(context: dict[str, Any]) -> str:
    report = context["report"]
    return f"{report['total']['halls']}个大厅" if report else ""


def default_month(today: date) -> str:
    """The month a 通报 is about by default: the last complete one."""
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
