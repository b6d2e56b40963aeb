"""The reports API: the hall's figures for a range of days, as JSON, Excel or CSV, and the
arrivals heat map. Read-only; the figures come from the rollups of :mod:`sync.figures`.

- ``GET /api/v1/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&by=window|clerk|category|item|hour|day``
  → ``{"rows": [...], "total": {...}}``
- ``GET /api/v1/reports.xlsx?from&to&by`` (``by`` may be a comma list: a sheet per grouping)
- ``GET /api/v1/reports.csv?from&to&by`` (one grouping)
- ``GET /api/v1/reports/heatmap?from&to`` → arrivals by weekday × hour

Callers: the admin token, or a console session of a manager or supervisor. A bad parameter
is 422 with a sentence naming it. Reports read through the store's reader connection of the
request's thread, so they never wait for, or hold up, the queue's writes.

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from fastapi.responses import Response

from hub.actor_auth import requiring
from hub.actors import READ_ROLES, Actor
from hub.engine import QueueEngine
from hub.errors import Invalid
from sync.figures import ReportError, heatmap, parse_groupings, parse_range, report
from sync.figures.export import csv_bytes, workbook

API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

From = Annotated[str | None, Query(alias="from", max_length=40)]
To = Annotated[str | None, Query(max_length=40)]
By = Annotated[str | None, Query(max_length=200)]


def install_reports(app: FastAPI, engine: QueueEngine) -> None:
    """Add the report routes to ``app`` (after ``app.state.manage_actor`` is set)."""
    Reader = Annotated[Actor, Depends(requiring(app.state.manage_actor, *READ_ROLES))]

    def build(start: str | None, end: str | None, by: str | None, many: bool) -> dict[str, Any]:
        """grouping → report, in the order asked; raises Invalid (422) naming a bad parameter."""
        try:
            first, last = parse_range(start, end)
            groupings = parse_groupings(by, many=many)
        except ReportError as err:
            raise Invalid(f"bad_{err.parameter}", err.message) from err
        db, now, config = engine.store.reader(), engine.clock.now(), engine.config
        return {name: report(db, first, last, name, config=config, now=now) for name in groupings}

    def attachment(start: str | None, end: str | None, suffix: str) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="report-{start}-{end}.{suffix}"'}

    @app.get(f"{API}/reports")
    def reports(_: Reader, start: From = None, to: To = None, by: By = None) -> dict[str, Any]:
        return next(iter(build(start, to, by, many=False).values()))

    @app.get(f"{API}/reports.xlsx", response_class=Response)
    def reports_xlsx(_: Reader, start: From = None, to: To = None, by: By = None) -> Response:
        built = build(start, to, by, many=True)
        body = workbook(built, hall=engine.config.hall.name)
        return Response(body, media_type=XLSX, headers=attachment(start, to, "xlsx"))

    @app.get(f"{API}/reports.csv", response_class=Response)
    def reports_csv(_: Reader, start: From = None, to: To = None, by: By = None) -> Response:
        name, built = next(iter(build(start, to, by, many=False).items()))
        return Response(
            csv_bytes(built, name),
            media_type="text/csv; charset=utf-8",
            headers=attachment(start, to, "csv"),
        )

    @app.get(f"{API}/reports/heatmap")
    def reports_heatmap(_: Reader, start: From = None, to: To = None) -> dict[str, Any]:
        try:
            first, last = parse_range(start, to)
        except ReportError as err:
            raise Invalid(f"bad_{err.parameter}", err.message) from err
        return heatmap(engine.store.reader(), first, last)
