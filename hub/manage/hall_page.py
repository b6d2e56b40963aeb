"""The console's 窗口与业务 page: windows (name, unit, categories served), categories (daily
cap, last-ticket time; the name too unless central's catalog is in force) and the hall's texts
(the notice line of the display and boards, the hall's phone and the supervision phone).

Each of the three forms saves one section of the hall's effective configuration through
:meth:`hub.config_book.ConfigBook.edit` (validated by the configuration schema, applied live,
audited, announced by ``config.applied``). A refused edit shows each problem beside its field,
with what was typed kept; nothing is changed. A saved one comes back with
"已保存并生效（第 N 版）" (Post/Redirect/Get).

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.config_book import ConfigBook, ConfigRejected
from hub.manage import texts
from hub.manage.console import Console, Viewer
from hub.manage.echo import FormEcho, typed_of

EDIT_ROLES = texts.ADMIN_ROLES
CENTRAL_OWNED = "由中心统一维护"
NO_CATEGORY = "每个窗口至少要办理一类业务，请至少勾选一项"
SECTIONS = {"windows": "窗口", "categories": "业务类别", "hall": "大厅信息"}
_INDEXED = re.compile(r"^(?P<section>windows|categories)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?")

Change = Callable[[dict[str, Any]], None]


def _number_or_text(value: str) -> int | str | None:
    """A form's number field: None when empty, an int when it is one, else the text as typed
    (the schema then says what is wrong with it)."""
    value = value.strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


def windows_change(form: dict[str, str], codes: list[str]) -> tuple[Change, str]:
    """The change (and its history note) the windows form asks for."""

    def change(data: dict[str, Any]) -> None:
        for window in data["windows"]:
            key = f"w{window['number']}"
            if f"{key}.name" not in form:
                continue
            window["name"] = form[f"{key}.name"].strip()
            window["unit"] = form.get(f"{key}.unit", "").strip()
            window["categories"] = [c for c in codes if form.get(f"{key}.cat.{c}") == "on"]

    return change, "修改窗口名称、单位或办理业务"


def categories_change(form: dict[str, str], names_editable: bool) -> tuple[Change, str]:
    """The change (and its history note) the categories form asks for."""

    def change(data: dict[str, Any]) -> None:
        for category in data["categories"]:
            key = f"c{category['code']}"
            if f"{key}.daily_cap" not in form:
                continue
            if names_editable:
                category["name"] = form.get(f"{key}.name", category["name"]).strip()
            category["daily_cap"] = _number_or_text(form.get(f"{key}.daily_cap", ""))
            last = form.get(f"{key}.last_ticket_time", "").strip()
            category["last_ticket_time"] = last or None

    return change, "修改业务类别的限号或停止取号时间"


def hall_change(form: dict[str, str]) -> tuple[Change, str]:
    """The change (and its history note) the hall texts form asks for."""

    def change(data: dict[str, Any]) -> None:
        for name in ("notice", "phone", "supervision_phone"):
            if name in form:
                data["hall"][name] = form[name].strip()

    return change, "修改大厅通知栏或电话"


def field_key(path: str, book: ConfigBook) -> str | None:
    """The form field a problem's key path is about (``windows[1].name`` → ``w2.name``), or
    None when no field of the page shows it."""
    found = _INDEXED.match(path)
    current = book.current()
    if found:
        index, field = int(found["index"]), found["field"] or "name"
        if found["section"] == "windows" and index < len(current.windows):
            return f"w{current.windows[index].number}.{field}"
        if found["section"] == "categories" and index < len(current.categories):
            return f"c{current.categories[index].code}.{field}"
    if path in ("hall.notice", "hall.phone", "hall.supervision_phone"):
        return path.removeprefix("hall.")
    return None


def page_context(book: ConfigBook) -> dict[str, Any]:
    """What the page shows: windows, categories (names from what is in force) and hall texts."""
    current, in_force = book.current(), book.in_force()
    own = {c.code: c for c in current.categories}
    categories = []
    for category in in_force.categories:
        mine = own.get(category.code)
        categories.append(
            {
                "code": category.code,
                "name": category.name,
                "daily_cap": "" if mine is None or mine.daily_cap is None else str(mine.daily_cap),
                "last_ticket_time": (mine.last_ticket_time or "") if mine else "",
                "editable": mine is not None,
            }
        )
    windows = [
        {"number": w.number, "name": w.name, "unit": w.unit, "categories": w.categories}
        for w in current.windows
    ]
    hall = current.hall
    return {
        "windows": windows,
        "categories": categories,
        "hall": {
            "notice": hall.notice,
            "phone": hall.phone,
            "supervision_phone": hall.supervision_phone,
        },
        "central": book.catalog_version() > 0,
        "central_owned": CENTRAL_OWNED,
    }


def install_hall_page(app: FastAPI, console: Console, book: ConfigBook) -> None:
    """Add ``/manage/hall`` (windows, categories and hall texts) and its three forms."""
    Editor = Annotated[Viewer, Depends(console.page(*EDIT_ROLES))]

    def show(
        request: Request,
        me: Viewer,
        *,
        saved: str = "",
        section: str = "",
        problems: dict[str, str] | None = None,
        other: list[str] | None = None,
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        echo = FormEcho(section, typed)
        context = {
            **page_context(book),
            "value": echo.value,
            "checked": echo.checked,
            "saved": saved,
            "section": section,
            "problems": problems or {},
            "other": other or [],
            "typed": typed,
            "section_names": SECTIONS,
        }
        return console.render(request, me, "hall.html", context, title="窗口与业务", status=status)

    @app.get("/manage/hall", response_class=HTMLResponse, include_in_schema=False)
    def hall_page(
        request: Request,
        me: Editor,
        saved: Annotated[str | None, Query(max_length=40)] = None,
        section: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        chosen = section if section in SECTIONS else ""
        return show(request, me, saved=(saved or "")[:40], section=chosen)

    @app.post("/manage/hall/{section}", include_in_schema=False)
    async def save(request: Request, me: Editor, section: str) -> Response:
        if section not in SECTIONS:
            return console.message_page(request, 404, "没有找到", texts.NOT_FOUND)
        form = await console.form(request)
        if section == "windows":
            codes = [c.code for c in book.in_force().categories]
            change, note = windows_change(form, codes)
        elif section == "categories":
            change, note = categories_change(form, book.catalog_version() == 0)
        else:
            change, note = hall_change(form)
        try:
            made = await run_in_threadpool(book.edit, me.actor, change, note)
        except ConfigRejected as err:
            problems: dict[str, str] = {}
            other: list[str] = []
            for problem in err.problems:
                key = field_key(problem.path, book)
                if key is not None and key.endswith(".categories") and "至少" in problem.message:
                    problems.setdefault(key, NO_CATEGORY)
                elif key is not None:
                    problems.setdefault(key, problem.message)
                else:
                    other.append(f"{problem.path}：{problem.message}".lstrip("："))
            typed = typed_of(form)
            return await run_in_threadpool(
                lambda: show(
                    request,
                    me,
                    section=section,
                    problems=problems,
                    other=other,
                    typed=typed,
                    status=422,
                )
            )
        saved = str(made.number) if made is not None else "none"
        return RedirectResponse(f"/manage/hall?saved={saved}&section={section}#{section}", 303)
