"""The console's 工作人员 pages (manager only): the hall's clerks, to add, edit, give a photo,
disable or enable, give a new PIN or unlock after wrong PINs.

Every change goes through the hub's configuration book (:class:`hub.config_book.ConfigBook`):
validated by the configuration's schema, stored as a new version, audited and applied live. A
refused edit shows the schema's sentence beside the field, with what was typed kept, and changes
nothing. A new PIN (a new clerk's, or a reset) is six random digits, shown once on the page that
answers the form and stored only as its hash. Photos (JPEG or PNG, recognised by their first
bytes, at most :data:`MAX_PHOTO_BYTES`) go to ``<data>/photos/<工号>-<hash>.jpg|png``; the window boards
fetch them from ``/api/v1/staff/{工号}/photo``.

No ``from __future__ import annotations``: FastAPI reads the routes' annotations at runtime.
"""

import hashlib
import os
import re
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from config.pins import hash_pin
from config.schema import StaffMember
from hub.clerks import find_photo
from hub.config_book import ConfigBook, ConfigRejected, photo_folder
from hub.engine import QueueEngine
from hub.errors import NotFound
from hub.limits import PHOTO_MAX_BYTES
from hub.manage.console import MAX_FORM_BYTES, Console, Viewer
from hub.manage.format import stamp_text
from hub.manage.texts import ADMIN_ROLES

STAFF_ROLES = ADMIN_ROLES
MAX_PHOTO_BYTES = PHOTO_MAX_BYTES
PIN_DIGITS = 6
FIELDS = ("number", "name", "title", "windows")
PHOTO_KINDS = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"))
NUMBER = re.compile(r"^[A-Za-z0-9]{2,16}$")

DONE = {
    "saved": "已保存，已在全厅生效。",
    "photo": "照片已更新，窗口屏将显示新照片。",
    "disabled": "已停用：该工作人员不能再登录窗口，历史记录保留。",
    "enabled": "已启用：该工作人员可以登录窗口。",
    "unlocked": "已解除锁定，该工号可以重新输入密码登录。",
    "not_locked": "该工号没有被锁定，无需解锁。",
    "unchanged": "内容没有变化，未保存新版本。",
}
"""The sentences a page shows after a form (``?done=``): fixed, never echoed from the URL."""


@dataclass(frozen=True)
class Upload:
    """One part of a ``multipart/form-data`` body."""

    filename: str | None
    data: bytes


def new_pin() -> str:
    """Six random digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def photo_kind(data: bytes) -> str | None:
    """``.jpg`` or ``.png`` from a file's first bytes, or None for anything else."""
    for magic, suffix in PHOTO_KINDS:
        if data.startswith(magic):
            return suffix
    return None


def multipart_parts(content_type: str, body: bytes) -> dict[str, Upload]:
    """The parts of a ``multipart/form-data`` body by field name (the last of a repeated one);
    an empty dict for another kind of body or one without its boundary."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return {}
    found = re.search(r'boundary="?([^";]+)"?', params)
    if found is None:
        return {}
    delimiter = b"--" + found.group(1).encode("latin-1")
    parts: dict[str, Upload] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = next(
            (
                line.decode("utf-8", "replace")
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-disposition:")
            ),
            "",
        )
        name = re.search(r';\s*name="([^"]*)"', disposition)
        if name is None:
            continue
        filename = re.search(r';\s*filename="([^"]*)"', disposition)
        parts[name.group(1)] = Upload(
            filename.group(1) if filename else None, data.removesuffix(b"\r\n")
        )
    return parts


async def form_lists(request: Request) -> dict[str, list[str]]:
    """Every value of every field of an urlencoded form (checkboxes repeat their name)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    body = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")
    fields: dict[str, list[str]] = {}
    for key, value in urllib.parse.parse_qsl(body, keep_blank_values=True):
        fields.setdefault(key, []).append(value)
    return fields


def typed_member(fields: dict[str, list[str]]) -> dict[str, Any]:
    """What the add or edit form holds: texts stripped, the windows ticked as numbers."""

    def text(name: str) -> str:
        return (fields.get(name) or [""])[-1].strip()

    windows = sorted({int(w) for w in fields.get("windows", []) if w.isdigit()})
    return {
        "number": text("number"),
        "name": text("name"),
        "title": text("title"),
        "windows": windows,
    }


def field_errors(problems: list[Any], index: int) -> dict[str, str]:
    """The schema's problems by form field (``staff[3].name`` → ``name``); those about other
    parts of the hall under ``""``."""
    errors: dict[str, str] = {}
    prefix = f"staff[{index}]"
    for problem in problems:
        path = str(problem.path)
        key = ""
        if path.startswith(prefix + "."):
            field = re.split(r"[.\[]", path[len(prefix) + 1 :])[0]
            key = field if field in FIELDS else ""
        errors.setdefault(key, problem.message)
    return errors


