"""The papers a counter prints for a case after 收件, laid out from the hub's case answer by
``devices.printer.case_documents``: 领取凭证, 补正材料通知书 and 不予受理通知书.

What they say is the hub's: the missing materials it kept, the reason and the 设定依据 it took
from the catalog, when and where the case was handed over. Nothing here invents a fact.
"""

from __future__ import annotations

from datetime import datetime

from counter.case_view import CasePaper, CaseView
from counter.ports import Clerk
from devices.printer.case_documents import (
    CorrectionNotice,
    PickupSlip,
    RejectionNotice,
    correction_notice,
    pickup_slip,
    rejection_notice,
)
from devices.printer.layout import Document


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
