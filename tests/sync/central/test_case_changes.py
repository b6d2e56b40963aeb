"""Central's side of the case after 收件: halls' case.status moves applied by the ordering rule,
changes numbered for the downlink, and ``hall central case-status`` with 补正 and 不予受理."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hall.cli import main
from sync.central.cases import find_case, set_case_status
from sync.central.store import CentralStore
from tests.sync.central.centralapp import SignedHub, event
from tests.sync.central.conftest import db_args
from tests.sync.central.test_cases import accepted

RECEIPT = "SJ202609210001"


def moved(status: str, previous: str, central_change: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "receipt": RECEIPT,
        "status": status,
        "previous": previous,
        "source": "hall",
        "window": 7,
        "pickup_window": None,
        "missing": [],
        "reason": None,
        "basis": None,
        "changed_at": "2026-09-21T10:00:00.000+08:00",
        "clerk_id": None,
        "central_change": central_change,
        **extra,
    }


def test_a_halls_moves_are_applied_in_order_within_a_batch(
    hub: SignedHub, central: CentralStore
) -> None:
    answer = hub.send(
        [
            event(1, "case.accepted", accepted()),
            event(2, "case.status", moved("processing", "accepted")),
            event(3, "case.status", moved("correction", "processing", missing=["申请表"])),
        ]
    )
    assert answer.json()["rejected"] == []
    assert find_case(central, hub.hall, RECEIPT).status == "correction"
    hub.send([event(2, "case.status", moved("processing", "accepted"))])  # sent again
    assert find_case(central, hub.hall, RECEIPT).status == "correction"


def test_a_move_made_before_the_hall_saw_centrals_change_leaves_centrals_status(
    hub: SignedHub, central: CentralStore
) -> None:
    hub.send([event(1, "case.accepted", accepted())])
    set_case_status(central, RECEIPT, "processing")  # change 1
    hub.send([event(2, "case.status", moved("correction", "accepted", central_change=0))])
    assert find_case(central, hub.hall, RECEIPT).status == "processing"
    hub.send([event(3, "case.status", moved("processing", "accepted", central_change=1))])
    hub.send([event(4, "case.status", moved("ready", "processing", central_change=1))])
    assert find_case(central, hub.hall, RECEIPT).status == "ready"
    set_case_status(central, RECEIPT, "delivered")  # change 2
    hub.send([event(5, "case.status", moved("delivered", "ready", central_change=1))])
    assert find_case(central, hub.hall, RECEIPT).status == "delivered"


def test_changes_are_numbered_per_hall_and_listed_after_a_change_id(
    hub: SignedHub, central: CentralStore
) -> None:
    hub.send([event(1, "case.accepted", accepted())])
    set_case_status(central, RECEIPT, "correction", missing=["申请表", " 户口簿 "])
    set_case_status(central, RECEIPT, "rejected", reason="材料逾期未补正")
    listed = hub.request("GET", f"/halls/{hub.hall}/case-changes?after=0")
    assert listed.status_code == 200, listed.text
    changes = listed.json()["changes"]
    assert [(c["change_id"], c["previous"], c["status"]) for c in changes] == [
        (1, "accepted", "correction"),
        (2, "correction", "rejected"),
    ]
    assert (changes[0]["missing"], changes[1]["reason"]) == (["申请表", "户口簿"], "材料逾期未补正")
    later = hub.request("GET", f"/halls/{hub.hall}/case-changes?after=1").json()
    assert ([c["change_id"] for c in later["changes"]], later["last"]) == ([2], 2)
    unsigned = hub.client.get(f"/api/central/v1/halls/{hub.hall}/case-changes")
    assert unsigned.status_code == 401
    negative = hub.request("GET", f"/halls/{hub.hall}/case-changes?after=-1")
    assert negative.status_code == 400


def test_hall_central_case_status_takes_the_missing_materials_and_the_reason(
    hub: SignedHub, central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.send([event(1, "case.accepted", accepted())])
    where = ["central", "case-status", *db_args(central, tmp_path)]
    assert main([*where, RECEIPT, "correction"]) == 1
    assert "missing material" in capsys.readouterr().err
    assert main([*where, RECEIPT, "correction", "--missing", "申请表", "--missing", "户口簿"]) == 0
    assert "correction 需补正" in capsys.readouterr().out
    assert main([*where, RECEIPT, "ready"]) == 1
    assert "需补正" in capsys.readouterr().err  # not allowed from 需补正: says so
    assert main([*where, RECEIPT, "rejected", "--reason", "逾期未补正"]) == 0
    with central.db.read() as db:
        rows = db.query("SELECT missing, reason FROM case_changes ORDER BY change_id")
    assert [(json.loads(r["missing"]), r["reason"]) for r in rows] == [
        (["申请表", "户口簿"], None),
        ([], "逾期未补正"),
    ]
