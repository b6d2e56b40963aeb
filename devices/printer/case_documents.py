"""The printed papers of a case after 收件, built as layout documents beside ``documents``.

``pickup_slip`` (领取凭证: the citizen took the result, confirmed on the keypad),
``correction_notice`` (补正材料通知书: every missing material at once, 一次性告知) and
``rejection_notice`` (不予受理通知书: the reason, the legal basis and the right of appeal). Each
takes plain values and returns a ``Document`` that fits either paper width. The applicant's
name, when given, is masked here (张*三); no ID number is ever printed on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from devices.idnumber import mask_name
from devices.printer.documents import TIME_FORMAT, _phones
from devices.printer.layout import Align, Block, Cut, Document, KeyValue, Separator, Size, Text

APPEAL_RIGHTS = (
    "申请人如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
)
"""The standard sentence on the right to 行政复议 (60 days, Administrative Reconsideration Law)
and 行政诉讼 (6 months, Administrative Litigation Law art. 46) every 不予受理 notice carries."""


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _head(
    hall_name: str, title: str, size: Size, case_number: str, item: str, applicant: str
) -> list[Block]:
    """Every case paper's head: the hall, the title, the case number, the item and the
    applicant (masked; no line when none)."""
    blocks: list[Block] = [
        Text(hall_name, bold=True, align=Align.CENTER),
        Text(title, size, bold=True, align=Align.CENTER),
        Separator(),
        KeyValue("办件编号", case_number),
        KeyValue("办理事项", item),
    ]
    if applicant.strip():
        blocks.append(KeyValue("申请人", mask_name(applicant.strip())))
    return blocks


@dataclass(frozen=True)
class PickupSlip:
    """What a 领取凭证 prints; ``delivered_at`` is hall-local time."""

    hall_name: str
    case_number: str
    item_name: str
    delivered_at: datetime
    window: str  # "3号窗口"
    clerk: str  # "王丽华（1001）" or the staff number
    applicant_name: str = ""  # printed masked; "" prints no line
    hall_phone: str = ""
    supervision_phone: str = ""
    confirmation: str = "本人已领取上述办理结果（已在评价器上按键确认）。"


def pickup_slip(slip: PickupSlip) -> Document:
    """The 领取凭证: case number, item, when and where it was handed over, by whom, and the
    line saying the citizen took it (confirmed on the keypad), with a line to sign."""
    blocks = _head(
        slip.hall_name, "领取凭证", Size.BIG, slip.case_number, slip.item_name, slip.applicant_name
    )
    blocks += [
        KeyValue("领取时间", slip.delivered_at.strftime(TIME_FORMAT)),
        KeyValue("领取窗口", slip.window),
        KeyValue("经办人员", slip.clerk),
        Separator(),
        Text(slip.confirmation, bold=True),
        Text("领取人签名："),
        Separator(),
        *_phones(slip.hall_phone, slip.supervision_phone),
        Cut(),
    ]
    return Document(tuple(blocks))


@dataclass(frozen=True)
class CorrectionNotice:
    """What a 补正材料通知书 prints: every missing material, numbered (一次性告知)."""

    hall_name: str
    case_number: str
    item_name: str
    missing: tuple[str, ...]
    window: int  # where to come back with the materials
    issued_on: date
    clerk: str
    applicant_name: str = ""
    hall_phone: str = ""
    supervision_phone: str = ""
    reprint: bool = False  # a copy printed again: says so on the paper

    def __post_init__(self) -> None:
        if not self.missing:
            raise ValueError("a correction notice names at least one missing material")


def correction_notice(notice: CorrectionNotice) -> Document:
    """The 补正材料通知书: the case, the numbered list of every missing material, where and whom
    to come back to, the date, and "请一次性补齐以上材料后到X号窗口办理"."""
    title = "补正材料通知书（补打）" if notice.reprint else "补正材料通知书"
    blocks = _head(
        notice.hall_name,
        title,
        Size.TALL,
        notice.case_number,
        notice.item_name,
        notice.applicant_name,
    )
    blocks += [
        Separator(),
        Text(f"经审查，您的申请材料不齐全，需补正以下{len(notice.missing)}项材料：", bold=True),
    ]
    blocks += [
        Text(f"{number}. {name}", hang=3) for number, name in enumerate(notice.missing, start=1)
    ]
    blocks += [
        Separator(),
        Text(f"请一次性补齐以上材料后到{notice.window}号窗口办理。", bold=True),
        KeyValue("补正窗口", f"{notice.window}号窗口"),
        KeyValue("经办人员", notice.clerk),
        *_phones(notice.hall_phone, notice.supervision_phone),
        KeyValue("告知日期", _date(notice.issued_on)),
        Text("本通知书一次性告知全部需补正的材料，请妥善保管。"),
        Cut(),
    ]
    return Document(tuple(blocks))


@dataclass(frozen=True)
class RejectionNotice:
    """What a 不予受理通知书 prints: the reason and the legal basis (设定依据) from the catalog."""

    hall_name: str
    case_number: str
    item_name: str
    reason: str
    basis: str  # "" when the catalog holds none: the notice then says so
    issued_on: date
    window: int
    clerk: str
    applicant_name: str = ""
    hall_phone: str = ""
    supervision_phone: str = ""
    appeal: str = APPEAL_RIGHTS

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("a rejection notice states its reason")


def rejection_notice(notice: RejectionNotice) -> Document:
    """The 不予受理通知书: case, item, the reason, the legal basis text, the right to apply for
    行政复议 or bring 行政诉讼, the hall, window and date."""
    blocks = _head(
        notice.hall_name,
        "不予受理通知书",
        Size.TALL,
        notice.case_number,
        notice.item_name,
        notice.applicant_name,
    )
    blocks += [
        Separator(),
        Text("经审查，您的申请不予受理。", bold=True),
        Text("理由：", bold=True),
        Text(notice.reason.strip()),
        Text("依据：", bold=True),
        Text(notice.basis.strip() or "（事项目录未载明设定依据，请向窗口工作人员询问）"),
        Separator(),
        Text(notice.appeal),
        Separator(),
        KeyValue("办理窗口", f"{notice.window}号窗口"),
        KeyValue("经办人员", notice.clerk),
        *_phones(notice.hall_phone, notice.supervision_phone),
        Text(notice.hall_name, align=Align.RIGHT),
        Text(_date(notice.issued_on), align=Align.RIGHT),
        Cut(),
    ]
    return Document(tuple(blocks))
