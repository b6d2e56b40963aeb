"""The console's 工作人员 page (manager only): the hall's clerks, to add, edit, disable, give a
new PIN or unlock.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from hub.engine import QueueEngine
from hub.manage.console import Console, Viewer

STAFF_ROLES = ("manager",)


def install_staff_page(app: FastAPI, console: Console, book: Any, engine: QueueEngine) -> None:
    """Add ``/manage/staff``."""
    Manager = Annotated[Viewer, Depends(console.page(*STAFF_ROLES))]

    @app.get("/manage/staff", response_class=HTMLResponse, include_in_schema=False)
    def staff_list(request: Request, me: Manager) -> HTMLResponse:
        staff = list(book.current().staff)
        return console.render(request, me, "staff.html", {"staff": staff}, title="工作人员")
