"""The papers a counter prints for a case after 收件, laid out from the hub's case answer by
``devices.printer.case_documents``: 领取凭证, 补正材料通知书 and 不予受理通知书.

What they say is the hub's: the missing materials it kept, the reason and the 设定依据 it took
from the catalog, when and where the case was handed over. Nothing here invents a fact.
"""

from __future__ import annotations

from datetime import datetime

from counter.case_view import CasePaper, CaseView
from counter.ports import Clerk, ReceiptPrinter
from counter.texts import Sentence, Texts
from devices.printer.case_documents import (
    CorrectionNotice,
    PickupSlip,
    RejectionNotice,
    correction_notice,
    pickup_slip,
    rejection_notice,
)
from devices.printer.layout import Document

PAPER_DONE = {
    CasePaper.PICKUP: "case.pickup_printed",
    CasePaper.CORRECTION: "case.correction_printed",
    CasePaper.REJECTION: "case.rejection_printed",
}


def clerk_text(clerk: Clerk | None) -> str:
    """``王丽华（1001）``, the number alone when the hub gave no name, "" for nobody."""
    if clerk is None:
        return ""
    return f"{clerk.name}（{clerk.number}）" if clerk.name else clerk.number


def case_paper(
    paper: CasePaper,
    case: CaseView,
    clerk: Clerk | None,
    window: int,
    hall_name: str,
    at: datetime,
    phones: tuple[str, str] = ("", ""),
    *,
    reprint: bool = False,
) -> Document:
    """The printable ``paper`` for ``case`` as the hub answered it, printed at ``window`` at
    hall time ``at``, with the hall's phone and supervision line (``phones``; "" prints no line)
    (``reprint``: a copy of a notice given before, marked 补打). Raises ValueError for a paper the case cannot carry (a 补正 notice with
    no missing material, a 不予受理 notice with no reason)."""
    hall_phone, supervision_phone = phones
    who = clerk_text(clerk)
    applicant = case.applicant or ""
    if paper is CasePaper.PICKUP:
        delivered = case.delivered_at or at
        return pickup_slip(
            PickupSlip(
                hall_name=hall_name,
                case_number=case.receipt,
                item_name=case.item_name,
                delivered_at=delivered.replace(tzinfo=None),
                window=f"{case.delivered_window or window}号窗口",
                clerk=who,
                applicant_name=applicant,
                hall_phone=hall_phone,
                supervision_phone=supervision_phone,
            )
        )
    if paper is CasePaper.CORRECTION:
        return correction_notice(
            CorrectionNotice(
                hall_name=hall_name,
                case_number=case.receipt,
                item_name=case.item_name,
                missing=case.missing,
                window=case.pickup_window or window,
                issued_on=at.date(),
                clerk=who,
                applicant_name=applicant,
                hall_phone=hall_phone,
                supervision_phone=supervision_phone,
                reprint=reprint,
            )
        )
    return rejection_notice(
        RejectionNotice(
            hall_name=hall_name,
            case_number=case.receipt,
            item_name=case.item_name,
            reason=case.reason or "",
            basis=case.basis or "",
            issued_on=at.date(),
            window=window,
            clerk=who,
            applicant_name=applicant,
            hall_phone=hall_phone,
            supervision_phone=supervision_phone,
        )
    )


def print_paper(
    printer: ReceiptPrinter | None,
    texts: Texts,
    paper: CasePaper,
    case: CaseView,
    clerk: Clerk | None,
    window: int,
    at: datetime,
    done: str | None,
) -> tuple[Sentence, bool]:
    """Print ``paper`` for ``case`` after the step ``done`` says was recorded (None: a copy
    printed again, 补打). Blocks while printing (the workflow's worker). Returns the clerk's
    sentence and whether it reports a failure (no printer, or the paper did not come out: the
    step stays recorded either way and the sentence says so)."""
    name = texts.get(f"paper.{paper.value}")
    reprint = done is None
    done = done or texts.get(PAPER_DONE[paper])
    if printer is None:
        return Sentence(texts.get("case.no_printer", done=done, paper=name)), True
    outcome = printer.print_case_paper(paper, case, clerk, window, at, reprint=reprint)
    if outcome.printed:
        if reprint:
            return Sentence(done), False
        return Sentence(done, "；" + texts.get(PAPER_DONE[paper])), False
    failed = texts.get(
        "case.paper_failed",
        done=done,
        paper=name,
        problem=outcome.health.problem,
        advice=outcome.health.advice,
    )
    return Sentence(failed), True
