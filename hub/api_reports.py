"""The reports API: the hall's figures for a range of days, as JSON, Excel or CSV, and the
arrivals heat map. Read-only; the figures come from the rollups of :mod:`sync.figures`.

- ``GET /api/v1/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&by=window|clerk|category|item|hour|day``
  → ``{"rows": [...], "total": {...}}``
- ``GET /api/v1/reports.xlsx?from&to&by`` (``by`` may be a comma list: a sheet per grouping)
- ``GET /api/v1/reports.csv?from&to&by`` (one grouping)
- ``GET /api/v1/reports/heatmap?from&to`` → arrivals by weekday × hour

Callers: the admin token, or a console session of a manager or supervisor. A bad parameter
is 422 with a sentence naming it. Reports run one at a time on their own thread, at a lower
CPU priority (nice 10) where the system allows it, and read through that thread's read-only
connection: they never wait for the queue's writes, and a burst of them cannot take the
processor or the request threads the kiosks and counters need.

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Query
from fastapi.responses import Response

from hub.actor_auth import requiring
from hub.actors import READ_ROLES, Actor
from hub.engine import QueueEngine
from hub.errors import Invalid
from sync.figures import ReportError, heatmap, parse_groupings, parse_range, report
from sync.figures.export import csv_bytes, workbook

log = logging.getLogger(__name__)

T = TypeVar("T")

API = "/api/v1"
REPORT_NICE = 10
"""How much lower than the queue's threads the report thread runs (Linux per-thread nice)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

From = Annotated[str | None, Query(alias="from", max_length=40)]
To = Annotated[str | None, Query(max_length=40)]
By = Annotated[str | None, Query(max_length=200)]


def _lower_priority() -> None:
    """Run the calling thread at a lower CPU priority, where the system has per-thread nice."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), REPORT_NICE)
    except (AttributeError, OSError) as err:  # not Linux, or not allowed: reports still run
        log.info("report thread keeps its priority: %s", err)


def install_reports(app: FastAPI, engine: QueueEngine) -> None:
    """Add the report routes to ``app`` (after ``app.state.manage_actor`` is set)."""
    Reader = Annotated[Actor, Depends(requiring(app.state.manage_actor, *READ_ROLES))]
    worker = ThreadPoolExecutor(1, "reports", initializer=_lower_priority)

    async def off_queue(work: Callable[[], T]) -> T:
        """``work()`` on the report thread (one report at a time)."""
        return await asyncio.get_running_loop().run_in_executor(worker, work)

    app.state.run_report = off_queue  # the console's report pages run on the same thread

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
    async def reports(
        _: Reader, start: From = None, to: To = None, by: By = None
    ) -> dict[str, Any]:
        built = await off_queue(lambda: build(start, to, by, many=False))
        return next(iter(built.values()))

    @app.get(f"{API}/reports.xlsx", response_class=Response)
    async def reports_xlsx(_: Reader, start: From = None, to: To = None, by: By = None) -> Response:
        def make() -> bytes:
            return workbook(build(start, to, by, many=True), hall=engine.config.hall.name)

        body = await off_queue(make)
        return Response(body, media_type=XLSX, headers=attachment(start, to, "xlsx"))

    @app.get(f"{API}/reports.csv", response_class=Response)
    async def reports_csv(_: Reader, start: From = None, to: To = None, by: By = None) -> Response:
        def make() -> bytes:
            name, built = next(iter(build(start, to, by, many=False).items()))
            return csv_bytes(built, name)

        body = await off_queue(make)
        return Response(
            body, media_type="text/csv; charset=utf-8", headers=attachment(start, to, "csv")
        )

    @app.get(f"{API}/reports/heatmap")
    async def reports_heatmap(_: Reader, start: From = None, to: To = None) -> dict[str, Any]:
        try:
            first, last = parse_range(start, to)
        except ReportError as err:
            raise Invalid(f"bad_{err.parameter}", err.message) from err
        return await off_queue(lambda: heatmap(engine.store.reader(), first, last))
