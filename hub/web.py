"""The web window board and web hall display, served by the hub for Android TVs and browsers.

``GET /board/N?token=TOKEN`` and ``GET /display?token=TOKEN`` answer a plain HTML page (no build
step, ES5 JavaScript for old Android TV browsers) that fetches a snapshot with XMLHttpRequest and
follows ``/api/v1/events`` (EventSource, or XHR streaming where there is none). The token decides
what a page may show: a board token bound to window N, a counter token of N or the admin token
for a board; a display or admin token for the display. A wrong token gets a plain Chinese page
with 403, never the board.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import html
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse, Response

from hub.auth import Device, DeviceRegistry
from hub.board_texts import TEXTS
from hub.engine import QueueEngine
from hub.errors import HubError

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
ASSETS = {"board.js": "application/javascript", "board.css": "text/css"}

DENIED_TITLE = "无法显示"
BAD_TOKEN = "此地址的令牌无效或已被收回，请联系技术人员重新配置本屏幕。"  # noqa: S105 (a message, not a secret)
NO_TOKEN = "此地址缺少令牌（token），请联系技术人员配置本屏幕。"  # noqa: S105
WRONG_BOARD = "此令牌不能显示{n}号窗口，请联系技术人员核对窗口号。"
WRONG_DISPLAY = "此令牌不能显示大厅叫号屏，请联系技术人员使用大厅屏令牌。"
NO_WINDOW = "本大厅没有{n}号窗口，请联系技术人员核对地址。"

BOARD_ROLES = ("admin", "board", "counter")
DISPLAY_ROLES = ("admin", "display")


def _page(name: str, config: dict[str, Any], title: str) -> HTMLResponse:
    template = (STATIC / name).read_text(encoding="utf-8")
    # "</" is escaped so that no value can end the script element early.
    data = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    body = template.replace("{{TITLE}}", html.escape(title)).replace("{{CONFIG}}", data)
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})


def denied_page(message: str, status: int = 403) -> HTMLResponse:
    """A plain page saying why the screen cannot show anything (Chinese), with ``status``."""
    body = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{DENIED_TITLE}</title>"
        '<link rel="stylesheet" href="/web/board.css"></head>'
        f'<body class="denied"><h1>{DENIED_TITLE}</h1><p>{html.escape(message)}</p></body></html>'
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _utc_offset_minutes(zone: str) -> int:
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def may_show_board(device: Device, window: int) -> bool:
    """Whether ``device`` may show window ``window``'s board."""
    if device.role == "admin":
        return True
    return device.role in BOARD_ROLES and device.window == window


def install_web(app: FastAPI, engine: QueueEngine, registry: DeviceRegistry) -> None:
    """Add ``/board/{n}``, ``/display`` and their assets under ``/web/`` to the hub's app.
    Each page is made from the configuration in force when it is asked for (a page reloads
    itself on ``config.applied``)."""

    def who(token: str | None) -> Device | str:
        if not token:
            return NO_TOKEN
        try:
            return registry.authenticate(token)
        except HubError:
            return BAD_TOKEN

    def common(token: str) -> dict[str, Any]:
        config = engine.config
        return {
            "token": token,
            "hall": config.hall.name,
            "notice": config.hall.notice,
            "categories": [[c.code, c.name] for c in config.categories],
            "texts": TEXTS,  # the one catalog the Qt boards use too
            # the display's clock shows the hall's time, not the TV's zone (fixed at page load)
            "utc_offset_minutes": _utc_offset_minutes(config.hall.timezone),
        }

    @app.get("/board/{n}", response_class=HTMLResponse)
    def web_board(n: int, token: Annotated[str | None, Query()] = None) -> HTMLResponse:
        device = who(token)
        if isinstance(device, str):
            return denied_page(device)
        if not may_show_board(device, n):
            return denied_page(WRONG_BOARD.format(n=n))
        config = engine.config
        window = config.window(n)
        if window is None:
            return denied_page(NO_WINDOW.format(n=n), 404)
        settings = {**common(token or ""), "mode": "board", "window": n}
        settings.update(name=window.name, unit=window.unit or config.hall.name)
        # the phones a board shows when configured (咨询电话, 监督电话)
        settings.update(phone=config.hall.phone, supervision_phone=config.hall.supervision_phone)
        return _page("board.html", settings, f"{n}号窗口")

    @app.get("/display", response_class=HTMLResponse)
    def web_display(token: Annotated[str | None, Query()] = None) -> HTMLResponse:
        device = who(token)
        if isinstance(device, str):
            return denied_page(device)
        if device.role not in DISPLAY_ROLES:
            return denied_page(WRONG_DISPLAY)
        settings = {**common(token or ""), "mode": "display"}
        return _page("display.html", settings, engine.config.hall.name)

    @app.get("/web/{name}")
    def web_asset(name: str) -> Response:
        kind = ASSETS.get(name)
        if kind is None:
            return Response("not found", status_code=404, media_type="text/plain")
        body = (STATIC / name).read_bytes()
        return Response(body, media_type=kind, headers={"Cache-Control": "no-cache"})
