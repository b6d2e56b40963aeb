"""Cases (收件回执): receipt numbers, promised dates by the hall calendar, materials, privacy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from config import HallConfig
from hub.case_lookup import CaseLookup
from hub.engine import QueueEngine
from hub.errors import Invalid, NotFound
from sync.clock import FixedClock
from sync.store import Store

ARCHIVE = "jjb-170"  # 知青子女入户档案查阅, promised in 1 working day
ID_COPY, REASON, FORM = "申请人居民身份证原件", "查阅事由说明", "申请表（窗口领取或现场填写）"


def accept(engine: QueueEngine, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {"window": 7, "item_id": ARCHIVE, "materials_received": [ID_COPY]}
    return engine.accept_case(**{**base, **fields}).to_dict()  # type: ignore[arg-type]


def test_receipts_number_the_service_day_from_0001(engine: QueueEngine) -> None:
    first, second = accept(engine), accept(engine)
    assert (first["receipt"], second["receipt"]) == ("SJ202503120001", "SJ202503120002")
    assert first["accepted_on"] == "2025-03-12"
    assert str(first["accepted_at"]).startswith("2025-03-12T09:30:00")
    assert (first["status"], first["status_text"]) == ("accepted", "已受理")


def test_receipts_never_repeat_across_a_restart(
    make_engine: Callable[..., QueueEngine], store: Store
) -> None:
    accept(make_engine())
    restarted = make_engine()  # a new engine on the same store file, as after a crash
    assert accept(restarted)["receipt"] == "SJ202503120002"


def test_a_new_service_day_starts_its_own_receipts(engine: QueueEngine, clock: FixedClock) -> None:
    accept(engine)
    clock.advance(24 * 3600)
    assert accept(engine)["receipt"] == "SJ202503130001"


def test_the_promised_date_counts_working_days(engine: QueueEngine) -> None:
    case = accept(engine, item_id="jjb-001")  # 5 working days from Wednesday
    assert (case["promised_days"], case["promised_on"]) == (5, "2025-03-19")


def test_the_promised_date_skips_a_configured_holiday(
    make_engine: Callable[..., QueueEngine], hall_with: Callable[..., HallConfig]
) -> None:
    engine = make_engine(hall_with(service={"holidays": ["2025-03-13"]}))
    assert accept(engine)["promised_on"] == "2025-03-14"  # Thursday is a holiday: Friday


def test_materials_missing_are_the_items_list_minus_those_received(engine: QueueEngine) -> None:
    case = accept(engine, materials_received=[FORM, ID_COPY, ID_COPY])
    assert case["materials_received"] == [FORM, ID_COPY]
    assert case["materials_missing"] == [REASON]
    assert (case["item_name"], case["department"]) == ("知青子女入户档案查阅", "档案局")


def test_a_material_not_on_the_items_list_is_refused(engine: QueueEngine) -> None:
    with pytest.raises(Invalid) as caught:
        accept(engine, materials_received=["结婚证原件"])
    assert caught.value.code == "unknown_material"
    assert "结婚证原件" in caught.value.message


def test_an_unknown_item_or_window_is_not_found(engine: QueueEngine) -> None:
    with pytest.raises(NotFound) as item:
        accept(engine, item_id="nope")
    with pytest.raises(NotFound) as window:
        accept(engine, window=99)
    assert (item.value.code, window.value.code) == ("unknown_item", "unknown_window")


def test_the_clerk_signed_in_is_on_the_receipt(engine: QueueEngine) -> None:
    engine.sign_in(7, "1007", "2580")
    clerk = accept(engine)["clerk"]
    assert isinstance(clerk, dict) and clerk["name"] == "赵磊"


def test_the_name_is_stored_masked_and_the_phone_never_leaves_in_an_event(
    engine: QueueEngine,
) -> None:
    before = engine.last_seq()
    case = accept(engine, applicant="张三丰", phone="13800000000")
    assert case["applicant"] == "张*丰"
    event = engine.events_after(before)[-1]
    assert event.type == "case.accepted"
    assert "13800000000" not in str(event.payload)
    assert event.payload["receipt"] == case["receipt"]
    row = engine.store.reader().execute("SELECT applicant_masked, phone FROM cases").fetchone()
    assert tuple(row) == ("张*丰", "13800000000")


def test_contact_data_is_purged_after_the_retention_period(
    engine: QueueEngine, clock: FixedClock
) -> None:
    accept(engine, applicant="张三", phone="13800000000")  # promised 2025-03-13
    clock.advance(timedelta(days=31).total_seconds())
    accept(engine)  # the first write of a day runs the purge: 30 days after 03-13, still kept
    held = "SELECT applicant_masked, phone FROM cases"
    assert tuple(engine.store.reader().execute(held).fetchone()) == ("张*", "13800000000")
    clock.advance(timedelta(days=1).total_seconds())
    accept(engine)
    assert tuple(engine.store.reader().execute(held).fetchone()) == (None, None)
    assert engine.case_record("SJ202503120001") is not None  # the case itself stays


def test_a_hub_not_enrolled_answers_lookups_from_its_own_record(engine: QueueEngine) -> None:
    receipt = str(accept(engine)["receipt"])
    lookup = CaseLookup(engine, None)
    assert lookup.find(receipt.lower()) == {
        "receipt": receipt,
        "item_name": "知青子女入户档案查阅",
        "status": "accepted",
        "status_text": "已受理",
        "accepted_on": "2025-03-12",
        "promised_on": "2025-03-13",
        "source": "hall",
        "central_reachable": False,
    }
    with pytest.raises(NotFound) as caught:
        lookup.find("SJ209912310001")
    assert caught.value.code == "unknown_case"


def test_the_applicants_id_hash_goes_with_retention_unless_the_case_waits_to_be_collected(
    engine: QueueEngine, clock: FixedClock, id_number: Callable[..., str]
) -> None:
    done = str(accept(engine, id_number=id_number())["receipt"])
    waiting = str(accept(engine, id_number=id_number())["receipt"])
    with engine.store.write() as db:  # the back office finished both; one is collected
        db.execute("UPDATE cases SET status = 'delivered' WHERE receipt = ?", (done,))
        db.execute("UPDATE cases SET status = 'ready' WHERE receipt = ?", (waiting,))
    clock.advance(timedelta(days=32).total_seconds())
    accept(engine)  # the first write of a day runs the purge
    held = dict(engine.store.reader().execute("SELECT receipt, id_hash FROM cases").fetchall())
    assert held[done] is None
    assert held[waiting] is not None  # the citizen may still collect it with the ID card
