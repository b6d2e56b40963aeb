"""The 收件回执 prints the hall's own phone and the supervision line as configured, never a
placeholder in place of a number."""

from __future__ import annotations

from datetime import date, datetime

from config import sample_hall
from counter.ports import CaseAccepted
from counter.receipt import HallPhones, receipt_document
from counter.texts import Texts
from devices.printer.layout import KeyValue

CASE = CaseAccepted(
    receipt="SJ20261207001",
    item_name="居民身份证换领",
    department="公安局",
    accepted_at=datetime(2026, 12, 7, 10, 26),
    accepted_on=date(2026, 12, 7),
    promised_on=date(2026, 12, 21),
    promised_days=10,
    materials_received=("居民户口簿",),
    materials_missing=(),
    applicant="张*三",
)


def _rows(phones: HallPhones) -> dict[str, str]:
    document = receipt_document(CASE, None, 3, "示例镇便民服务中心", Texts(), phones)
    return {b.key: b.value for b in document.blocks if isinstance(b, KeyValue)}


def test_the_receipt_prints_the_halls_phone_and_the_supervision_line() -> None:
    rows = _rows(HallPhones("0519-88001234", "12345"))
    assert rows["咨询电话"] == "0519-88001234"
    assert rows["监督电话"] == "12345"


def test_a_phone_not_configured_prints_no_line_instead_of_a_placeholder() -> None:
    rows = _rows(HallPhones("", "12345"))
    assert "咨询电话" not in rows and rows["监督电话"] == "12345"
    assert not any("咨询" in value for value in rows.values())


def test_the_phones_come_from_the_halls_configuration() -> None:
    hall = sample_hall().hall.model_copy(update={"phone": "0519-88001234"})
    assert HallPhones.of(hall) == HallPhones("0519-88001234", hall.supervision_phone)
    assert hall.supervision_phone == "12345"
