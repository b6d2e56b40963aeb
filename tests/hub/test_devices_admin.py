"""Device tokens administered from the console, the API and the registry, over HTTP against a
real hub: a token added in the console is shown once (with its QR) and works; a wrong add names
its field and stores nothing; the API lists tokens with their last use and reported health and
revokes them (the device's next request 401, its event stream ends); the admin token cannot be
revoked there; every add and revoke is audited; the last use is written at most once a minute
and survives a restart."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from config import sample_hall
from hall.hubprocess import HubProcess
from hub import audit
from hub.accounts import CLI_ACTOR
from hub.auth import SEEN_WRITE_SECONDS, DeviceRegistry
from hub.client import HubClient, HubRefused
from hub.manage.devices_page import qr_data_uri
from hub.server import Hub, open_store
from tests.hub.hubapp import served
from tests.hub.test_manage_pages import PASSWORD, signed_in
from tests.timing import PATIENCE, SteppedClock, wait_for


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[tuple[Hub, str]]:
    with served(tmp_path / "hub") as (hub, url):
        for user, role in (
            ("zhang.san", "manager"),
            ("wang.wu", "technician"),
            ("li.si", "supervisor"),
        ):
            hub.accounts.add(CLI_ACTOR, user, role, PASSWORD)
        yield hub, url


def _admin(hub: Hub, url: str) -> HubClient:
    return HubClient(url, hub.admin_token_path.read_text().strip(), timeout=PATIENCE)


def _whoami(url: str, token: str) -> int:
    answer = requests.get(
        f"{url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=PATIENCE
    )
    return answer.status_code


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _add_in_console(
    browser: requests.Session, url: str, fields: dict[str, str]
) -> requests.Response:
    token = _csrf(browser.get(f"{url}/manage/devices", timeout=PATIENCE).text)
    return browser.post(
        f"{url}/manage/devices",
        data={**fields, "csrf": token},
        allow_redirects=False,
        timeout=PATIENCE,
    )


def _actions(hub: Hub) -> list[tuple[str, str, str]]:
    return [(e.action, e.actor, e.target) for e in audit.entries(hub.store.reader())]


def _follow(client: HubClient) -> tuple[threading.Thread, list[str]]:
    """Follow ``client``'s event stream on a thread until it ends; the thread and a list that
    gets "open" once the stream answered and "ended" when it ends."""
    seen: list[str] = []

    def run() -> None:
        try:
            for _ in client.events(read_timeout=PATIENCE * 4):
                if not seen:
                    seen.append("open")
        finally:
            seen.append("ended")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, seen


def test_a_token_added_in_the_console_is_shown_once_with_its_qr_works_and_is_audited(
    hall: tuple[Hub, str],
) -> None:
    hub, url = hall
    technician = signed_in(url, "wang.wu")
    answer = _add_in_console(technician, url, {"role": "counter", "name": "窗口-2", "window": "2"})
    assert answer.status_code == 303
    shown_at = answer.headers["location"]
    assert shown_at.startswith("/manage/devices/new/")

    # Another person's session cannot take it (nor use it up).
    assert signed_in(url, "zhang.san").get(url + shown_at, timeout=PATIENCE).status_code == 410
    page = technician.get(url + shown_at, timeout=PATIENCE)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    found = re.search(r'id="token">(.+?)</code>', page.text)
    assert found is not None
    token = found.group(1).replace("<wbr>", "")  # break opportunities only, for phones
    assert f'src="{qr_data_uri(token)}"' in page.text  # the QR is of this token
    assert "只显示这一次" in page.text
    assert _whoami(url, token) == 200
    device = hub.registry.authenticate(token)
    assert (device.role, device.name, device.window) == ("counter", "窗口-2", 2)

    again = technician.get(url + shown_at, timeout=PATIENCE)
    assert again.status_code == 410 and token not in again.text and "已经显示过" in again.text
    listed = technician.get(f"{url}/manage/devices", timeout=PATIENCE).text
    assert "窗口-2" in listed and token not in listed

    assert ("device.add", "wang.wu", f"device:{device.id}") in _actions(hub)
    rows = hub.store.reader().execute("SELECT before, after FROM audit_log").fetchall()
    assert token not in repr(rows)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"role": "counter", "name": "窗口-9"}, "window", "绑定一个窗口"),
        ({"role": "counter", "name": "窗口-9", "window": "99"}, "window", "没有 99 号窗口"),
        ({"role": "kiosk", "name": "  "}, "name", "设备名称"),
        ({"role": "admin", "name": "后门"}, "role", "设备类型"),
    ],
)
def test_a_wrong_add_names_the_field_in_chinese_and_stores_nothing(
    hall: tuple[Hub, str], fields: dict[str, str], field: str, words: str
) -> None:
    hub, url = hall
    before = len(hub.registry.overview())
    answer = _add_in_console(signed_in(url, "wang.wu"), url, fields)
    assert answer.status_code == 422
    error = re.search(rf'id="error-{field}">([^<]+)<', answer.text)
    assert error is not None and words in error.group(1)
    assert f'value="{fields["name"]}"' in answer.text  # what was typed is kept
    assert "Traceback" not in answer.text
    assert len(hub.registry.overview()) == before
    assert not [a for a in _actions(hub) if a[0].startswith("device.")]


def test_the_devices_page_is_for_technicians_and_managers_and_wants_csrf(
    hall: tuple[Hub, str],
) -> None:
    hub, url = hall
    supervisor = signed_in(url, "li.si")
    assert supervisor.get(f"{url}/manage/devices", timeout=PATIENCE).status_code == 403
    before = len(hub.registry.overview())
    technician = signed_in(url, "wang.wu")
    forged = technician.post(
        f"{url}/manage/devices",
        data={"role": "kiosk", "name": "伪造"},
        allow_redirects=False,
        timeout=PATIENCE,
    )
    assert forged.status_code == 403
    assert len(hub.registry.overview()) == before


def test_the_api_lists_last_use_and_health_and_revokes_a_token_whose_stream_then_ends(
    hall: tuple[Hub, str],
) -> None:
    hub, url = hall
    admin = _admin(hub, url)
    added = admin.add_device("kiosk", "取号机-1")
    kiosk = HubClient(url, added["token"], timeout=PATIENCE)
    kiosk.alert(source="取号机-1", device="printer", problem="打印机缺纸，请更换纸卷")
    stream, seen = _follow(kiosk)
    wait_for(lambda: hub.broker.subscriber_count >= 1, "the kiosk's stream to open")

    listed = {d["id"]: d for d in admin.list_devices()}
    mine = listed[added["id"]]
    assert mine["last_seen"] is not None and mine["revoked_at"] is None
    seen_at = datetime.fromisoformat(mine["last_seen"])
    assert abs(datetime.now(UTC) - seen_at) < timedelta(minutes=5)
    assert mine["health"]["problem"] == "打印机缺纸，请更换纸卷"
    admin_id = next(d["id"] for d in listed.values() if d["role"] == "admin")
    assert listed[admin_id]["health"] is None

    assert admin.revoke_device(added["id"]) is None  # 204
    assert _whoami(url, added["token"]) == 401
    stream.join(PATIENCE)
    assert not stream.is_alive() and seen[-1] == "ended"
    revoked = {d["id"]: d for d in admin.list_devices()}[added["id"]]
    assert revoked["revoked_at"] is not None
    assert ("device.revoke", "admin", f"device:{added['id']}") in _actions(hub)

    with pytest.raises(HubRefused) as gone:
        admin.revoke_device(added["id"])
    assert (gone.value.status, gone.value.code) == (409, "already_revoked")
    unknown = requests.delete(
        f"{url}/api/v1/devices/no-such-device",
        headers={"Authorization": f"Bearer {admin.token}"},
        timeout=PATIENCE,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "unknown_device" and unknown.json()["message"]
    with pytest.raises(HubRefused) as own:
        admin.revoke_device(admin_id)
    assert (own.value.status, own.value.code) == (409, "admin_token")
    assert "admin.token" in own.value.message
    assert _whoami(url, admin.token) == 200

    other = HubClient(url, admin.add_device("display", "大厅屏")["token"], timeout=PATIENCE)
    with pytest.raises(HubRefused) as refused:
        other.revoke_device(admin_id)
    assert refused.value.status == 403


def test_the_console_shows_last_use_and_health_and_will_not_revoke_the_admin_token(
    hall: tuple[Hub, str],
) -> None:
    hub, url = hall
    _device, token = hub.registry.add("kiosk", "取号机-7")
    kiosk = HubClient(url, token, timeout=PATIENCE)
    kiosk.alert(source="取号机-7", device="printer", problem="打印机缺纸，请更换纸卷")
    technician = signed_in(url, "wang.wu")
    page = technician.get(f"{url}/manage/devices", timeout=PATIENCE).text
    row = re.search(r"<tr data-id=[^>]*>\s*<td>取号机-7</td>.*?</tr>", page, re.S)
    assert row is not None
    assert "刚刚" in row.group(0) and "打印机缺纸" in row.group(0)

    admin_id = next(i.device.id for i in hub.registry.overview() if i.device.role == "admin")
    confirm = technician.get(f"{url}/manage/devices/{admin_id}/revoke", timeout=PATIENCE)
    assert "确认吊销" not in confirm.text and "admin.token" in confirm.text
    forced = technician.post(
        f"{url}/manage/devices/{admin_id}/revoke",
        data={"csrf": _csrf(page)},
        allow_redirects=False,
        timeout=PATIENCE,
    )
    assert forced.status_code == 409 and "admin.token" in forced.text
    assert _whoami(url, hub.admin_token_path.read_text().strip()) == 200


def test_the_last_use_is_written_at_most_once_a_minute_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    windows = {w.number for w in sample_hall().windows}
    ticks = SteppedClock()
    wall = [datetime(2026, 12, 7, 2, 0, tzinfo=UTC)]
    store = open_store(tmp_path)
    registry = DeviceRegistry(store, windows, monotonic=ticks, wall=lambda: wall[0])
    device, token = registry.add("kiosk", "取号机-1")

    def stored() -> str | None:
        row = store.reader().execute("SELECT last_seen_at FROM devices WHERE id = ?", (device.id,))
        return row.fetchone()[0]

    registry.authenticate(token)
    assert registry.write_seen() == 1
    assert stored() == "2026-12-07T02:00:00+00:00"
    wall[0] += timedelta(seconds=30)
    ticks.advance(30)
    registry.authenticate(token)
    assert registry.write_seen() == 0  # within the minute: memory only
    assert stored() == "2026-12-07T02:00:00+00:00"
    (info,) = [i for i in registry.overview() if i.device.id == device.id]
    assert info.last_seen == "2026-12-07T02:00:30+00:00"
    ticks.advance(SEEN_WRITE_SECONDS)
    assert registry.write_seen() == 1
    wall[0] += timedelta(seconds=5)
    registry.authenticate(token)
    registry.stop_watching()  # the hub stopping writes what is left
    store.close()

    reopened = open_store(tmp_path)
    try:
        again = DeviceRegistry(reopened, windows)
        (info,) = [i for i in again.overview() if i.device.id == device.id]
        assert info.last_seen == "2026-12-07T02:00:35+00:00"
    finally:
        reopened.close()


def test_a_running_hub_writes_the_last_use_and_shows_it_again_after_a_restart(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hub"
    hub = HubProcess(data, log_path=tmp_path / "hub.log")
    with hub:
        added = hub.client().add_device("kiosk", "取号机-1")
        assert _whoami(hub.base_url, added["token"]) == 200

        def stored() -> str | None:
            store = open_store(data)
            try:
                row = store.reader().execute(
                    "SELECT last_seen_at FROM devices WHERE id = ?", (added["id"],)
                )
                value: str | None = row.fetchone()[0]
                return value
            finally:
                store.close()

        wait_for(lambda: stored() is not None, "the hub to write the kiosk's last use", step=0.2)
        written = stored()
        listed = {d["id"]: d for d in hub.client().list_devices()}
    assert listed[added["id"]]["last_seen"] == written

    with hub:  # started again on the same store
        again = {d["id"]: d for d in hub.client().list_devices()}
    assert again[added["id"]]["last_seen"] == written
