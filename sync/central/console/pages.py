"""The console's pages: 大厅 (halls), 区域 (regions, with the admin's forms), 账号 (accounts)
and 操作记录 (audit).

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.central.console import texts
from sync.central.console.accounts import ConsoleInputError, audit_entries
from sync.central.console.halls import hall_rows
from sync.central.console.regions import (
    LEVEL_NAMES,
    RegionTree,
    add_region,
    edit_region,
    region_tree,
    set_hall_region,
)
from sync.central.console.web import PREFIX, ConsoleWeb, Viewer
from sync.central.errors import CentralError
from sync.central.fleet import hall_fleets
from weblogin import login


def scope_of(viewer: Viewer, tree: RegionTree) -> set[str] | None:
    """The region codes ``viewer`` may see (None: every region, and halls without one)."""
    region = viewer.account.region
    return None if region is None else tree.subtree(region)


def install_pages(app: FastAPI, web: ConsoleWeb) -> None:
    """Add the halls, regions, accounts and audit pages to ``app``."""
    everyone = Depends(web.page(*texts.EVERYONE))
    admin = Depends(web.page(*texts.ADMIN))

    @app.get(PREFIX + "/", response_class=HTMLResponse, include_in_schema=False)
    def halls_page(request: Request, me: Annotated[Viewer, everyone]) -> HTMLResponse:
        tree = region_tree(web.central)
        scope = scope_of(me, tree)
        chosen = request.query_params.get("region", "")
        visible = scope
        if chosen in tree.by_code and (scope is None or chosen in scope):
            visible = tree.subtree(chosen)
        else:
            chosen = ""
        halls = hall_rows(web.central, tree, visible, web.central.now())
        fleets = hall_fleets(web.central)  # each hall's boxes: versions, rollout, rollbacks
        off_release = request.query_params.get("release") == "off"
        if off_release:  # 未在当前版本: a release applies and not every box runs it
            halls = [h for h in halls if not fleets[h.id].on_release]
        context = {
            "halls": halls,
            "fleets": fleets,
            "off_release": off_release,
            "regions": [(d, r) for d, r in tree.walk(me.account.region)],
            "chosen": chosen,
            "troubled": sum(1 for h in halls if h.troubles),
        }
        return web.render(request, me, "halls.html", context, title="大厅")

    def regions_view(
        request: Request,
        me: Viewer,
        *,
        errors: dict[str, str] | None = None,
        form: str = "",
        values: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        tree = region_tree(web.central)
        scope = scope_of(me, tree)
        halls = hall_rows(web.central, tree, scope, web.central.now())
        context = {
            "tree": tree.walk(me.account.region),
            "halls": halls,
            "levels": LEVEL_NAMES,
            "errors": errors or {},
            "form": form,
            "values": values or {},
            "saved": request.query_params.get("saved") == "1" and not errors,
        }
        return web.render(request, me, "regions.html", context, title="区域", status=status)

    @app.get(PREFIX + "/regions", response_class=HTMLResponse, include_in_schema=False)
    def regions_page(request: Request, me: Annotated[Viewer, everyone]) -> HTMLResponse:
        return regions_view(request, me)

    async def change(request: Request, me: Viewer, form_name: str, apply: Any) -> Response:
        values = await login.read_form(request)
        try:
            await run_in_threadpool(apply, values)
        except ConsoleInputError as err:
            errors = {err.field: err.message}
            return regions_view(
                request, me, errors=errors, form=form_name, values=values, status=422
            )
        return RedirectResponse(PREFIX + "/regions?saved=1", 303)

    def in_scope(me: Viewer, code: str | None, field: str) -> None:
        if me.account.region is None:
            return
        scope = region_tree(web.central).subtree(me.account.region)
        if code is None or code not in scope:
            raise ConsoleInputError(field, "只能在本账号所属区域之内操作")

    @app.post(PREFIX + "/regions/add", include_in_schema=False)
    async def region_add(request: Request, me: Annotated[Viewer, admin]) -> Response:
        def apply(v: dict[str, str]) -> None:
            parent = v.get("parent", "").strip() or None
            in_scope(me, parent, "parent")
            add_region(
                web.central,
                me.account.username,
                v.get("code", ""),
                v.get("name", ""),
                v.get("level", ""),
                parent,
            )

        return await change(request, me, "add", apply)

    @app.post(PREFIX + "/regions/edit", include_in_schema=False)
    async def region_edit(request: Request, me: Annotated[Viewer, admin]) -> Response:
        def apply(v: dict[str, str]) -> None:
            code, parent = v.get("code", ""), v.get("parent", "").strip() or None
            in_scope(me, code, "code")
            if me.account.region is not None and code != me.account.region:
                in_scope(me, parent, "parent")
            edit_region(web.central, me.account.username, code, v.get("name", ""), parent)

        return await change(request, me, "edit", apply)

    @app.post(PREFIX + "/regions/hall", include_in_schema=False)
    async def hall_move(request: Request, me: Annotated[Viewer, admin]) -> Response:
        def apply(v: dict[str, str]) -> None:
            hall, region = v.get("hall", ""), v.get("region", "")
            try:
                current = web.central.hall(hall).region
            except CentralError as err:
                raise ConsoleInputError("hall", "请选择一个大厅") from err
            if me.account.region is not None:
                in_scope(me, current, "hall")
            in_scope(me, region or None, "region")
            set_hall_region(web.central, me.account.username, hall, region)

        return await change(request, me, "hall", apply)

    @app.get(PREFIX + "/accounts", response_class=HTMLResponse, include_in_schema=False)
    def accounts_page(request: Request, me: Annotated[Viewer, admin]) -> HTMLResponse:
        tree = region_tree(web.central)
        rows = [
            {"account": a, "region_path": tree.path_text(a.region) if a.region else "全部"}
            for a in web.accounts.all()
        ]
        return web.render(request, me, "accounts.html", {"accounts": rows}, title="账号")

    @app.get(PREFIX + "/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, me: Annotated[Viewer, admin]) -> HTMLResponse:
        entries = [
            {**e, "action_name": texts.ACTION_NAMES.get(e["action"], e["action"])}
            for e in audit_entries(web.central)
        ]
        return web.render(request, me, "audit.html", {"entries": entries}, title="操作记录")
