"""The console's administration pages: the hall's staff, windows and categories, service
calendar and configuration versions (manager), each edit going through the hub's
:class:`hub.config_book.ConfigBook`. :func:`install_admin_pages` adds them to a hub app that
already has the console (:func:`hub.manage.routes.install_console`)."""

from __future__ import annotations

from fastapi import FastAPI

from hub.config_book import ConfigBook
from hub.engine import QueueEngine
from hub.manage.calendar_page import install_calendar_page
from hub.manage.console import Console
from hub.manage.hall_page import install_hall_page
from hub.manage.history_page import install_history_page
from hub.manage.staff_page import install_staff_page


def install_admin_pages(app: FastAPI, engine: QueueEngine, book: ConfigBook) -> None:
    """Add every page that changes the hall's configuration (and keep ``book`` at
    ``app.state.config_book``)."""
    console: Console = app.state.console
    app.state.config_book = book
    install_staff_page(app, console, book, engine)
    install_hall_page(app, console, book)
    install_calendar_page(app, console, book)
    install_history_page(app, console, book)
