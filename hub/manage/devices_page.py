"""The console's 设备 page: every device token of the hall (type, name, window, last use, the
health its box last reported), adding one and revoking one; and 软件版本与更新: each box's hallkit
version, update state and last rollback's reason, with where the hall's rollout stands (the hub
box first: :mod:`hub.fleet`).

A new token is shown once: the add redirects to a page that takes it out of memory (bound to
the session that made it, for :data:`SHOWN_FOR_SECONDS` at most), with a QR code of it for the
box's technician; reloading that page shows it no more. Revoking asks for a confirmation, then
the device's next request gets 401 and its event streams end (:meth:`DeviceRegistry.revoke`).
Adds and revokes are audited (``device.add``, ``device.revoke``). The admin token is the hub's
own: it is listed but neither made nor revoked here.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import base64
import secrets
import threading
import time
from datetime import datetime
from typing import Annotated, Any

import qrcode
from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth import NAME_MAX, WINDOW_ROLES, Device, DeviceInfo, DeviceRegistry
from hub.errors import HubError, NotFound
from hub.manage import texts
from hub.manage.console import Console, Viewer

ADDABLE = ("kiosk", "counter", "board", "display")
"""The roles a person may make tokens for (the admin token is the hub's own)."""
SHOWN_FOR_SECONDS = 600.0
"""A new token waits this long at most for its one showing."""
FIELD_OF = {
    "unknown_role": "role",
    "name_required": "name",
    "name_too_long": "name",
    "window_required": "window",
    "unknown_window": "window",
    "window_not_allowed": "window",
}
NO_STORE = {"Cache-Control": "no-store"}
ALREADY_SHOWN = (
    "这个令牌已经显示过一次，出于安全不再显示。如未记下，请吊销该设备并重新新增一个令牌。"
)


def seen_text(iso: str | None, now: datetime, registry: DeviceRegistry) -> str:
    """When a token was last used, for people: ``刚刚``, ``3分钟前``, ``2小时前`` today,
    else the hall's date and time (``12-05 14:03``); ``从未使用`` for never."""
    if not iso:
        return "从未使用"
    moment = datetime.fromisoformat(iso)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)}分钟前"
    local, today = registry.hall_time(moment), registry.hall_time(now)
    if seconds < 12 * 3600 and local.date() == today.date():
        return f"{int(seconds // 3600)}小时前"
    return local.strftime("%m-%d %H:%M")


