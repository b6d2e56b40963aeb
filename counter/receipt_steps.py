"""The counter workflow's receipt steps: check the clerk's 收件 form, record the case in the hub
and print its 收件回执, saying what happened in one sentence."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from counter.flow_ports import ReceiptFlow
from counter.ports import CaseAccepted, CaseRequest, Clerk, PrintOutcome, TicketView
from counter.texts import Sentence, Texts

PHONE = re.compile(r"^1\d{10}$")


def case_request(
    texts: Texts,
    window: int,
    current: TicketView | None,
    item_id: str,
    materials: list[str],
    applicant: str | None,
    phone: str | None,
    id_number: str | None = None,
) -> CaseRequest | Sentence:
    """The case to record from the clerk's form, or the sentence saying why the form cannot be
    taken (no item, no materials, a phone that is not a mainland mobile number). The ticket
    being served, if any, is linked to the case; ``id_number`` (read from the applicant's card)
    goes to the hub, which keeps only a keyed hash to find the case by card at 出件."""
    if not item_id:
        return Sentence(texts.get("refuse.no_item"))
    if not materials:
        return Sentence(texts.get("refuse.no_materials"))
    phone = (phone or "").strip() or None
    if phone is not None and not PHONE.match(phone):
        return Sentence(texts.get("refuse.bad_phone"))
    return CaseRequest(
        window=window,
        item_id=item_id,
        materials_received=tuple(materials),
        ticket_id=current.id if current is not None else None,
        applicant=(applicant or "").strip() or None,
        phone=phone,
        id_number=(id_number or "").strip().upper() or None,
    )


class ReceiptSteps:
    """Records cases and prints their receipts for one counter workflow (``flow``: its hub,
    printer, texts and window).

    ``last_case`` and ``last_print`` are what the latest receipt step recorded and printed
    (the workflow shows them as its own attributes)."""

    def __init__(
        self,
        flow: ReceiptFlow,
        lock: threading.RLock,
        clerk: Callable[[], Clerk | None],
    ) -> None:
        self._flow = flow
        self._lock = lock
        self._clerk = clerk  # the clerk signed in now (called with the lock held)
        self.last_case: CaseAccepted | None = None
        self.last_print: PrintOutcome | None = None

    def accept(self, request: CaseRequest) -> tuple[Sentence, bool]:
        """Record ``request`` in the hub and print its receipt (on the worker). Returns the
        sentence for the clerk and whether it reports a failure (no printer, print failed: the
        case is recorded either way and the sentence names its receipt number). Raises
        HubUnavailable or HubRefused when the hub did not record the case."""
        flow, texts = self._flow, self._flow.texts
        case = flow.hub.accept_case(request)
        with self._lock:
            clerk = self._clerk()
            self.last_case = case
        if case.promised_on is not None and case.promised_on != case.accepted_on:
            done = texts.get(
                "receipt.done", receipt=case.receipt, promised=case.promised_on.isoformat()
            )
        else:
            done = texts.get("receipt.done_same_day", receipt=case.receipt)
        printer = flow.printer
        if printer is None:
            return Sentence(done, texts.get("receipt.no_printer", receipt=case.receipt)), True
        outcome = printer.print_receipt(case, clerk, flow.window)
        self.last_print = outcome
        if outcome.printed:
            return Sentence(done, "；" + texts.get("receipt.printed")), False
        failed = texts.get(
            "receipt.print_failed",
            receipt=case.receipt,
            problem=outcome.health.problem,
            advice=outcome.health.advice,
        )
        return Sentence(failed), True
