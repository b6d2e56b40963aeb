"""The 收件回执 prints the hall's own phone and the supervision line as configured (the hub's,
as a manager set them in the console), never a placeholder in place of a number."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from config import sample_hall
from counter.ports import CaseAccepted
from counter.receipt import HallPhones, ServiceReceiptPrinter, receipt_document
from counter.texts import Texts
from devices.health import Health, HealthState
from devices.printer.layout import Document, KeyValue
from devices.printer.service import JobOutcome, PrintResult
from hub.actors import Actor
from hub.client import HubClient
from tests.hub.hubapp import served

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


class RecordingPrinter:
    """A printer service that keeps the documents it was given."""

    def __init__(self) -> None:
        self.documents: list[Document] = []

    def print(self, job: Document, timeout: float = 30.0) -> PrintResult:
        self.documents.append(job)
        return PrintResult(JobOutcome.PRINTED, Health("printer", HealthState.OK))


def test_a_receipt_prints_the_phones_the_manager_set_in_the_console(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        client = HubClient(url, admin.add_device("counter", "c1", 3)["token"])
        service = RecordingPrinter()
        printer = ServiceReceiptPrinter(
            service,  # type: ignore[arg-type]
            "示例镇便民服务中心",
            phones=HallPhones("0519-0000000", "12345"),
        )
        printer.follow_hub(client)

        def new_phones(data: dict[str, Any]) -> None:
            data["hall"]["phone"] = "0519-88001234"
            data["hall"]["supervision_phone"] = "0519-12345678"

        hub.book.edit(Actor("zhang", "manager", "session"), new_phones, "改电话")
        printer.print_receipt(CASE, None, 3)
        rows = {b.key: b.value for b in service.documents[-1].blocks if isinstance(b, KeyValue)}
        assert (rows["咨询电话"], rows["监督电话"]) == ("0519-88001234", "0519-12345678")
    printer.print_receipt(CASE, None, 3)  # the hub is gone: the last phones it gave
    rows = {b.key: b.value for b in service.documents[-1].blocks if isinstance(b, KeyValue)}
    assert rows["咨询电话"] == "0519-88001234"