def stamp_text(iso: str | None, registry: DeviceRegistry) -> str:
    """A UTC stamp of the registry in the hall's time, ``2026-12-05 14:03``; "" for none."""
    if not iso:
        return ""
    return registry.hall_time(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` (level M, 4-module quiet zone) as an SVG ``data:`` URI."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
        f' shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


class ShownOnce:
    """New tokens waiting for their one showing, each to the session that made it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[str, float, Device, str]] = {}

    def put(self, session_id: str, device: Device, token: str) -> str:
        """Keep ``token`` for ``session_id``; returns the key of its page."""
        key = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            for old in [k for k, v in self._waiting.items() if now - v[1] > SHOWN_FOR_SECONDS]:
                del self._waiting[old]
            self._waiting[key] = (session_id, now, device, token)
        return key

    def take(self, session_id: str, key: str) -> tuple[Device, str] | None:
        """The device and token under ``key`` for ``session_id``, once; None afterwards."""
        with self._lock:
            waiting = self._waiting.get(key)
            if waiting is None or waiting[0] != session_id:
                return None
            del self._waiting[key]
        if time.monotonic() - waiting[1] > SHOWN_FOR_SECONDS:
            return None
        return waiting[2], waiting[3]


def _row(info: DeviceInfo, now: datetime, registry: DeviceRegistry) -> dict[str, Any]:
    device = info.device
    health = info.health
    return {
        "id": device.id,
        "name": device.name,
        "role": device.role,
        "role_name": texts.DEVICE_ROLE_NAMES.get(device.role, device.role),
        "window": device.window,
        "active": info.active,
        "seen": seen_text(info.last_seen, now, registry),
        "seen_at": stamp_text(info.last_seen, registry),
        "created": stamp_text(info.created_at, registry),
        "revoked": stamp_text(info.revoked_at, registry),
        "health": health,
        "health_at": stamp_text(health["raised_at"], registry) if health else "",
        "revocable": info.active and device.role != "admin",
    }


UPDATE_STATES = {
    "waiting": "等待维护时段",
    "current": "已是当前版本",
    "updated": "已更新",
    "rolled-back": "已自动回退",
    "failed": "更新失败",
}


def _update_rows(fleet: Any, registry: DeviceRegistry) -> tuple[list[dict[str, Any]], str]:
    """Each box's update row for the page, and the rollout in one sentence."""
    if fleet is None:
        return [], ""
    rows = []
    for box in fleet.boxes():
        at = datetime.fromisoformat(box.at) if box.at else None
        rows.append(
            {
                "box": box.box,
                "name": box.name,
                "role_name": "集中控制器"
                if box.role == "hub"
                else texts.DEVICE_ROLE_NAMES.get(box.role, box.role),
                "version": box.version or "—",
                "state": box.state,
                "state_name": UPDATE_STATES.get(box.state, box.state),
                "message": box.message,
                "at": registry.hall_time(at).strftime("%Y-%m-%d %H:%M") if at else "",
                "rollback": box.rollback or "",
                "rollback_at": stamp_text(box.rollback_at, registry) if box.rollback_at else "",
                "trouble": box.state in ("rolled-back", "failed"),
            }
        )
    plan = fleet.plan()
    hub = plan.canary
    if hub is None:
        rollout = "集中控制器尚未报告更新情况（在集中控制器上启用 hallkit-update.timer）。"
    elif hub["state"] in ("rolled-back", "failed"):
        rollout = "本厅更新已暂停：集中控制器更新后自检未通过，已回退；其他设备暂不更新。"
    elif not plan.go:
        rollout = "等待集中控制器在维护时段先行更新，其他设备随后更新。"
    else:
        rollout = f"集中控制器运行 {plan.release} 且自检正常；其他设备在维护时段更新到该版本。"
    return rows, rollout


def install_devices_page(app: FastAPI, console: Console, registry: DeviceRegistry) -> None:
    """Add ``/manage/devices`` (list and add form), the one showing of a new token, and the
    revoke confirmation and revoke."""
    Technician = Annotated[Viewer, Depends(console.page(*texts.DEVICE_ROLES))]
    waiting = ShownOnce()

    def listing(
        request: Request,
        me: Viewer,
        *,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
        done: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        now = registry.now()
        rows = [_row(info, now, registry) for info in registry.overview()]
        updates, rollout = _update_rows(getattr(request.app.state, "fleet", None), registry)
        context = {
            "updates": updates,
            "rollout": rollout,
            "active": [r for r in rows if r["active"]],
            "revoked": [r for r in rows if not r["active"]],
            "roles": [(r, texts.DEVICE_ROLE_NAMES[r]) for r in ADDABLE],
            "window_roles": WINDOW_ROLES,
            "windows": sorted(registry.windows),
            "name_max": NAME_MAX,
            "errors": errors or {},
            "typed": typed or {},
            "done": done,
        }
        return console.render(request, me, "devices.html", context, title="设备", status=status)

    @app.get("/manage/devices", response_class=HTMLResponse, include_in_schema=False)
    def devices_page(request: Request, me: Technician) -> HTMLResponse:
        done = ""
        revoked_id = request.query_params.get("revoked")
        if revoked_id:
            names = [i.device for i in registry.overview() if i.device.id == revoked_id]
            if names:
                done = f"已吊销“{names[0].name}”的令牌：它的下一次请求将被拒绝，实时连接已断开。"
        return listing(request, me, done=done)

    @app.post("/manage/devices", include_in_schema=False)
    async def add_device(request: Request, me: Technician) -> Response:
        form = await console.form(request)
        role = form.get("role", "")
        name = form.get("name", "")
        window_text = form.get("window", "").strip()
        typed = {"role": role, "name": name, "window": window_text}
        errors: dict[str, str] = {}
        window: int | None = None
        if role not in ADDABLE:
            errors["role"] = "请选择设备类型"
        if window_text:
            if window_text.isdigit() and len(window_text) <= 4:
                window = int(window_text)
            else:
                errors["window"] = "窗口应为窗口号"
        if role in ADDABLE and role not in WINDOW_ROLES:
            window = None  # a kiosk or hall display is bound to no window, whatever was picked
        if not errors:
            try:
                device, token = await run_in_threadpool(
                    registry.add, role, name, window, actor=me.actor
                )
            except HubError as err:
                errors[FIELD_OF.get(err.code, "name")] = err.message
            else:
                key = waiting.put(me.id, device, token)
                return RedirectResponse(f"/manage/devices/new/{key}", 303)
        return await run_in_threadpool(
            lambda: listing(request, me, errors=errors, typed=typed, status=422)
        )

    @app.get("/manage/devices/new/{key}", response_class=HTMLResponse, include_in_schema=False)
    def new_token_page(request: Request, me: Technician, key: str) -> HTMLResponse:
        shown = waiting.take(me.id, key)
        if shown is None:
            page = console.render(
                request,
                me,
                "message.html",
                {"message": ALREADY_SHOWN, "status": 410},
                title="令牌已显示过",
                status=410,
            )
        else:
            device, token = shown
            context = {
                "d": {
                    "name": device.name,
                    "role_name": texts.DEVICE_ROLE_NAMES.get(device.role, device.role),
                    "window": device.window,
                    "id": device.id,
                },
                "token_parts": [token[i : i + 11] for i in range(0, len(token), 11)],
                "qr": qr_data_uri(token),
            }
            page = console.render(request, me, "devices_new.html", context, title="新设备令牌")
        page.headers.update(NO_STORE)
        return page

    def _active(device_id: str) -> dict[str, Any]:
        now = registry.now()
        for info in registry.overview():
            if info.device.id == device_id:
                return _row(info, now, registry)
        raise NotFound("unknown_device", "没有这个设备令牌")

    @app.get(
        "/manage/devices/{device_id}/revoke", response_class=HTMLResponse, include_in_schema=False
    )
    def confirm_revoke(request: Request, me: Technician, device_id: str) -> HTMLResponse:
        row = _active(device_id[:64])
        return console.render(request, me, "devices_revoke.html", {"d": row}, title="吊销设备令牌")

    @app.post("/manage/devices/{device_id}/revoke", include_in_schema=False)
    def revoke(me: Technician, device_id: str) -> Response:
        registry.revoke_by_hand(device_id[:64], me.actor)  # NotFound, Conflict: message page
        return RedirectResponse(f"/manage/devices?revoked={device_id[:64]}", 303)
