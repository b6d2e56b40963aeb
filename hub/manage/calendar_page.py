"""The console's 服务时间 page: the weekdays served and each one's service periods (the ordinary
hours, or a weekday's own: a Saturday morning, a Thursday 延时), holidays and make-up working days
(add or remove a date), and a preview of the next 14 days in hall time with the reason of each.

Edits go through :meth:`hub.config_book.ConfigBook.edit` (the configuration schema validates,
the hub applies them live and audits them). Periods are checked here first, so that a refused
one is named with its weekday in Chinese beside its field; nothing is changed then.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config import HallCalendar
from config.schema import HallConfig, ServiceHours
from hub.config_book import ConfigBook, ConfigRejected
from hub.manage import texts
from hub.manage.console import Console, Viewer
from hub.manage.echo import FormEcho, typed_of

EDIT_ROLES = texts.ADMIN_ROLES
WEEKDAYS = {
    1: "星期一",
    2: "星期二",
    3: "星期三",
    4: "星期四",
    5: "星期五",
    6: "星期六",
    7: "星期日",
}
DATE_KINDS = {"holiday": "节假日", "working_day": "调休上班日"}
PREVIEW_DAYS = 14
_SPLIT = re.compile(r"[\s,，、;；]+")

Change = Callable[[dict[str, Any]], None]


def split_periods(text: str) -> list[str]:
    """The periods typed in one field (``09:00-12:00, 13:00-17:00``; 、，; or spaces between),
    with a full-width dash or tilde taken as ``-``."""
    text = text.replace("—", "-").replace("－", "-").replace("~", "-").replace("～", "-")
    text = re.sub(r"\s*-\s*", "-", text).replace("：", ":")
    return [part for part in _SPLIT.split(text.strip()) if part]


def check_periods(label: str, typed: str) -> tuple[list[str], str]:
    """The periods of one field and an empty string, or [] and a sentence naming ``label``."""
    periods = split_periods(typed)
    if not periods:
        return [], f"{label}：请填写至少一个服务时段，例如 09:00-12:00"
    try:
        ServiceHours.parse_periods(periods)
    except ValueError as err:
        if "overlaps" in str(err):
            return [], f"{label}：时段重叠或顺序不对，请按时间先后填写且不要重叠"
        if "ends before" in str(err):
            return [], f"{label}：结束时间应晚于开始时间"
        return [], f"{label}：时段格式应为 时:分-时:分（例如 09:00-12:00），多个时段用逗号分开"
    return periods, ""


def hours_change(form: dict[str, str]) -> tuple[Change | None, dict[str, str]]:
    """The change the hours form asks for, or None and the problems by field."""
    problems: dict[str, str] = {}
    hours, problem = check_periods("通常服务时段", form.get("hours", ""))
    if problem:
        problems["hours"] = problem
    days = [d for d in WEEKDAYS if form.get(f"day{d}") == "on"]
    if not days:
        problems["days"] = "服务日：请至少选择一天"
    own: dict[str, list[str]] = {}
    for day in days:
        typed = form.get(f"hours{day}", "").strip()
        if not typed:
            continue
        periods, problem = check_periods(f"{WEEKDAYS[day]}时段", typed)
        if problem:
            problems[f"hours{day}"] = problem
        elif periods != hours:
            own[str(day)] = periods
    if problems:
        return None, problems

    def change(data: dict[str, Any]) -> None:
        data["service"]["days"] = days
        data["service"]["hours"] = hours
        data["service"]["weekday_hours"] = own

    return change, {}


def date_change(action: str, form: dict[str, str]) -> tuple[Change | None, str, str]:
    """The change (and its note) adding or removing a holiday or make-up working day, or None
    and a sentence about the date."""
    kind = form.get("kind", "")
    if kind not in DATE_KINDS:
        return None, "", "请选择节假日或调休上班日"
    try:
        day = date.fromisoformat(form.get("date", "").strip())
    except ValueError:
        return None, "", "日期格式应为 年-月-日（例如 2027-01-01）"
    key = "holidays" if kind == "holiday" else "working_days"
    text = day.isoformat()

    def change(data: dict[str, Any]) -> None:
        listed = [d for d in data["service"][key] if d != text]
        if action == "add":
            listed.append(text)
        data["service"][key] = sorted(listed)

    verb = "新增" if action == "add" else "删除"
    return change, f"{verb}{DATE_KINDS[kind]} {text}", ""


def periods_text(periods: list[tuple[Any, Any]]) -> str:
    return "、".join(f"{a.strftime('%H:%M')}-{b.strftime('%H:%M')}" for a, b in periods)


def preview(config: HallConfig, today: date, days: int = PREVIEW_DAYS) -> list[dict[str, Any]]:
    """The next ``days`` days from ``today``: date, 星期, open or not, hours and why."""
    calendar = HallCalendar(config)
    service = config.service
    ordinary_close = calendar.closing_time()
    rows = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        periods = calendar.periods_of(day)
        weekday = day.isoweekday()
        if day in service.holidays:
            reason = "节假日"
        elif day in service.working_days:
            reason = "调休上班"
        elif weekday not in service.days:
            reason = "周末" if weekday >= 6 else "非服务日"
        elif calendar.has_own_hours(day) and calendar.closing_time(day) > ordinary_close:
            reason = "延时服务"
        elif weekday >= 6:
            reason = "周末服务"
        elif calendar.has_own_hours(day):
            reason = "本日单独时段"
        else:
            reason = ""
        rows.append(
            {
                "date": day.isoformat(),
                "weekday": WEEKDAYS[weekday],
                "open": bool(periods),
                "hours": periods_text(periods),
                "periods": periods_text(periods).split("、") if periods else [],
                "reason": reason,
                "today": offset == 0,
            }
        )
    return rows


def page_context(book: ConfigBook, today: date) -> dict[str, Any]:
    config = book.current()
    service = config.service
    hours = "、".join(service.hours)
    weekdays = [
        {
            "number": number,
            "name": name,
            "served": number in service.days,
            "own": "、".join(service.weekday_hours.get(number, [])),
        }
        for number, name in WEEKDAYS.items()
    ]
    dates = sorted(
        [(d, "holiday") for d in service.holidays]
        + [(d, "working_day") for d in service.working_days]
    )
    listed = [
        {
            "date": d.isoformat(),
            "weekday": WEEKDAYS[d.isoweekday()],
            "kind": kind,
            "kind_name": DATE_KINDS[kind],
            "past": d < today,
        }
        for d, kind in dates
    ]
    return {
        "hours": hours,
        "weekdays": weekdays,
        "dates": listed,
        "kinds": DATE_KINDS,
        "preview": preview(config, today),
        "today": today.isoformat(),
    }


def problem_key(path: str, form_name: str) -> str | None:
    """The field of the page a schema problem is about, or None."""
    if form_name == "dates":
        return "date"
    for name in ("weekday_hours", "hours", "days"):
        if path.startswith(f"service.{name}"):
            return "weekday_hours" if name == "weekday_hours" else name
    return None


def install_calendar_page(app: FastAPI, console: Console, book: ConfigBook) -> None:
    """Add ``/manage/calendar`` (service days, hours, holidays, preview) and its forms."""
    Editor = Annotated[Viewer, Depends(console.page(*EDIT_ROLES))]

    def today() -> date:
        engine = book.engine
        return engine.calendar.service_day(engine.clock.now())

    def show(
        request: Request,
        me: Viewer,
        *,
        saved: str = "",
        section: str = "",
        problems: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        echo = FormEcho(section, typed)
        context = {
            **page_context(book, today()),
            "saved": saved,
            "section": section,
            "problems": problems or {},
            "value": echo.value,
            "checked": echo.checked,
        }
        return console.render(
            request, me, "calendar.html", context, title="服务时间", status=status
        )

    @app.get("/manage/calendar", response_class=HTMLResponse, include_in_schema=False)
    def calendar_page(
        request: Request,
        me: Editor,
        saved: Annotated[str | None, Query(max_length=40)] = None,
        section: Annotated[str | None, Query(max_length=20)] = None,
    ) -> HTMLResponse:
        chosen = section if section in ("hours", "dates") else ""
        return show(request, me, saved=(saved or "")[:40], section=chosen)

    async def apply(
        request: Request, me: Viewer, section: str, change: Change, note: str, form: dict[str, str]
    ) -> Response:
        try:
            made = await run_in_threadpool(book.edit, me.actor, change, note)
        except ConfigRejected as err:
            problems: dict[str, str] = {}
            for problem in err.problems:
                key = problem_key(problem.path, section) or "other"
                problems.setdefault(key, problem.message)
            typed = typed_of(form)
            return await run_in_threadpool(
                lambda: show(
                    request, me, section=section, problems=problems, typed=typed, status=422
                )
            )
        saved = str(made.number) if made is not None else "none"
        return RedirectResponse(f"/manage/calendar?saved={saved}&section={section}#{section}", 303)

    @app.post("/manage/calendar/hours", include_in_schema=False)
    async def save_hours(request: Request, me: Editor) -> Response:
        form = await console.form(request)
        change, problems = hours_change(form)
        if change is None:
            typed = typed_of(form)
            return await run_in_threadpool(
                lambda: show(
                    request, me, section="hours", problems=problems, typed=typed, status=422
                )
            )
        return await apply(request, me, "hours", change, "修改服务日和服务时段", form)

    @app.post("/manage/calendar/dates/{action}", include_in_schema=False)
    async def save_date(request: Request, me: Editor, action: str) -> Response:
        if action not in ("add", "remove"):
            return console.message_page(request, 404, "没有找到", texts.NOT_FOUND)
        form = await console.form(request)
        change, note, problem = date_change(action, form)
        if change is None:
            typed = typed_of(form)
            return await run_in_threadpool(
                lambda: show(
                    request,
                    me,
                    section="dates",
                    problems={"date": problem},
                    typed=typed,
                    status=422,
                )
            )
        return await apply(request, me, "dates", change, note, form)
