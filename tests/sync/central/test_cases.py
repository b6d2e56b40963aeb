"""Cases at central: learnt from case.accepted, looked up signed by the hall, moved by an admin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hall.cli import main
from sync.central.cases import find_case, set_case_status
from sync.central.errors import CentralError
from sync.central.store import CentralStore
from tests.sync.central.centralapp import SignedHub, event
from tests.sync.central.conftest import db_args


def accepted(receipt: str = "SJ202609210001", **extra: Any) -> dict[str, Any]:
    return {
        "receipt": receipt,
        "item_id": "jjb-170",
        "item_name": "知青子女入户档案查阅",
        "accepted_on": "2026-09-21",
        "promised_on": "2026-09-22",
        "status": "accepted",
        **extra,
    }


def test_a_case_accepted_event_makes_the_case_known_to_its_hall(hub: SignedHub) -> None:
    assert hub.send([event(1, "case.accepted", accepted())]).json()["rejected"] == []
    answer = hub.request("GET", f"/halls/{hub.hall}/cases/SJ202609210001")
    assert answer.status_code == 200
    assert answer.json() | {"updated_at": None} == {
        "receipt": "SJ202609210001",
        "item_id": "jjb-170",
        "item_name": "知青子女入户档案查阅",
        "accepted_on": "2026-09-21",
        "promised_on": "2026-09-22",
        "status": "accepted",
        "status_text": "已受理",
        "updated_at": None,
    }


def test_an_unknown_receipt_is_404_unknown_case(hub: SignedHub) -> None:
    answer = hub.request("GET", f"/halls/{hub.hall}/cases/SJ202609210009")
    assert (answer.status_code, answer.json()["error"]) == (404, "unknown_case")


def test_a_case_lookup_must_be_signed(hub: SignedHub) -> None:
    hub.send([event(1, "case.accepted", accepted())])
    answer = hub.client.get(f"/api/central/v1/halls/{hub.hall}/cases/SJ202609210001")
    assert answer.status_code == 401


def test_a_case_accepted_without_a_receipt_is_rejected(hub: SignedHub) -> None:
    rejected = hub.send([event(1, "case.accepted", accepted(receipt=""))]).json()["rejected"]
    assert rejected[0]["reason"].startswith("payload.receipt")


def test_a_resent_event_does_not_reset_a_moved_status(
    hub: SignedHub, central: CentralStore
) -> None:
    first = event(1, "case.accepted", accepted())
    hub.send([first])
    set_case_status(central, "SJ202609210001", "processing")
    hub.send([first])
    assert find_case(central, hub.hall, "SJ202609210001").status == "processing"


def test_moving_a_status_checks_the_status_and_the_receipt(
    hub: SignedHub, central: CentralStore
) -> None:
    hub.send([event(1, "case.accepted", accepted())])
    with pytest.raises(CentralError) as bad:
        set_case_status(central, "SJ202609210001", "lost")
    with pytest.raises(CentralError) as unknown:
        set_case_status(central, "SJ202609219999", "ready")
    assert (bad.value.code, unknown.value.code) == ("bad_status", "unknown_case")


def test_the_same_receipt_in_two_halls_needs_the_hall_named(
    hub: SignedHub, central: CentralStore
) -> None:
    hub.send([event(1, "case.accepted", accepted())])
    other, _ = central.add_hall("另一个镇")
    with central.db.write() as db:
        db.execute(
            "INSERT INTO cases VALUES (?, 'SJ202609210001', 'x', 'x', '2026-09-21', NULL,"
            " 'accepted', 'now')",
            (other.id,),
        )
    with pytest.raises(CentralError) as ambiguous:
        set_case_status(central, "SJ202609210001", "ready")
    assert ambiguous.value.code == "ambiguous_receipt"
    assert set_case_status(central, "SJ202609210001", "ready", other.id).hall == other.id
    assert find_case(central, hub.hall, "SJ202609210001").status == "accepted"


def test_hall_central_case_status_moves_a_case(
    hub: SignedHub, central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.send([event(1, "case.accepted", accepted())])
    where = db_args(central, tmp_path)
    assert main(["central", "case-status", *where, "sj202609210001", "ready"]) == 0
    assert "ready 已办结，待领取" in capsys.readouterr().out
    assert find_case(central, hub.hall, "SJ202609210001").status == "ready"
    assert main(["central", "case-status", *where, "SJ202609210001", "gone"]) == 1
    assert "unknown case status" in capsys.readouterr().err
