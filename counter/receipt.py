"""The 收件回执 on this window's printer: the hub's case answer laid out by
``devices.printer.documents.acceptance_receipt`` and printed by the printer service.

The receipt number and the promised completion date are the hub's (it counts working days with
the hall's calendar); nothing here invents one. The QR code carries the case's progress page for
phones (``phone_url`` in the hub's answer) when the hub has one, else the hall's ``links.receipt_qr``
template (by default the receipt number, which the kiosk's 进度查询 takes as typed). The same
printer prints a case's later papers (``counter.case_papers``). The hall's phones are the hub's (a manager may change them
in the console), this box's configuration file's only while the hub cannot be reached.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from config import HallConfig
from config.schema import HallInfo
from counter.case_papers import case_paper
from counter.case_view import CasePaper, CaseView
from counter.ports import CaseAccepted, Clerk, PrintOutcome
from counter.texts import Texts
from devices.printer.documents import AcceptanceReceipt, Material, acceptance_receipt
from devices.printer.layout import Document
from devices.printer.service import PrinterService
from hub.client import HubClient
from hub.errors import HubError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HallPhones:
    """The numbers a receipt prints (config hall.phone and hall.supervision_phone)."""

    hall: str = ""  # 咨询电话
    supervision: str = ""  # 监督电话, normally 12345

    @classmethod
    def of(cls, hall: HallInfo) -> HallPhones:
        return cls(hall.phone, hall.supervision_phone)


class HubPhones:
    """The hall's phones as the hub has them now: its catalog answer's ``hall`` (asked with
    its ETag, so an unchanged catalog costs a 304), ``fallback`` until it answers."""

    def __init__(self, client: HubClient, fallback: HallPhones) -> None:
        self._client = client
        self._phones = fallback
        self._etag = ""
        self._lock = threading.Lock()

    def current(self) -> HallPhones:
        with self._lock:
            try:
                answer = self._client.catalog(self._etag) if self._etag else self._client.catalog()
            except HubError as err:
                log.info("hall phones from the hub not read (%s); printing the last known", err)
                return self._phones
            if answer is not None:  # None: unchanged since the last answer
                hall, sent = answer.hall, answer.hall.model_fields_set  # an older hub: no phones
                self._phones = HallPhones(
                    hall.phone if "phone" in sent else self._phones.hall,
                    hall.supervision_phone
                    if "supervision_phone" in sent
                    else self._phones.supervision,
                )
                self._etag = answer.version
            return self._phones


@dataclass(frozen=True)
class ReceiptLink:
    """What a receipt's QR carries when the hub gives no phone page: ``links.receipt_qr``
    filled with the receipt number and the hall."""

    template: str = "{receipt}"
    hall_name: str = ""
    hall_id: str = ""

    @classmethod
    def of(cls, config: HallConfig) -> ReceiptLink:
        return cls(config.links.receipt_qr, config.hall.name, config.hall.id)

    def qr(self, case: CaseAccepted) -> str:
        """The case's phone page if the hub named one, else the filled template (the receipt
        number alone if the template cannot be filled)."""
        if case.phone_url:
            return case.phone_url
        try:
            return self.template.format(
                receipt=case.receipt, hall=self.hall_name, hall_id=self.hall_id
            )
        except (KeyError, IndexError, ValueError) as err:
            log.warning("receipt_qr template %r is broken (%r)", self.template, err)
            return case.receipt


def receipt_document(
    case: CaseAccepted,
    clerk: Clerk | None,
    window: int,
    hall_name: str,
    texts: Texts,
    phones: HallPhones | None = None,
    link: ReceiptLink | None = None,
) -> Document:
    """The printable receipt for a recorded case (applicant printed masked, as the hub sent),
    with the hall's phone and the supervision line where configured (no line for an empty one),
    and the QR of ``link`` (the case's phone page when the hub gave one)."""
    phones = phones or HallPhones()
    link = link or ReceiptLink(hall_name=hall_name)
    clerk_text = f"{clerk.name}（{clerk.number}）" if clerk is not None else ""
    return acceptance_receipt(
        AcceptanceReceipt(
            hall_name=hall_name,
            case_number=case.receipt,
            item_name=case.item_name,
            applicant_name=case.applicant or "",
            received_at=case.accepted_at.replace(tzinfo=None),
            promised_date=case.promised_on or case.accepted_on,
            window=f"{window}号窗口",
            clerk=clerk_text,
            qr=link.qr(case),
            hall_phone=phones.hall,
            supervision_phone=phones.supervision,
            materials=tuple(Material(name) for name in case.materials_received),
            promised_days=case.promised_days,
            qr_caption=texts.get("receipt.qr_caption"),
        )
    )


class ServiceReceiptPrinter:
    """ReceiptPrinter over a running ``PrinterService``. Never raises."""

    def __init__(
        self,
        service: PrinterService,
        hall_name: str,
        texts: Texts | None = None,
        phones: HallPhones | None = None,
    ) -> None:
        self.service = service
        self.hall_name = hall_name
        self.texts = texts or Texts()
        self.phones = phones or HallPhones()
        self._phones_now: Callable[[], HallPhones] = lambda: self.phones
        self.link = ReceiptLink(hall_name=hall_name)

    def use_links(self, config: HallConfig) -> None:
        """Print the hall's ``links.receipt_qr`` on receipts the hub gives no phone page for."""
        self.link = ReceiptLink.of(config)

    def follow_hub(self, client: HubClient) -> None:
        """Print the phones the hub has at each receipt (this box's own until it answers)."""
        self._phones_now = HubPhones(client, self.phones).current

    def print_receipt(self, case: CaseAccepted, clerk: Clerk | None, window: int) -> PrintOutcome:
        phones = self._phones_now()
        document = receipt_document(
            case, clerk, window, self.hall_name, self.texts, phones, self.link
        )
        result = self.service.print(document)
        if not result.printed:
            log.warning("receipt %s not printed: %s", case.receipt, result.detail)
        return PrintOutcome(result.printed, result.health)

    def print_case_paper(
        self,
        paper: CasePaper,
        case: CaseView,
        clerk: Clerk | None,
        window: int,
        at: datetime,
        *,
        reprint: bool = False,
    ) -> PrintOutcome:
        phones = self._phones_now()
        document = case_paper(
            paper,
            case,
            clerk,
            window,
            self.hall_name,
            at,
            (phones.hall, phones.supervision),
            reprint=reprint,
        )
        result = self.service.print(document)
        if not result.printed:
            log.warning("%s for %s not printed: %s", paper, case.receipt, result.detail)
        return PrintOutcome(result.printed, result.health)
