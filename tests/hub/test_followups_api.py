"""The closed loops through a real hub on a loopback port: a 差评 walked through every state,
refusals with their statuses, the phone only through /phone, kiosk feedback handled, alerts
from a kiosk and from the hub's own check, acknowledged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.audit import entries
from hub.server import Hub
from sync.clock import FixedClock
from tests.hub.followup_helpers import DEMO_PIN, STEP_BODIES, at
from tests.hub.hubapp import served

API = "/api/v1"


@dataclass
class Hall:
    hub: Hub
    url: str
    clock: FixedClock
    admin: requests.Session
    kiosk: requests.Session
    counter: requests.Session

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.admin.get(f"{self.url}{API}{path}", params=params, timeout=30)

    def post(
        self, path: str, body: Any = None, who: requests.Session | None = None
    ) -> requests.Response:
        return (who or self.admin).post(f"{self.url}{API}{path}", json=body, timeout=30)

    def bad_rating(self, level: int = 5, reason: str = "等候时间过长") -> dict[str, Any]:
        """One A ticket taken, served at window 1 and rated ``level``; the rating answer."""
        assert self.post("/tickets", {"category": "A"}, self.kiosk).status_code == 201
        assert self.post("/windows/1/call-next", None, self.counter).status_code == 200
        self.clock.advance(60)
        assert self.post("/windows/1/finish", None, self.counter).status_code == 200
        rated = self.post("/windows/1/rating", {"level": level, "reason": reason}, self.counter)
        assert rated.status_code == 201
        return dict(rated.json())

    def only_followup(self, **params: Any) -> dict[str, Any]:
        answer = self.get("/followups", **params)
        assert answer.status_code == 200, answer.text
        [found] = answer.json()["followups"]
        return dict(found)


def session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


@pytest.fixture
def hall(tmp_path: Path, clock: FixedClock) -> Iterator[Hall]:
    with served(tmp_path / "hub", clock=clock) as (hub, url):
        admin = hub.admin_token_path.read_text().strip()
        _, kiosk = hub.registry.add("kiosk", "kiosk-1")
        _, counter = hub.registry.add("counter", "counter-1", 1)
        opened = Hall(hub, url, clock, session(admin), session(kiosk), session(counter))
        signed = opened.post(
            "/windows/1/sign-in", {"staff_no": "1001", "pin": DEMO_PIN}, opened.counter
        )
        assert signed.status_code == 200, signed.text
        yield opened


LISTED = {
    "id",
    "status",
    "kind",
    "ticket",
    "window",
    "clerk",
    "level",
    "reason",
    "due_on",
    "overdue",
    "steps",
}


def test_a_bad_rating_walks_through_every_state_over_http(hall: Hall) -> None:
    rating = hall.bad_rating()
    pending = hall.only_followup(status="pending")
    assert set(pending) >= LISTED
    assert (pending["ticket"], pending["window"], pending["level"], pending["reason"]) == (
        "A001",
        1,
        5,
        "等候时间过长",
    )
    assert pending["clerk"] == {"number": "1001", "name": "王丽华"}
    assert (pending["due_on"], pending["overdue"]) == ("2025-03-19", False)
    assert rating["followup_due"] == pending["close_due_on"] == "2025-04-02"
    path = f"/followups/{pending['id']}"
    for name, status in (
        ("verify", "rectifying"),
        ("rectify", "revisiting"),
        ("revisit", "closed"),
    ):
        hall.clock.advance(600)
        answer = hall.post(f"{path}/{name}", STEP_BODIES[name])
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == status
    closed = hall.only_followup(status="closed")
    assert [(s["step"], s["actor_role"], s["fields"]) for s in closed["steps"]] == [
        (name, "admin", STEP_BODIES[name]) for name in ("verify", "rectify", "revisit")
    ]
    assert hall.get(path).json() == closed
    assert hall.get("/followups", status="pending").json()["followups"] == []
    steps = [e.payload for e in hall.hub.engine.events_after(0) if e.type == "followup.step"]
    assert [(p["step"], p["case_no"], p["division_code"]) for p in steps] == [
        ("verify", "20250312-A001", "320402100"),
        ("rectify", "20250312-A001", "320402100"),
        ("revisit", "20250312-A001", "320402100"),
    ]


def test_the_admin_token_finds_a_bad_rating_invalid(hall: Hall) -> None:
    hall.bad_rating()
    followup = hall.only_followup()
    answer = hall.post(f"/followups/{followup['id']}/invalid", STEP_BODIES["invalid"])
    assert answer.status_code == 200
    assert answer.json()["status"] == "invalid"


def test_a_step_out_of_turn_is_409_with_the_sentence(hall: Hall) -> None:
    hall.bad_rating()
    followup = hall.only_followup()
    answer = hall.post(f"/followups/{followup['id']}/revisit", STEP_BODIES["revisit"])
    assert answer.status_code == 409
    assert answer.json()["error"] == "wrong_state"
    assert answer.json()["message"].startswith("该差评当前状态为“待核实”，不能回访")


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("verify", {"assignee": "王丽华"}),
        ("verify", {"assignee": "王丽华", "note": "  "}),
        ("verify", {**STEP_BODIES["verify"], "extra": 1}),
        ("invalid", {}),
        ("rectify", {"measures": "整" * 1001}),
        ("revisit", {"method": "电话", "answer": "好", "satisfied": "yes"}),
        ("revisit", None),
    ],
)
def test_a_missing_empty_or_unknown_field_is_422(
    hall: Hall, step: str, body: dict[str, Any] | None
) -> None:
    hall.bad_rating()
    followup = hall.only_followup()
    answer = hall.post(f"/followups/{followup['id']}/{step}", body)
    assert answer.status_code == 422
    assert answer.json()["error"] == "bad_request"
    assert hall.only_followup()["status"] == "pending"


def test_unknown_ids_and_bad_filters(hall: Hall) -> None:
    assert hall.get("/followups/nothing").status_code == 404
    assert hall.post("/followups/nothing/verify", STEP_BODIES["verify"]).status_code == 404
    assert hall.get("/followups", status="open").status_code == 422
    assert hall.get("/followups", kind="praise").status_code == 422
    assert hall.get("/followups", **{"from": "12/03/2025"}).status_code == 422


def test_boxes_and_strangers_are_kept_out(hall: Hall) -> None:
    assert requests.get(f"{hall.url}{API}/followups", timeout=30).status_code == 401
    assert hall.kiosk.get(f"{hall.url}{API}/followups", timeout=30).status_code == 403
    assert hall.kiosk.get(f"{hall.url}{API}/alerts", timeout=30).status_code == 403
    assert hall.counter.get(f"{hall.url}{API}/feedback", timeout=30).status_code == 403


def test_overdue_and_opening_day_filters(hall: Hall) -> None:
    hall.bad_rating()
    assert hall.get("/followups", overdue=1).json()["followups"] == []
    hall.clock.set(at("2025-03-20"))  # verify was due Wednesday 19
    late = hall.only_followup(overdue=1)
    assert (late["due_on"], late["overdue"]) == ("2025-03-19", True)
    assert hall.get("/followups", overdue=1, kind="unresolved").json()["followups"] == []
    assert hall.get("/followups").json()["today"] == "2025-03-20"
    assert (
        len(
            hall.get("/followups", **{"from": "2025-03-12", "to": "2025-03-12"}).json()["followups"]
        )
        == 1
    )
    assert hall.get("/followups", **{"from": "2025-03-13"}).json()["followups"] == []


def test_the_phone_is_masked_everywhere_but_the_audited_call_back_read(hall: Hall) -> None:
    body = {"kind": "unresolved", "reason": "社保卡补办要跑两次", "phone": "13800001234"}
    given = hall.post("/feedback", body, hall.kiosk)
    assert given.status_code == 201
    followup = hall.only_followup(kind="unresolved")
    assert (followup["phone"], followup["feedback_id"]) == ("138****1234", given.json()["id"])
    assert hall.get(f"/feedback/{given.json()['id']}").json()["phone"] == "138****1234"
    assert "13800001234" not in hall.get("/followups").text + hall.get("/feedback").text
    clear = hall.get(f"/followups/{followup['id']}/phone")
    assert clear.status_code == 200
    assert clear.json() == {"id": followup["id"], "phone": "13800001234"}
    [audit] = entries(hall.hub.store.reader(), target=f"followup:{followup['id']}")
    assert audit.action == "phone.read"
    stream = [e.payload for e in hall.hub.engine.events_after(0) if e.type != "audit.recorded"]
    assert "13800001234" not in repr(stream)


def test_kiosk_feedback_is_read_assigned_replied_and_closed(hall: Hall) -> None:
    given = hall.post("/feedback", {"kind": "suggestion", "reason": "座椅不够"}, hall.kiosk)
    feedback_id = given.json()["id"]
    [listed] = hall.get("/feedback", status="new").json()["feedback"]
    assert (listed["id"], listed["kind"], listed["source"]) == (
        feedback_id,
        "suggestion",
        "kiosk-1",
    )
    path = f"/feedback/{feedback_id}"
    assert hall.post(f"{path}/read").json()["status"] == "read"
    assert hall.post(f"{path}/assign", {"assignee": "后勤组"}).json()["assignee"] == "后勤组"
    assert hall.post(f"{path}/reply", {"note": "已增加座椅"}).json()["reply_note"] == "已增加座椅"
    assert hall.post(f"{path}/close").json()["status"] == "closed"
    assert hall.post(f"{path}/close", {"note": "再次"}).status_code == 409
    assert hall.post(f"{path}/assign", {}).status_code == 422
    assert hall.post(f"{path}/reply", {"note": "x", "to": "y"}).status_code == 422
    assert hall.get("/feedback", status="new").json()["feedback"] == []
    assert [f["id"] for f in hall.get("/feedback", status="closed").json()["feedback"]] == [
        feedback_id
    ]


def test_alerts_from_a_kiosk_and_the_hub_are_listed_and_acknowledged(hall: Hall) -> None:
    paper = {"source": "kiosk-1", "device": "printer", "problem": "打印机缺纸"}
    assert hall.post("/alerts", paper, hall.kiosk).json()["kind"] == "device"  # old clients
    help_body = {
        "source": "kiosk-1",
        "device": "screen",
        "problem": "群众呼叫工作人员",
        "kind": "help",
    }
    assert hall.post("/alerts", help_body, hall.kiosk).status_code == 201
    assert hall.post("/alerts", {**paper, "kind": "wait"}, hall.kiosk).status_code == 422
    hall.post("/tickets", {"category": "B"}, hall.kiosk)
    hall.clock.advance(31 * 60)
    hall.hub.engine.check_alerts()
    inbox = hall.get("/alerts", open=1).json()["alerts"]
    assert [a["kind"] for a in inbox] == ["wait", "help", "device"]
    acked = hall.post(f"/alerts/{inbox[0]['id']}/ack")
    assert acked.status_code == 200
    assert acked.json()["open"] is False
    assert hall.post(f"/alerts/{inbox[0]['id']}/ack").status_code == 409
    assert [a["kind"] for a in hall.get("/alerts", open=1).json()["alerts"]] == ["help", "device"]
    assert len(hall.get("/alerts").json()["alerts"]) == 3
