"""The console's 配置版本 pages (manager only): every version of the hall's configuration (when,
who, from where, what it changed), one version's changes against the version before it, section
by section in words, and a rollback to it (a confirm step, then a new version with its content,
through :meth:`hub.config_book.ConfigBook.rollback`: applied live and audited).

A PIN or ID-card hash is never shown: a change of one reads "已更改".

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.config_book import ConfigBook, ConfigVersion
from hub.errors import HubError, NotFound
from hub.manage.console import Console, Viewer
from hub.manage.texts import ADMIN_ROLES

HISTORY_ROLES = ADMIN_ROLES
SHOWN_VERSIONS = 200

SECTION_NAMES = {
    "hall": "大厅信息",
    "service": "服务时间",
    "categories": "业务类别",
    "items": "办事事项",
    "windows": "窗口",
    "priority": "优先规则",
    "queue": "排队规则",
    "rating": "评价",
    "links": "二维码链接",
    "manage": "管理后台",
    "sync": "与中心同步",
    "staff": "工作人员",
    "devices": "设备",
}

FIELD_NAMES = {
    "number": "编号",
    "code": "代码",
    "id": "编号",
    "name": "名称",
    "title": "岗位",
    "photo": "照片",
    "pin_hash": "密码",
    "id_card_hash": "身份证",
    "technician_pin_hash": "技术员密码",
    "windows": "可登录窗口",
    "active": "在岗",
    "categories": "办理业务",
    "unit": "单位",
    "daily_cap": "每日限号",
    "last_ticket_time": "停止取号时间",
    "average_service_minutes": "平均办理分钟",
    "days": "服务日",
    "hours": "服务时段",
    "weekday_hours": "分日服务时段",
    "day_boundary": "换日时间",
    "holidays": "节假日",
    "working_days": "调休上班日",
    "enforce_hours": "按服务时间取号",
    "require_sign_in": "须登录才能叫号",
    "notice": "通知栏",
    "phone": "咨询电话",
    "supervision_phone": "监督电话",
}

SECTION_FIELD_NAMES = {("staff", "name"): "姓名", ("staff", "number"): "工号"}

SECRETS = ("pin_hash", "id_card_hash", "technician_pin_hash")
KEYS = {"staff": "number", "windows": "number", "categories": "code", "items": "id"}
"""The field that names an entry of a list section (entries are matched by it)."""


@dataclass
class SectionChange:
    """What one section changed, as lines of words."""

    key: str
    name: str
    lines: list[str] = field(default_factory=list)


def value_text(value: Any) -> str:
    """A configuration value in words: 是/否, lists joined by 、, empty as （空）."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value in ("", [], {}):
        return "（空）"
    if isinstance(value, list):
        return "、".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_name(k)} {value_text(v)}" for k, v in value.items())
    return str(value)


def field_name(key: str) -> str:
    return FIELD_NAMES.get(key, key)


def _entry_label(section: str, entry: dict[str, Any]) -> str:
    key = KEYS[section]
    name = entry.get("name", "")
    return f"{entry.get(key, '')} {name}".strip()


def _change_line(what: str, before: Any, after: Any) -> str:
    return f"{what}：{value_text(before)} → {value_text(after)}"


def _fields_changed(
    before: dict[str, Any], after: dict[str, Any], prefix: str, section: str = ""
) -> list[str]:
    lines = []
    for key in list(dict.fromkeys([*before, *after])):
        if before.get(key) == after.get(key):
            continue
        label = f"{prefix}{SECTION_FIELD_NAMES.get((section, key)) or field_name(key)}"
        if key in SECRETS:
            lines.append(f"{label}：已更改")
        elif isinstance(before.get(key), dict) and isinstance(after.get(key), dict):
            lines += _fields_changed(before[key], after[key], f"{label} · ")
        elif (section, key) == ("staff", "windows"):
            old, new = (v or "全部窗口" for v in (before.get(key), after.get(key)))
            lines.append(_change_line(label, old, new))
        else:
            lines.append(_change_line(label, before.get(key), after.get(key)))
    return lines


