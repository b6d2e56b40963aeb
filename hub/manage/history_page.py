"""The console's 配置版本 page (manager only): every version of the hall's configuration, what
each changed, and a rollback to an earlier one.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from hub.manage.console import Console, Viewer

HISTORY_ROLES = ("manager",)


def install_history_page(app: FastAPI, console: Console, book: Any) -> None:
    """Add ``/manage/history``."""
    Manager = Annotated[Viewer, Depends(console.page(*HISTORY_ROLES))]

    @app.get("/manage/history", response_class=HTMLResponse, include_in_schema=False)
    def history_list(request: Request, me: Manager) -> HTMLResponse:
        versions = book.history()
        return console.render(request, me, "history.html", {"versions": versions}, title="配置版本")
