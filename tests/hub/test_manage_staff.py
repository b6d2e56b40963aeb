"""The console's 工作人员 pages over HTTP against a real hub app: a clerk added with a PIN shown
once signs in at a counter, edits saved live and audited, an invalid edit refused beside its
field with nothing changed, disable and enable, a new PIN, unlocking after wrong PINs, photos
(JPEG/PNG by their first bytes, served to the boards), and only a manager may do any of it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config import HallConfig
from hub.accounts import CLI_ACTOR
from hub.config_book import ConfigBook
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.hub.test_manage_pages import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x10" * 64


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock, hall_with: Callable[..., HallConfig]) -> Iterator[Hub]:
    hall = hall_with(service={"require_sign_in": True})
    opened = open_hub(tmp_path / "hub", clock=clock, config=hall, always_open=True)
    opened.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
    opened.accounts.add(CLI_ACTOR, "li.si", "supervisor", PASSWORD)
    yield opened
    opened.store.close()


def book_of(hub: Hub) -> ConfigBook:
    book: ConfigBook = hub.app.state.config_book
    return book


def signed_in(hub: Hub, user: str = "zhang.san") -> TestClient:
    client = TestClient(hub.app, raise_server_exceptions=False)
    page = client.get("/manage/login")
    answer = client.post(
        "/manage/login",
        data={"user": user, "password": PASSWORD, "csrf": csrf(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return client


def csrf(page: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def submit(client: TestClient, page_url: str, action: str, fields: dict[str, Any]) -> Any:
    token = csrf(client.get(page_url).text)
    return client.post(action, data={**fields, "csrf": token}, follow_redirects=False)


def counter(hub: Hub, window: int) -> dict[str, str]:
    _, token = hub.registry.add("counter", f"counter-{window}", window)
    return {"Authorization": f"Bearer {token}"}


def sign_in(client: TestClient, hub: Hub, number: str, pin: str, window: int = 1) -> Any:
    return client.post(
        f"/api/v1/windows/{window}/sign-in",
        json={"staff_no": number, "pin": pin},
        headers=counter(hub, window),
    )


def add_clerk(client: TestClient, **fields: Any) -> Any:
    return submit(client, "/manage/staff/new", "/manage/staff/new", fields)


def shown_pin(page: str) -> str:
    found = re.search(r'id="new-pin">(\d{6})<', page)
    assert found is not None, "no PIN on the page"
    return found.group(1)


def test_a_new_clerk_gets_a_pin_shown_once_and_signs_in_with_it(hub: Hub) -> None:
    manager = signed_in(hub)
    answer = add_clerk(manager, number="0007", name="王五", title="综合受理", windows=["1", "3"])

    assert answer.status_code == 200
    pin = shown_pin(answer.text)
    member = book_of(hub).current().staff_member("0007")
    assert member is not None and (member.name, member.title) == ("王五", "综合受理")
    assert member.windows == [1, 3] and member.active
    assert pin not in member.pin_hash and pin not in str(
        book_of(hub).data_of(book_of(hub).latest().number)
    )
    assert book_of(hub).latest().note == "新增工作人员 0007 王五"
    listed = manager.get("/manage/staff").text
    assert 'id="staff-0007"' in listed and pin not in listed
    assert sign_in(manager, hub, "0007", pin, window=3).status_code == 200
    refused = sign_in(manager, hub, "0007", pin, window=2)
    assert refused.json()["error"] == "staff_not_allowed"


def test_an_invalid_clerk_is_refused_beside_the_field_and_nothing_changes(hub: Hub) -> None:
    manager = signed_in(hub)
    versions = book_of(hub).latest().number

    answer = add_clerk(manager, number="0008", name="", title="窗口工作人员")

    assert answer.status_code == 422
    assert re.search(r'id="error-name">[^<]+<', answer.text)
    assert 'value="0008"' in answer.text  # what was typed is kept
    assert book_of(hub).latest().number == versions
    assert book_of(hub).current().staff_member("0008") is None

    several = add_clerk(manager, number="a b", name="长" * 40, title="x", windows=["99"])
    assert several.status_code == 422
    assert 'id="error-number">工号应为 2–16 位字母或数字<' in several.text
    assert 'id="error-name">最多 32 个字<' in several.text
    assert 'id="error-windows">没有 99 号窗口<' in several.text

    duplicate = add_clerk(manager, number="1001", name="重名", title="x")
    assert duplicate.status_code == 422 and 'id="error-number">工号 1001 已存在<' in duplicate.text

    edit = submit(manager, "/manage/staff/1001", "/manage/staff/1001", {"name": " ", "title": "x"})
    assert edit.status_code == 422 and 'id="error-name"' in edit.text
    member = book_of(hub).current().staff_member("1001")
    assert member is not None and member.name == "王丽华"
    assert book_of(hub).latest().number == versions


def test_an_edit_is_saved_live_and_audited(hub: Hub) -> None:
    manager = signed_in(hub)
    answer = submit(
        manager,
        "/manage/staff/1002",
        "/manage/staff/1002",
        {"name": "李建华", "title": "综合受理岗", "windows": ["2"]},
    )

    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/manage/staff/1002?done=saved",
    )
    member = hub.engine.config.staff_member("1002")
    assert member is not None and (member.name, member.title, member.windows) == (
        "李建华",
        "综合受理岗",
        [2],
    )
    page = manager.get(answer.headers["location"]).text
    assert "已保存" in page and 'value="李建华"' in page
    audit = (
        hub.store.reader()
        .execute("SELECT actor, action FROM audit_log WHERE action = 'config.edit'")
        .fetchall()
    )
    assert [tuple(r) for r in audit] == [("zhang.san", "config.edit")]


def test_a_disabled_clerk_cannot_sign_in_until_enabled(hub: Hub) -> None:
    manager = signed_in(hub)
    answer = submit(manager, "/manage/staff/1001", "/manage/staff/1001/active", {"active": "0"})
    assert answer.headers["location"] == "/manage/staff/1001?done=disabled"

    refused = sign_in(manager, hub, "1001", "2580")
    assert refused.status_code == 403 and refused.json()["error"] == "staff_disabled"
    assert "已停用" in refused.json()["message"]
    assert "已停用" in manager.get("/manage/staff").text

    submit(manager, "/manage/staff/1001", "/manage/staff/1001/active", {"active": "1"})
    assert sign_in(manager, hub, "1001", "2580").status_code == 200


def test_a_reset_pin_replaces_the_old_one(hub: Hub) -> None:
    manager = signed_in(hub)
    answer = submit(manager, "/manage/staff/1003", "/manage/staff/1003/pin", {})

    assert answer.status_code == 200
    pin = shown_pin(answer.text)
    assert sign_in(manager, hub, "1003", "2580").json()["error"] == "pin_wrong"
    assert sign_in(manager, hub, "1003", pin).status_code == 200
    assert book_of(hub).latest().note == "重置工作人员 1003 张晓明 的密码"


def test_a_locked_staff_number_is_unlocked_and_the_unlock_audited(hub: Hub) -> None:
    manager = signed_in(hub)
    codes = [sign_in(manager, hub, "1004", "0000").status_code for _ in range(5)]
    assert codes[-1] == 423
    assert "已锁定至" in manager.get("/manage/staff").text
    assert 'id="staff-locked"' in manager.get("/manage/staff/1004").text

    answer = submit(manager, "/manage/staff/1004", "/manage/staff/1004/unlock", {})

    assert answer.headers["location"] == "/manage/staff/1004?done=unlocked"
    assert sign_in(manager, hub, "1004", "2580").status_code == 200
    audit = (
        hub.store.reader()
        .execute("SELECT actor, target FROM audit_log WHERE action = 'staff.unlock'")
        .fetchall()
    )
    assert [tuple(r) for r in audit] == [("zhang.san", "staff:1004")]
    again = submit(manager, "/manage/staff/1004", "/manage/staff/1004/unlock", {})
    assert again.headers["location"] == "/manage/staff/1004?done=not_locked"


def upload(client: TestClient, number: str, data: bytes, name: str = "me.png") -> Any:
    token = csrf(client.get(f"/manage/staff/{number}").text)
    return client.post(
        f"/manage/staff/{number}/photo",
        files={"photo": (name, data, "application/octet-stream")},
        data={"csrf": token},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )


def test_a_photo_is_stored_in_the_data_folder_and_served_to_the_boards(hub: Hub) -> None:
    manager = signed_in(hub)
    answer = upload(manager, "1005", PNG)

    assert answer.headers["location"] == "/manage/staff/1005?done=photo"
    [path] = (hub.data_dir / "photos").glob("1005-*.png")
    assert path.read_bytes() == PNG
    member = book_of(hub).current().staff_member("1005")
    assert member is not None and member.photo == str(path.resolve())
    board = {"Authorization": f"Bearer {hub.registry.add('board', 'board-1', 1)[1]}"}
    served = manager.get("/api/v1/staff/1005/photo", headers=board)
    assert (served.status_code, served.content) == (200, PNG)
    assert manager.get("/manage/staff/1005/photo").content == PNG
    version = book_of(hub).latest().number

    assert upload(manager, "1005", JPEG, "me.jpg").status_code == 303
    [replaced] = (hub.data_dir / "photos").glob("1005-*")
    assert replaced.suffix == ".jpg" and replaced.read_bytes() == JPEG
    assert not path.exists()
    assert manager.get("/api/v1/staff/1005/photo", headers=board).content == JPEG
    assert book_of(hub).latest().number == version + 1  # a new photo is an edit the boards hear


def test_a_file_that_is_not_a_jpeg_or_png_is_refused_and_nothing_changes(hub: Hub) -> None:
    manager = signed_in(hub)
    versions = book_of(hub).latest().number

    answer = upload(manager, "1006", b"GIF89a" + b"\x00" * 64, "me.png")

    assert answer.status_code == 422
    assert re.search(r'id="error-photo">照片只能是 JPEG 或 PNG 图片<', answer.text)
    assert book_of(hub).latest().number == versions
    assert not list((hub.data_dir / "photos").glob("1006*"))


def test_only_a_manager_sees_the_staff_pages(hub: Hub) -> None:
    supervisor = signed_in(hub, "li.si")
    assert supervisor.get("/manage/staff").status_code == 403
    assert supervisor.get("/manage/staff/1001").status_code == 403
    anonymous = TestClient(hub.app)
    assert anonymous.get("/manage/staff", follow_redirects=False).status_code == 303
