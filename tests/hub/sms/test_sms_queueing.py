"""Which messages the engine's events queue, in their own transaction (hub.sms.queueing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from config import HallConfig
from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid, NotFound
from hub.retention import purge_personal
from hub.sms.queueing import mainland_mobile
from hub.sms.service import SmsService
from sync.store import Store
from tests.hub.sms.helpers import outbox, sms_engine

PHONE = "13800000000"
GREEN = "孕妇"


@pytest.fixture
def sms(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig]
) -> tuple[QueueEngine, SmsService]:
    return sms_engine(make_engine, hall_with)


def test_near_is_queued_once_when_a_call_leaves_at_most_n_ahead(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    tickets = [engine.issue_ticket(category="D") for _ in range(5)]  # only window 3 serves D
    service.subscribe(tickets[4].id, PHONE)
    engine.call_next(3)  # 3 ahead of D005: nothing yet
    assert outbox(store) == []
    engine.finish(3)
    engine.call_next(3)  # 2 ahead
    engine.finish(3)
    engine.call_next(3)  # 1 ahead: already queued, not again
    rows = outbox(store)
    assert [(r["kind"], r["subject"], r["params"]) for r in rows] == [
        ("near", tickets[4].id, {"number": tickets[4].number, "ahead": "2"})
    ]
    assert rows[0]["phone"] == PHONE
    assert rows[0]["state"] == "queued"
    assert "即将到号" in rows[0]["text"] and rows[0]["text"].startswith("【")


def test_call_is_queued_on_the_first_call_only_and_names_the_window(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    ticket = engine.issue_ticket(category="D")
    service.subscribe(ticket.id, PHONE)
    engine.call_next(3)
    engine.recall(3)
    engine.skip(3)
    engine.requeue(ticket.number)
    engine.call_next(3)
    calls = [r for r in outbox(store) if r["kind"] == "call"]
    assert len(calls) == 1
    assert calls[0]["text"].endswith(f"请{ticket.number}号到3号窗口办理。")


def test_tickets_without_a_phone_and_other_queues_queue_nothing(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    other = engine.issue_ticket(category="E")
    service.subscribe(other.id, PHONE)
    first = engine.issue_ticket(category="D")
    engine.issue_ticket(category="D")
    engine.call_number(3, first.number)  # a D call: the E ticket's queue did not move
    assert outbox(store) == []  # and the called D ticket gave no phone


def test_a_ready_case_queues_its_pickup_message_to_the_phone_taken_at_acceptance(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, _ = sms
    case = engine.accept_case(window=1, item_id="jjb-001", materials_received=[],
                              phone="+86 138-0000-1111")  # fmt: skip
    quiet = engine.accept_case(window=1, item_id="jjb-001", materials_received=[])
    engine.move_case(case.receipt, "processing", window=1)
    assert outbox(store) == []
    engine.move_case(case.receipt, "ready", window=2, pickup_window=5)
    engine.move_case(quiet.receipt, "ready", window=2)  # no phone: nothing
    rows = outbox(store)
    assert [(r["kind"], r["subject"], r["phone"]) for r in rows] == [
        ("ready", case.receipt, "13800001111")
    ]
    assert rows[0]["text"].endswith("已办结，请带回执到5号窗口领取。")


def test_a_case_central_sets_ready_names_the_window_that_accepted_it(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, _ = sms
    case = engine.accept_case(window=3, item_id="jjb-001", materials_received=[],
                              phone="13800002222")  # fmt: skip

    def central_ready(tx):  # type: ignore[no-untyped-def]
        tx.db.execute("UPDATE cases SET status = 'ready' WHERE receipt = ?", (case.receipt,))
        tx.emit("case.status", {"receipt": case.receipt, "status": "ready",
                                "previous": "accepted", "source": "central", "window": None,
                                "pickup_window": None})  # fmt: skip

    engine._run(central_ready)
    engine._run(central_ready)  # the same change again: never a second message
    [row] = outbox(store)
    assert row["text"].endswith("请带回执到3号窗口领取。")


def test_subscribing_refuses_a_bad_number_a_called_ticket_and_a_hall_without_sms(
    sms: tuple[QueueEngine, SmsService],
) -> None:
    engine, service = sms
    ticket = engine.issue_ticket(category="D")
    for bad in ("1380000000", "23800000000", "138000000001", "1380000000x"):
        with pytest.raises(Invalid) as err:
            service.subscribe(ticket.id, bad)
        assert err.value.code == "bad_phone"
    with pytest.raises(NotFound):
        service.subscribe("no-such-ticket", PHONE)
    answer = service.subscribe(ticket.id, PHONE)
    assert answer["phone_masked"] == "138****0000"
    engine.call_next(3)
    with pytest.raises(Conflict) as refused:
        service.subscribe(ticket.id, PHONE)
    assert refused.value.code == "ticket_not_waiting"
    with pytest.raises(Conflict) as off:
        SmsService(engine, False).subscribe(ticket.id, PHONE)
    assert off.value.code == "sms_off"


def test_phones_are_not_in_any_event(sms: tuple[QueueEngine, SmsService], store: Store) -> None:
    engine, service = sms
    ticket = engine.issue_ticket(category="D")
    service.subscribe(ticket.id, PHONE)
    engine.call_next(3)
    assert outbox(store)  # the call was queued
    payloads = [r[0] for r in store.reader().execute("SELECT payload FROM outbox")]
    assert payloads and not any(PHONE in p for p in payloads)


def test_retention_forgets_the_phones_after_the_period(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    ticket = engine.issue_ticket(category="D")
    service.subscribe(ticket.id, PHONE)
    engine.call_next(3)
    day = date.fromisoformat(ticket.service_day)
    with store.write() as db:
        kept = purge_personal(db, day, 30)
    assert kept.sms_phones == 0
    with store.write() as db:
        purged = purge_personal(db, date(day.year + 1, 1, 1), 30)
    assert purged.sms_phones == 2  # the subscription and the queued call
    reader = store.reader()
    assert reader.execute("SELECT phone FROM sms_subscriptions").fetchall()[0][0] is None
    assert all(r["phone"] is None for r in outbox(store))


def test_mainland_mobile_accepts_the_usual_spellings_only() -> None:
    assert mainland_mobile("+86 138-0000-1111") == "13800001111"
    assert mainland_mobile("8613800001111") == "13800001111"
    assert mainland_mobile("0571-88888888") is None
    assert mainland_mobile(None) is None


def test_near_counts_the_people_ahead_as_the_queue_does_priority_lanes_first(
    sms: tuple[QueueEngine, SmsService], store: Store
) -> None:
    engine, service = sms
    ordinary = [engine.issue_ticket(category="D") for _ in range(4)]
    green = [engine.issue_ticket(category="D", lane="green", green_group=GREEN) for _ in range(2)]
    service.subscribe(ordinary[1].id, PHONE)
    engine.call_next(3)  # a green ticket goes first; one green and D001 are still ahead of D002
    [near] = outbox(store)
    assert near["params"] == {"number": ordinary[1].number, "ahead": "2"}
    assert engine.get_ticket(ordinary[1].id).waiting_ahead == 2
    assert green[0].lane == "green"
