"""The hub's events as the apps read them (hub.wire_events): every event type an app handles has
a model, every model's field is in what a real hub emits, every emitted payload decodes, and an
unknown type or an unreadable payload decodes to None (logged) instead of raising. board.js reads
only fields the models declare."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from boards.board_model import BOARD_EVENTS, RESYNC_EVENTS
from boards.display_model import DISPLAY_EVENTS
from config import HallConfig
from config.pins import hash_pin
from devices.idnumber import check_digit
from hub import wire
from hub import wire_events as ev
from hub.actors import Actor
from hub.client import StreamEvent
from hub.server import Hub, open_hub
from kiosk.hub_watch import WATCHED
from sync.clock import FixedClock

PIN = "1234"
STATIC = Path(__file__).resolve().parents[2] / "hub" / "static"

NOT_DRIVEN = {
    "catalog.applied": "written only when central sends a catalog (tests/hub/test_catalog.py)",
    "reset": "sent only by a stream resumed beyond the hub's last seq, never stored",
}
"""Event types the apps read that this test's hub does not write, and why."""

NOT_ON_EVENTS = {"window.status": {"today"}}
"""Fields a reused answer model has that its event never carries (``today``: only on
``GET /windows/N``)."""


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock, hall_with: Callable[..., HallConfig]) -> Iterator[Hub]:
    fast = hash_pin(PIN, iterations=1000, salt=b"test-salt-16byte")
    hall = hall_with(staff=[{"number": "3001", "name": "王丽华", "pin_hash": fast}])
    opened = open_hub(tmp_path / "hub", clock=clock, config=hall, always_open=True)
    yield opened
    opened.store.close()


def _bearer(hub: Hub, role: str, window: int | None = None) -> dict[str, str]:
    _, secret = hub.registry.add(role, f"{role}-{window}", window)
    return {"Authorization": f"Bearer {secret}"}


def _ok(answer: Any) -> Any:
    assert answer.status_code < 300, answer.text
    return answer.json()


def _a_day_at_the_hub(hub: Hub, clock: FixedClock) -> list[tuple[str, dict[str, Any]]]:
    """Issue, call, recall, finish, rate, pause, resume, skip, re-queue, transfer, sign in and
    out, edit the hall's settings, then a new day: every event the hub wrote, in order."""
    api = TestClient(hub.app, raise_server_exceptions=False)
    kiosk, counter = _bearer(hub, "kiosk"), _bearer(hub, "counter", 1)
    first17 = "32040219800101123"
    card = {"number": first17 + check_digit(first17), "name": "张小三"}
    start = hub.engine.last_seq()

    _ok(api.post("/api/v1/tickets", json={"category": "A", "id_card": card}, headers=kiosk))
    second = _ok(api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk))
    _ok(api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk))
    signed = {"staff_no": "3001", "pin": PIN}
    _ok(api.post("/api/v1/windows/1/sign-in", json=signed, headers=counter))
    _ok(api.post("/api/v1/windows/1/call-next", headers=counter))
    _ok(api.post("/api/v1/windows/1/recall", headers=counter))
    _ok(api.post("/api/v1/windows/1/finish", headers=counter))
    _ok(api.post("/api/v1/windows/1/rating", json={"level": 5, "reason": "慢"}, headers=counter))
    _ok(api.post("/api/v1/windows/1/pause", json={"reason": "午休"}, headers=counter))
    _ok(api.post("/api/v1/windows/1/resume", headers=counter))
    _ok(api.post("/api/v1/windows/1/call-next", headers=counter))
    _ok(api.post("/api/v1/windows/1/skip", headers=counter))
    requeue = {"number": second["number"]}
    _ok(api.post("/api/v1/tickets/requeue", json=requeue, headers=kiosk))
    _ok(api.post("/api/v1/windows/1/call-next", headers=counter))
    moved = {"category": "B", "reason": "材料在人社"}
    _ok(api.post("/api/v1/windows/1/transfer", json=moved, headers=counter))
    _ok(api.post("/api/v1/windows/1/sign-out", headers=counter))

    def notice(config: dict[str, Any]) -> None:
        config["hall"]["notice"] = "下午 3 点后暂停办理公积金业务"

    assert hub.book.edit(Actor("wang", "manager", "session"), notice, "修改公告") is not None
    clock.advance(24 * 3600)
    _ok(api.post("/api/v1/tickets", json={"category": "A"}, headers=kiosk))
    return [(e.type, e.payload) for e in hub.engine.events_after(start, 10_000)]


