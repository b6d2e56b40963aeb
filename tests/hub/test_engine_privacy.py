"""Personal information: the full ID number and name never reach the store or any event."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

from hub.engine import QueueEngine
from sync.clock import FixedClock
from sync.store import Store

NAME = "欧阳小明"


def journey(engine: QueueEngine, clock: FixedClock, id_number: Callable[..., str]) -> list[str]:
    """Everything a citizen can do with an ID card; the ID numbers used."""
    elderly, booked, plain = id_number("19500101"), id_number(), id_number()
    engine.add_appointment(
        code="YY9",
        service_day="2025-03-12",
        slot_start="10:00",
        slot_end="10:30",
        category="C",
        id_number=booked,
    )
    engine.issue_ticket(category="A", id_number=elderly, name=NAME)
    engine.issue_ticket(category="C", id_number=booked, name=NAME)
    engine.issue_ticket(item_id="jjb-001", id_number=plain, name=NAME)
    engine.call_next(1)
    engine.recall(1)
    engine.skip(1)
    engine.requeue("A001")
    engine.call_next(2)  # C001, the appointment
    engine.transfer(2, category="B")
    engine.call_next(4)
    clock.advance(60)
    engine.finish(4)
    engine.rate(4, 4, "其他")
    engine.call_next(3)
    engine.finish(3)
    return [elderly, booked, plain]


def test_events_never_carry_the_id_number_its_hash_or_the_name(
    engine: QueueEngine, clock: FixedClock, id_number: Callable[..., str], secret: bytes
) -> None:
    numbers = journey(engine, clock, id_number)
    text = json.dumps([e.payload for e in engine.events_after(0)], ensure_ascii=False)
    assert "id_hash" not in text
    assert "id_masked" not in text
    assert NAME not in text
    assert "欧**明" in text  # the masked name is what boards show
    for number in numbers:
        digest = hmac.new(secret, number.encode(), hashlib.sha256).hexdigest()
        assert number not in text
        assert number[:17] not in text
        assert digest not in text


def test_store_files_never_hold_the_full_id_number_or_name(
    engine: QueueEngine,
    store: Store,
    store_path: Path,
    clock: FixedClock,
    id_number: Callable[..., str],
) -> None:
    numbers = journey(engine, clock, id_number)
    engine.get_ticket(engine.find_ticket("A001").id)  # a reader connection too
    files = [p for p in store_path.parent.iterdir() if p.name.startswith(store_path.name)]
    assert len(files) >= 2  # the database and its WAL, still open
    content = b"".join(p.read_bytes() for p in files)
    assert NAME.encode() not in content
    assert "欧**明".encode() in content  # the scan does see stored text
    for number in numbers:
        assert number.encode() not in content
        assert number[:17].encode() not in content
        masked = f"{number[:6]}********{number[-4:]}"
        assert masked.encode() in content


def test_counter_sees_the_masked_number_but_public_data_does_not(
    engine: QueueEngine, id_number: Callable[..., str]
) -> None:
    number = id_number()
    ticket = engine.issue_ticket(category="A", id_number=number, name="张小三")
    assert ticket.id_masked == f"{number[:6]}********{number[-4:]}"
    assert ticket.name_masked == "张*三"
    assert "id_masked" not in ticket.to_dict(private=False)
    assert ticket.to_dict()["id_masked"] == ticket.id_masked
