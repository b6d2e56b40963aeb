"""The console's 窗口与业务 page: windows (name, unit, categories served), categories (name,
daily cap, last-ticket time) and the hall's texts (notice line, phones), each form saving one
section of the effective configuration through the hub's configuration book.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from hub.manage.console import Console, Viewer

EDIT_ROLES = ("manager",)


def install_hall_page(app: FastAPI, console: Console, book: Any) -> None:
    """Add ``/manage/hall`` (windows, categories and hall texts) for the manager."""
    Editor = Annotated[Viewer, Depends(console.page(*EDIT_ROLES))]

    @app.get("/manage/hall", response_class=HTMLResponse, include_in_schema=False)
    def hall_page(request: Request, me: Editor) -> HTMLResponse:
        return console.render(request, me, "hall.html", {}, title="窗口与业务")
