"""Central's console (``/console/``): the supervision pages of a district's, city's or
province's platform, for people who sign in with a password.

The same login and CSRF rules as the hub's manager console, shared through :mod:`weblogin`:
slow password hashes, a CSRF token on every POST (checked by :class:`weblogin.guard.CsrfGuard`
before any route runs), HttpOnly SameSite=Strict cookies, a 30-minute idle timeout, logout,
five wrong passwords lock a user for five minutes (423). Pages are server-rendered (Jinja2), in
Simplified Chinese, usable on a phone, and load nothing from elsewhere (Content-Security-Policy:
only central itself). Accounts (``admin``, ``supervisor`` 督查, optionally scoped to a region)
are made with ``hall central account add``.

Adding a page is one template and one route. The template extends ``base.html`` and fills
``{% block content %}``; the route depends on :meth:`ConsoleWeb.page` with the roles that may
see it and returns :meth:`ConsoleWeb.render`; an entry in :data:`texts.NAV` puts it in the
navigation::

    def install_reports(app: FastAPI, web: ConsoleWeb) -> None:
        @app.get("/console/reports", response_class=HTMLResponse, include_in_schema=False)
        def reports(request: Request, me: Annotated[Viewer, Depends(web.page("admin", "supervisor"))]):
            scope = scope_of(me, region_tree(web.central))   # None: every region
            return web.render(request, me, "reports.html", {"rows": ...}, title="报表")

and call it from :func:`install_console`, before :func:`install_not_found`
(``app.state.central_console`` is the ConsoleWeb).
Forms post to ``/console/...`` with the hidden field ``<input name="csrf" value="{{ csrf }}">``
(or the ``X-CSRF-Token`` header); a POST without it never reaches the route.
"""

from __future__ import annotations

from fastapi import FastAPI

from sync.central.console.pages import install_pages
from sync.central.console.report_pages import install_report_pages
from sync.central.console.web import ConsoleWeb, guard_place, install_not_found, install_web
from sync.central.limits import body_limit
from sync.central.store import CentralStore
from weblogin.guard import CsrfGuard


def install_console(app: FastAPI, central: CentralStore) -> ConsoleWeb:
    """Serve the console under ``/console/`` from ``app``; the :class:`ConsoleWeb` is kept at
    ``app.state.central_console`` too."""
    web = ConsoleWeb(central)
    app.state.central_console = web
    app.add_middleware(
        CsrfGuard, sessions=web.sessions, denied=web.message_page, console=guard_place(body_limit)
    )
    install_web(app, web)
    install_pages(app, web)
    install_report_pages(app, web)
    install_not_found(app, web)  # last: after every page
    return web
