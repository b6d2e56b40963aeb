"""The console's 服务时间 page: weekdays served and their hours, holidays and make-up working
days, and a preview of the next 14 days in hall time.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from hub.manage.console import Console, Viewer

EDIT_ROLES = ("manager",)


def install_calendar_page(app: FastAPI, console: Console, book: Any) -> None:
    """Add ``/manage/calendar`` (service hours and calendar) for the manager."""
    Editor = Annotated[Viewer, Depends(console.page(*EDIT_ROLES))]

    @app.get("/manage/calendar", response_class=HTMLResponse, include_in_schema=False)
    def calendar_page(request: Request, me: Editor) -> HTMLResponse:
        return console.render(request, me, "calendar.html", {}, title="服务时间")
