"""What the 工作人员 pages rest on, below the console: a disabled clerk cannot sign in at a
counter (told so only after the right PIN), a staff number locked by wrong PINs is unlocked
with an audit row, and a photo upload may be larger than any other request (2 MB), on its one
console path only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from config import HallConfig
from hub.actors import Actor
from hub.errors import Forbidden, Locked
from hub.limits import MAX_BODY_BYTES, PHOTO_BODY_BYTES, BodyLimit
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from tests.conftest import queue_hall_data

MANAGER = Actor("zhang.san", "manager", "session")


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock, hall_with: Callable[..., HallConfig]) -> Iterator[Hub]:
    staff = queue_hall_data()["staff"]
    staff[0] = {**staff[0], "active": False}  # 1001 王丽华, PIN 2580
    hall = hall_with(staff=staff, service={"require_sign_in": True})
    opened = open_hub(tmp_path / "hub", clock=clock, config=hall, always_open=True)
    yield opened
    opened.store.close()


def test_a_disabled_clerk_is_refused_after_the_right_pin_only(hub: Hub) -> None:
    with pytest.raises(Forbidden) as wrong:
        hub.engine.sign_in(1, "1001", "0000")
    assert wrong.value.code == "pin_wrong"

    with pytest.raises(Forbidden) as refused:
        hub.engine.sign_in(1, "1001", "2580")

    assert refused.value.code == "staff_disabled"
    assert refused.value.message.startswith("工号1001（王丽华）已停用")
    assert hub.engine.window_state(1).clerk is None
    assert hub.engine.sign_in(1, "1002", "2580").clerk is not None


def test_an_unlock_lifts_the_lock_and_is_audited(hub: Hub) -> None:
    assert hub.engine.unlock_staff(MANAGER, "1002") is False  # not locked: nothing written
    for _ in range(5):
        with pytest.raises((Forbidden, Locked)):
            hub.engine.sign_in(2, "1002", "0000")
    assert hub.engine.staff_locked_until("1002") is not None
    with pytest.raises(Locked):
        hub.engine.sign_in(2, "1002", "2580")

    assert hub.engine.unlock_staff(MANAGER, "1002") is True

    assert hub.engine.staff_locked_until("1002") is None
    assert hub.engine.sign_in(2, "1002", "2580").clerk is not None
    rows = (
        hub.store.reader()
        .execute("SELECT actor, actor_role, target FROM audit_log WHERE action = 'staff.unlock'")
        .fetchall()
    )
    assert [tuple(r) for r in rows] == [("zhang.san", "manager", "staff:1002")]


async def _size(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def test_only_the_photo_path_takes_a_body_over_64_kb() -> None:
    app = BodyLimit(Starlette(routes=[Route("/{path:path}", _size, methods=["POST"])]))
    client = TestClient(app)
    photo = b"\xff" * (2 * 1024 * 1024)

    taken = client.post("/manage/staff/1001/photo", content=photo)
    assert (taken.status_code, taken.text) == (200, str(len(photo)))

    too_big = client.post("/manage/staff/1001/photo", content=b"\xff" * (PHOTO_BODY_BYTES + 1))
    assert too_big.status_code == 413 and "照片最大2 MB" in too_big.json()["message"]
    for path in ("/manage/staff/1001", "/manage/staff/1001/photo/x", "/api/v1/staff/1001/photo"):
        refused = client.post(path, content=b"x" * (MAX_BODY_BYTES + 1))
        assert refused.status_code == 413, path
        assert refused.json()["limit_bytes"] == MAX_BODY_BYTES
