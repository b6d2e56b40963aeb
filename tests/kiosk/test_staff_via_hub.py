"""The kiosk's green lane asks the hub who a member of staff is: a clerk added, given a new PIN
or disabled in the console counts at once, wrong tries lock the kiosk's confirmations, and the
box's own list answers only while the hub is away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config.pins import hash_card, hash_pin
from hub.actors import Actor
from hub.client import HubClient, HubRefused
from kiosk.staff import ConfigStaff, HubStaff
from tests.conftest import queue_hall
from tests.hub.hubapp import served
from tests.kiosk.conftest import card_for

MANAGER = Actor("zhang", "manager", "session")
CARD = card_for("19880808", "周工作", serial=7)


def give_1001(pin_hash: str, *, active: bool = True) -> Any:
    def change(data: dict[str, Any]) -> None:
        member = data["staff"][0]
        assert member["number"] == "1001"
        member.update(pin_hash=pin_hash, active=active, id_card_hash=hash_card(CARD.id_number))

    return change


def test_the_hub_confirms_by_the_configuration_in_force(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "k1")["token"])
        staff = HubStaff(kiosk.confirm_staff, ConfigStaff(queue_hall().staff))
        assert staff.by_pin("7777") is None  # nobody's PIN yet
        own = hash_pin("7777", iterations=1000, salt=b"test-salt-16byte")
        hub.book.edit(MANAGER, give_1001(own), "1001 新密码")
        assert staff.by_pin("7777") == "王丽华（1001）"  # the console's new PIN, at once
        assert staff.by_card(CARD) == "王丽华（1001）"
        hub.book.edit(MANAGER, give_1001(own, active=False), "停用 1001")
        assert staff.by_pin("7777") is None and staff.by_card(CARD) is None


def test_wrong_tries_lock_the_kiosk_s_confirmations(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "k1")["token"])
        hub.book.edit(
            MANAGER,
            give_1001(hash_pin("7777", iterations=1000, salt=b"test-salt-16byte")),
            "1001 新密码",
        )
        for _ in range(5):
            with pytest.raises(HubRefused) as wrong:
                kiosk.confirm_staff(pin="0000")
        assert wrong.value.code in ("staff_not_confirmed", "confirm_locked")
        with pytest.raises(HubRefused) as locked:
            kiosk.confirm_staff(pin="7777")  # even the right PIN, until the lock ends
        assert locked.value.code == "confirm_locked" and "服务台" in locked.value.message
        with pytest.raises(HubRefused) as both:
            kiosk.request("POST", "/staff/confirm", {"pin": "7777", "id_card": CARD.id_number})
        assert both.value.code != "confirm_locked"  # refused as malformed before any check


def test_the_box_s_own_list_answers_while_the_hub_is_away() -> None:
    away = HubClient("http://127.0.0.1:9", "x", timeout=0.5)
    member = queue_hall().staff[0]
    own = ConfigStaff([member.model_copy(update={"pin_hash": hash_pin("7777", iterations=1000)})])
    staff = HubStaff(away.confirm_staff, own)
    assert staff.by_pin("7777") == f"{member.name}（{member.number}）"
    assert staff.by_pin("0000") is None