def test_every_event_an_app_handles_has_a_model() -> None:
    handled = BOARD_EVENTS | DISPLAY_EVENTS | RESYNC_EVENTS | WATCHED
    assert handled <= set(ev.EVENT_MODELS), handled - set(ev.EVENT_MODELS)


def test_every_field_of_every_model_is_in_what_a_real_hub_emits(
    hub: Hub, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    events = _a_day_at_the_hub(hub, clock)
    seen: dict[str, set[str]] = {}
    for kind, payload in events:
        message = StreamEvent(1, kind, {"payload": payload}).message
        if kind in ev.EVENT_MODELS:
            assert message is not None, (kind, payload)  # every payload the hub writes reads
            assert isinstance(message, ev.EVENT_MODELS[kind])
            seen.setdefault(kind, set()).update(payload)
        else:
            assert message is None  # a type no app reads: nothing, silently
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and "skipped" in r.message
    ]
    assert set(ev.EVENT_MODELS) - set(seen) == set(NOT_DRIVEN)
    for kind, keys in seen.items():
        missing = set(ev.EVENT_MODELS[kind].model_fields) - keys - NOT_ON_EVENTS.get(kind, set())
        assert not missing, f"{kind}: the model has fields the hub never sends: {missing}"
    # The tickets on events: every field of hub.wire.Ticket but the private and answer-only ones
    # (id_masked, phone_url), which never are on an event.
    sent = set().union(*(p["ticket"] for k, p in events if k.startswith("ticket.")))
    assert set(wire.Ticket.model_fields) - sent == {"id_masked", "phone_url"}


def test_an_unknown_type_is_none_and_an_unreadable_payload_is_none_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert ev.decode_event("case.status", {"receipt": "R1"}) is None
    assert not caplog.records
    extra = {"window": 2, "reason": "午休", "from_a_newer_hub": True}
    assert ev.decode_event("window.paused", extra) == ev.WindowPaused(window=2, reason="午休")
    with caplog.at_level(logging.WARNING, logger="hub.wire_events"):
        assert ev.decode_event("ticket.called", {"window": 1, "ticket": {"number": "A1"}}) is None
        assert ev.decode_event("window.clerk", {"window": 1, "clerk": "李四"}) is None
        assert ev.decode_event("window.resumed", ["not", "an", "object"]) is None
        assert StreamEvent(5, "window.paused", {"payload": "午休"}).message is None
    assert len(caplog.records) == 4
    assert all("skipped" in r.message for r in caplog.records)


BOARD_JS_READS = {
    # variable in board.js → the model it holds
    "p": None,  # an event's payload: any event model (checked per name below)
    "w": wire.WindowState,
    "t": wire.Ticket,
    "queue": wire.QueueOverview,
    "msg": None,
}


def test_board_js_reads_only_fields_the_models_declare() -> None:
    """Every ``p.X``, ``w.X``, ``w.current.X``, ``p.ticket.X``, ``t.X`` … board.js reads is a
    field of the model that payload or answer is read by in Python."""
    source = (STATIC / "board.js").read_text(encoding="utf-8")
    payload_fields = set().union(*(m.model_fields for m in ev.EVENT_MODELS.values()))
    nested = {
        "ticket": wire.Ticket,
        "current": wire.Ticket,
        "rating_pending": wire.RatingPending,
        "clerk": wire.Clerk,
    }
    bad = []
    reads = re.findall(r"\b(p|w|t|queue)\.(?:(\w+)\.)?(\w+)", source)
    assert len(reads) > 30  # the pattern finds what the board and display read
    for var, parent, name in re.findall(r"\b(p|w|t|queue)\.(?:(\w+)\.)?(\w+)", source):
        if parent:
            owner = nested.get(parent)
            if owner is not None and name not in owner.model_fields and name != "length":
                bad.append(f"{var}.{parent}.{name}")
            if owner is None and parent not in ("waiting", "categories"):
                bad.append(f"{var}.{parent}.{name}")
            continue
        model = BOARD_JS_READS[var]
        fields = payload_fields if model is None else set(model.model_fields)
        if name not in fields:
            bad.append(f"{var}.{name}")
    assert not bad, f"board.js reads fields no model declares: {sorted(set(bad))}"
