"""The hall's three printed slips, built as layout documents.

``queue_ticket`` (取号票), ``material_checklist`` (办事材料清单) and ``acceptance_receipt``
(收件回执). Each takes plain values and returns a ``Document`` that fits either paper width; the
personal data they print is masked here (PIPL: name as 张*三, ID number first 6 and last 4), so
no caller can print it in full by mistake. Symbols are kept to GB2312 (√, not ☑) because many
printers' Chinese fonts hold nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from devices.idnumber import mask, mask_name
from devices.printer.layout import (
    Align,
    Block,
    Cut,
    Document,
    KeyValue,
    Qr,
    Separator,
    Size,
    Text,
)

TIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class QueueTicket:
    hall_name: str
    number: str  # "A001"
    category: str  # the queue category or the service item chosen
    people_ahead: int
    issued_at: datetime
    qr: str  # URL or text to follow the queue on a phone
    wait_minutes: int | None = None  # estimated wait; None when the hub has no estimate
    notice: str = "请留意叫号和窗口屏幕，过号请到取号机重新取号。"
    holder_name: str | None = None  # printed masked
    qr_caption: str = "微信扫码查看排队进度"
    hall_phone: str = ""  # 咨询电话; "" prints no line
    supervision_phone: str = ""  # 监督电话 (12345); "" prints no line


def _phones(hall_phone: str, supervision_phone: str) -> list[Block]:
    """The hall's phone and the supervision line, each only when there is one."""
    blocks: list[Block] = []
    if hall_phone.strip():
        blocks.append(KeyValue("咨询电话", hall_phone.strip()))
    if supervision_phone.strip():
        blocks.append(KeyValue("监督电话", supervision_phone.strip()))
    return blocks


def queue_ticket(ticket: QueueTicket) -> Document:
    """The queue ticket: hall, the number in huge type, category, people ahead, wait, time."""
    blocks: list[Block] = [
        Text(ticket.hall_name, Size.TALL, bold=True, align=Align.CENTER),
        Separator(),
        Text(ticket.number, Size.HUGE, bold=True, align=Align.CENTER),
        Text(ticket.category, Size.TALL, align=Align.CENTER),
        Separator(),
        KeyValue("前面等候", f"{ticket.people_ahead}人", bold=True),
    ]
    if ticket.wait_minutes is not None:
        blocks.append(KeyValue("预计等待", f"约{ticket.wait_minutes}分钟"))
    blocks.append(KeyValue("取号时间", ticket.issued_at.strftime(TIME_FORMAT)))
    if ticket.holder_name:
        blocks.append(KeyValue("取号人", mask_name(ticket.holder_name)))
    blocks += [
        Separator(),
        Qr(ticket.qr),
        Text(ticket.qr_caption, align=Align.CENTER),
        Text(ticket.notice),
        *_phones(ticket.hall_phone, ticket.supervision_phone),
        Cut(),
    ]
    return Document(tuple(blocks))


class MaterialForm(StrEnum):
    ORIGINAL = "原件"
    COPY = "复印件"
    BOTH = "原件及复印件"


@dataclass(frozen=True)
class Material:
    name: str
    count: int = 1
    form: MaterialForm = MaterialForm.ORIGINAL
    note: str = ""

    def describe(self) -> str:
        """``原件1份``, ``复印件2份``, ``原件及复印件各1份``, then the note."""
        each = "各" if self.form is MaterialForm.BOTH else ""
        text = f"{self.form.value}{each}{self.count}份"
        return f"{text}；{self.note}" if self.note else text


@dataclass(frozen=True)
class MaterialChecklist:
    hall_name: str
    item_name: str
    materials: tuple[Material, ...]
    conditions: str
    windows: str  # "1–4号综合窗口"
    qr: str
    printed_at: datetime
    promised_days: int | None = None  # 承诺时限, working days
    qr_caption: str = "扫码查看完整办事指南"
    hall_phone: str = ""
    supervision_phone: str = ""