def _list_changed(section: str, before: list[Any], after: list[Any]) -> list[str]:
    key = KEYS[section]
    old = {e.get(key): e for e in before if isinstance(e, dict)}
    new = {e.get(key): e for e in after if isinstance(e, dict)}
    lines = []
    for name, entry in new.items():
        if name not in old:
            lines.append(f"新增 {_entry_label(section, entry)}")
    for name, entry in old.items():
        if name not in new:
            lines.append(f"删除 {_entry_label(section, entry)}")
    for name, entry in new.items():
        if name in old and old[name] != entry:
            changed = _fields_changed(old[name], entry, "", section)
            lines.append(f"修改 {_entry_label(section, old[name])}（{'；'.join(changed)}）")
    if not lines and [e.get(key) for e in before] != [e.get(key) for e in after]:
        lines.append("顺序调整")
    return lines


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[SectionChange]:
    """What ``after`` changed against ``before``, section by section, in words (no secret
    ever shown); nothing when there is no ``before`` (the first version)."""
    result: list[SectionChange] = []
    if before is None:
        return result
    for section in dict.fromkeys([*before, *after]):
        old = before.get(section)
        new = after.get(section)
        if old == new:
            continue
        change = SectionChange(section, SECTION_NAMES.get(section, section))
        if section in KEYS and isinstance(old, list) and isinstance(new, list):
            if section == "items" and len(old) + len(new) > 40:
                change.lines += _summary(section, old, new)
            else:
                change.lines += _list_changed(section, old, new)
        elif isinstance(old, dict) and isinstance(new, dict):
            change.lines += _fields_changed(old, new, "")
        else:
            change.lines.append(_change_line(change.name, old, new))
        result.append(change)
    return result


def _summary(section: str, before: list[Any], after: list[Any]) -> list[str]:
    """A long list (the catalog's items) by counts only."""
    key = KEYS[section]
    old = {e.get(key): e for e in before if isinstance(e, dict)}
    new = {e.get(key): e for e in after if isinstance(e, dict)}
    added = len(new.keys() - old.keys())
    removed = len(old.keys() - new.keys())
    changed = sum(1 for k in new.keys() & old.keys() if new[k] != old[k])
    return [f"共 {len(after)} 项：新增 {added}，删除 {removed}，修改 {changed}"]


def hall_time(stamp: str, zone: tzinfo) -> str:
    """An ISO stamp as ``2025-03-12 09:30`` in the hall's time zone."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def version_row(version: ConfigVersion, zone: tzinfo, latest: int) -> dict[str, Any]:
    return {
        "number": version.number,
        "at": hall_time(version.created_at, zone),
        "author": version.author,
        "source": version.source,
        "source_name": version.source_name,
        "note": version.note,
        "sections": [SECTION_NAMES.get(s, s) for s in version.sections],
        "current": version.number == latest,
    }


def install_history_page(app: FastAPI, console: Console, book: ConfigBook) -> None:
    """Add ``/manage/history``, ``/manage/history/{n}`` and its rollback (confirm, then POST)."""
    Manager = Annotated[Viewer, Depends(console.page(*HISTORY_ROLES))]

    def zone() -> tzinfo:
        return book.engine.calendar.zone

    def version_of(number: int) -> ConfigVersion:
        try:
            return book.version(number)
        except HubError as err:
            raise NotFound("version_unknown", f"没有第 {number} 版配置") from err

    @app.get("/manage/history", response_class=HTMLResponse, include_in_schema=False)
    def history_list(
        request: Request, me: Manager, rolled: Annotated[int, Query(ge=0)] = 0
    ) -> HTMLResponse:
        versions = book.history(SHOWN_VERSIONS)
        latest = versions[0].number if versions else 0
        context = {
            "versions": [version_row(v, zone(), latest) for v in versions],
            "rolled": rolled if rolled and rolled == latest else 0,
            "rolled_note": versions[0].note if versions and rolled == latest else "",
        }
        return console.render(request, me, "history.html", context, title="配置版本")

    def detail_context(number: int) -> dict[str, Any]:
        version = version_of(number)
        latest = book.latest().number
        earlier = [v for v in book.history(SHOWN_VERSIONS) if v.number < number]
        previous = earlier[0].number if earlier else None
        before = book.data_of(previous) if previous is not None else None
        return {
            "v": version_row(version, zone(), latest),
            "previous": previous,
            "changes": changes(before, book.data_of(number)),
        }

    @app.get("/manage/history/{number}", response_class=HTMLResponse, include_in_schema=False)
    def history_detail(request: Request, me: Manager, number: int) -> HTMLResponse:
        context = {**detail_context(number), "confirm": False}
        return console.render(
            request, me, "history_version.html", context, title=f"配置版本 · 第 {number} 版"
        )

    @app.get(
        "/manage/history/{number}/rollback", response_class=HTMLResponse, include_in_schema=False
    )
    def rollback_confirm(request: Request, me: Manager, number: int) -> HTMLResponse:
        context = {**detail_context(number), "confirm": True}
        return console.render(
            request, me, "history_version.html", context, title=f"回滚到第 {number} 版"
        )

    @app.post("/manage/history/{number}/rollback", include_in_schema=False)
    async def rollback(request: Request, me: Manager, number: int) -> Response:
        version_of(number)
        made = await run_in_threadpool(book.rollback, me.actor, number)
        return RedirectResponse(f"/manage/history?rolled={made.number}", 303)
