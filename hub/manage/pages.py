"""The console's pages over the hall's data: the live floor, reports, follow-ups, feedback and
alerts. :func:`install_pages` adds them to a hub app that already has the console
(:func:`hub.manage.routes.install_console`)."""

from __future__ import annotations

from fastapi import FastAPI

from hub.engine import QueueEngine
from hub.events import EventBroker
from hub.manage.console import Console
from hub.manage.floor_page import install_floor
from hub.manage.followups_page import install_followups_page
from hub.manage.inbox_pages import install_inbox_pages
from hub.manage.reports_page import install_reports_page


def install_pages(app: FastAPI, engine: QueueEngine, broker: EventBroker) -> None:
    """Add every page of the console that shows or changes the hall's data."""
    console: Console = app.state.console
    install_floor(app, console, engine, broker)
    install_reports_page(app, console, engine)
    install_followups_page(app, console, engine)
    install_inbox_pages(app, console, engine)