def material_checklist(guide: MaterialChecklist) -> Document:
    """The guide's checklist: numbered materials with counts and original/copy, conditions,
    where to go and a QR code to the full guide."""
    blocks: list[Block] = [
        Text(guide.hall_name, bold=True, align=Align.CENTER),
        Text("办事材料清单", Size.BIG, bold=True, align=Align.CENTER),
        Separator(),
        Text(guide.item_name, bold=True),
        Separator(),
        Text("所需材料：", bold=True),
    ]
    for number, material in enumerate(guide.materials, start=1):
        blocks += [
            Text(f"{number}. {material.name}", hang=3),
            Text(f"   {material.describe()}", hang=3),
        ]
    blocks += [Separator(), Text("办理条件：", bold=True), Text(guide.conditions), Separator()]
    if guide.promised_days is not None:
        blocks.append(KeyValue("承诺时限", f"{guide.promised_days}个工作日"))
    blocks += [
        KeyValue("办理窗口", guide.windows),
        Separator(),
        Qr(guide.qr),
        Text(guide.qr_caption, align=Align.CENTER),
        *_phones(guide.hall_phone, guide.supervision_phone),
        Text(f"打印时间 {guide.printed_at.strftime(TIME_FORMAT)}", align=Align.CENTER),
        Cut(),
    ]
    return Document(tuple(blocks))


@dataclass(frozen=True)
class AcceptanceReceipt:
    hall_name: str
    case_number: str  # 办件编号, up to 50 characters
    item_name: str
    applicant_name: str  # printed masked
    received_at: datetime
    promised_date: date
    window: str  # "3号窗口"
    clerk: str  # clerk's staff number or name as the hall prints it
    qr: str
    hall_phone: str
    materials: tuple[Material, ...] = field(default_factory=tuple)
    applicant_id_number: str | None = None  # printed masked
    promised_days: int | None = None
    notice: str = "请妥善保管本回执，凭回执查询进度和领取办理结果。"
    qr_caption: str = "扫码查询办理进度"
    supervision_phone: str = ""  # 监督电话 (12345); "" prints no line


def acceptance_receipt(receipt: AcceptanceReceipt) -> Document:
    """The 收件回执: case number, item, masked applicant, the materials received (ticked),
    the promised completion date, window and clerk, a QR code and the hall's phone."""
    blocks: list[Block] = [
        Text(receipt.hall_name, bold=True, align=Align.CENTER),
        Text("收件回执", Size.BIG, bold=True, align=Align.CENTER),
        Separator(),
        KeyValue("办件编号", receipt.case_number),
        KeyValue("办理事项", receipt.item_name),
        KeyValue("申请人", mask_name(receipt.applicant_name)),
    ]
    if receipt.applicant_id_number:
        blocks.append(KeyValue("证件号码", mask(receipt.applicant_id_number.strip())))
    blocks += [
        KeyValue("收件时间", receipt.received_at.strftime(TIME_FORMAT)),
        Separator(),
        Text("已收材料：", bold=True),
    ]
    blocks += [Text(f"√ {m.name} {m.describe()}", hang=3) for m in receipt.materials]
    promised = receipt.promised_date.isoformat()
    if receipt.promised_days is not None:
        promised += f"（{receipt.promised_days}个工作日）"
    blocks += [
        Separator(),
        KeyValue("承诺办结", promised, bold=True),
        KeyValue("受理窗口", receipt.window),
        KeyValue("受理人员", receipt.clerk),
        Separator(),
        Qr(receipt.qr),
        Text(receipt.qr_caption, align=Align.CENTER),
        *_phones(receipt.hall_phone, receipt.supervision_phone),
        Text(receipt.notice),
        Cut(),
    ]
    return Document(tuple(blocks))


def sample_ticket() -> QueueTicket:
    """A fixed ticket for ``hall device test-print``, the golden bytes and the benchmark."""
    return QueueTicket(
        hall_name="天宁区红梅街道便民服务中心",
        number="A001",
        category="户籍办理",
        people_ahead=3,
        wait_minutes=15,
        issued_at=datetime(2025, 3, 12, 9, 30),
        qr="https://hall.example.cn/q/A001?d=20250312",
        holder_name="张小三",
    )