def staff_index(data: dict[str, Any], number: str) -> int:
    for index, member in enumerate(data["staff"]):
        if member["number"] == number:
            return index
    raise NotFound("unknown_staff", f"没有工号为{number}的工作人员")


def install_staff_page(
    app: FastAPI, console: Console, book: ConfigBook, engine: QueueEngine
) -> None:
    """Add ``/manage/staff`` (the list), ``/manage/staff/new`` and ``/manage/staff/{工号}`` with
    its forms (edit, photo, active, pin, unlock)."""
    Manager = Annotated[Viewer, Depends(console.page(*STAFF_ROLES))]
    folder = photo_folder(engine.store)

    def member_of(number: str) -> StaffMember:
        member = book.current().staff_member(number)
        if member is None:
            raise NotFound("unknown_staff", f"没有工号为{number}的工作人员")
        return member

    def windows() -> list[dict[str, Any]]:
        return [{"number": w.number, "name": w.name} for w in book.current().windows]

    def row(member: StaffMember) -> dict[str, Any]:
        until = engine.staff_locked_until(member.number)
        return {
            "number": member.number,
            "name": member.name,
            "title": member.title,
            "windows": member.windows,
            "photo": bool(member.photo),
            "active": member.active,
            "locked_until": stamp_text(until.astimezone(engine.calendar.zone).isoformat())
            if until
            else "",
        }

    @app.get("/manage/staff", response_class=HTMLResponse, include_in_schema=False)
    def staff_list(
        request: Request, me: Manager, done: Annotated[str, Query(max_length=20)] = ""
    ) -> HTMLResponse:
        staff = [row(m) for m in book.current().staff]
        context = {"staff": staff, "done": DONE.get(done, "")}
        return console.render(request, me, "staff.html", context, title="工作人员")

    def add_form(
        request: Request,
        me: Viewer,
        typed: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        context = {
            "typed": typed or {"number": "", "name": "", "title": "窗口工作人员", "windows": []},
            "errors": errors or {},
            "windows": windows(),
        }
        return console.render(
            request, me, "staff_new.html", context, title="新增工作人员", status=status
        )

    @app.get("/manage/staff/new", response_class=HTMLResponse, include_in_schema=False)
    def staff_new(request: Request, me: Manager) -> HTMLResponse:
        return add_form(request, me)

    def pin_page(
        request: Request, me: Viewer, member: StaffMember, pin: str, first: bool
    ) -> Response:
        context = {"member": row(member), "pin": pin, "first": first}
        title = "新工作人员的密码" if first else "新密码"
        return console.render(request, me, "staff_pin.html", context, title=title)

    @app.post("/manage/staff/new", include_in_schema=False)
    async def staff_add(request: Request, me: Manager) -> Response:
        typed = typed_member(await form_lists(request))
        number = typed["number"]
        if not number:
            return add_form(request, me, typed, {"number": "请填写工号"}, 422)
        if NUMBER.match(number) and book.current().staff_member(number) is not None:
            return add_form(request, me, typed, {"number": f"工号 {number} 已存在"}, 422)
        pin = new_pin()
        pin_hash = await run_in_threadpool(hash_pin, pin)
        index = len(book.current().staff)

        def change(data: dict[str, Any]) -> None:
            data["staff"].append({**typed, "pin_hash": pin_hash, "active": True})

        note = f"新增工作人员 {number} {typed['name']}"
        try:
            await run_in_threadpool(book.edit, me.actor, change, note)
        except ConfigRejected as err:
            return add_form(request, me, typed, field_errors(err.problems, index), 422)
        return pin_page(request, me, member_of(number), pin, first=True)

    def edit_form(
        request: Request,
        me: Viewer,
        number: str,
        *,
        typed: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        done: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        member = member_of(number)
        shown = typed or {
            "number": member.number,
            "name": member.name,
            "title": member.title,
            "windows": member.windows,
        }
        context = {
            "member": row(member),
            "typed": shown,
            "errors": errors or {},
            "windows": windows(),
            "done": DONE.get(done, ""),
            "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        }
        title = f"工作人员 · {member.name}（{member.number}）"
        return console.render(request, me, "staff_edit.html", context, title=title, status=status)

    @app.get("/manage/staff/{number}", response_class=HTMLResponse, include_in_schema=False)
    def staff_page(
        request: Request,
        me: Manager,
        number: str,
        done: Annotated[str, Query(max_length=20)] = "",
    ) -> HTMLResponse:
        return edit_form(request, me, number, done=done)

    def edit(me: Viewer, number: str, change: Callable[[dict[str, Any]], None], note: str) -> str:
        """Apply ``change`` to staff ``number``'s entry; "unchanged" when nothing changed."""

        def changing(data: dict[str, Any]) -> None:
            change(data["staff"][staff_index(data, number)])

        made = book.edit(me.actor, changing, note)
        return "" if made is not None else "unchanged"

    def back(number: str, done: str) -> RedirectResponse:
        where = urllib.parse.quote(number, safe="")
        return RedirectResponse(f"/manage/staff/{where}?done={done}", 303)

    @app.post("/manage/staff/{number}", include_in_schema=False)
    async def staff_save(request: Request, me: Manager, number: str) -> Response:
        member = member_of(number)
        typed = {**typed_member(await form_lists(request)), "number": member.number}

        def change(entry: dict[str, Any]) -> None:
            entry.update(name=typed["name"], title=typed["title"], windows=typed["windows"])

        note = f"修改工作人员 {member.number} {typed['name'] or member.name}"
        try:
            result = await run_in_threadpool(edit, me, member.number, change, note)
        except ConfigRejected as err:
            index = [m.number for m in book.current().staff].index(member.number)
            errors = field_errors(err.problems, index)
            return edit_form(request, me, number, typed=typed, errors=errors, status=422)
        return back(member.number, result or "saved")

    @app.post("/manage/staff/{number}/active", include_in_schema=False)
    async def staff_active(request: Request, me: Manager, number: str) -> Response:
        member = member_of(number)
        active = (await form_lists(request)).get("active", [""])[-1] == "1"
        word = "启用" if active else "停用"

        def change(entry: dict[str, Any]) -> None:
            entry["active"] = active

        note = f"{word}工作人员 {member.number} {member.name}"
        result = await run_in_threadpool(edit, me, member.number, change, note)
        return back(member.number, result or ("enabled" if active else "disabled"))

    @app.post("/manage/staff/{number}/pin", include_in_schema=False)
    async def staff_pin(request: Request, me: Manager, number: str) -> Response:
        member = member_of(number)
        pin = new_pin()
        pin_hash = await run_in_threadpool(hash_pin, pin)

        def change(entry: dict[str, Any]) -> None:
            entry["pin_hash"] = pin_hash

        note = f"重置工作人员 {member.number} {member.name} 的密码"
        await run_in_threadpool(edit, me, member.number, change, note)
        return pin_page(request, me, member_of(member.number), pin, first=False)

    @app.post("/manage/staff/{number}/unlock", include_in_schema=False)
    async def staff_unlock(request: Request, me: Manager, number: str) -> Response:
        member = member_of(number)
        unlocked = await run_in_threadpool(engine.unlock_staff, me.actor, member.number)
        return back(member.number, "unlocked" if unlocked else "not_locked")

    @app.get("/manage/staff/{number}/photo", include_in_schema=False)
    def staff_photo_file(request: Request, me: Manager, number: str) -> FileResponse:
        root = getattr(request.app.state, "photo_root", None) or Path.cwd()
        path, media = find_photo(book.current(), number, Path(root))
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-store"})

    @app.post("/manage/staff/{number}/photo", include_in_schema=False)
    async def staff_photo(request: Request, me: Manager, number: str) -> Response:
        member = member_of(number)
        body = await request.body()
        upload = multipart_parts(request.headers.get("content-type", ""), body).get("photo")
        problem = photo_problem(upload)
        if problem or upload is None:
            errors = {"photo": problem or "请选择照片文件"}
            return edit_form(request, me, number, errors=errors, status=422)
        suffix = photo_kind(upload.data) or ".jpg"
        path = await run_in_threadpool(save_photo, folder, member.number, suffix, upload.data)

        def change(entry: dict[str, Any]) -> None:
            entry["photo"] = str(path)

        note = f"更换工作人员 {member.number} {member.name} 的照片"
        await run_in_threadpool(edit, me, member.number, change, note)
        return back(member.number, "photo")


def photo_problem(upload: Upload | None) -> str | None:
    """Why an uploaded file cannot be a staff photo (a sentence naming the field), or None."""
    if upload is None or not upload.data:
        return "请选择照片文件（JPEG 或 PNG）"
    if len(upload.data) > MAX_PHOTO_BYTES:
        return f"照片文件过大：最大 {MAX_PHOTO_BYTES // (1024 * 1024)} MB，请压缩后再上传"
    if photo_kind(upload.data) is None:
        return "照片只能是 JPEG 或 PNG 图片"
    return None


def save_photo(folder: Path, number: str, suffix: str, data: bytes) -> Path:
    """Write staff ``number``'s photo as ``folder/<number>-<content hash><suffix>`` (whole or
    not at all) and remove the clerk's earlier ones; the absolute path written. A new photo is
    a new path, so the configuration changes (a version, ``config.applied``) and the boards,
    which keep photos by address, fetch it again."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = (folder / f"{number}-{digest}{suffix}").resolve()
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
    for old in [*folder.glob(f"{number}.*"), *folder.glob(f"{number}-*")]:
        if old.resolve() != path:
            old.unlink(missing_ok=True)
    return path
