"""Sample slips shared by the printer tests: one of each document the hall prints."""

from __future__ import annotations

from datetime import date, datetime

from devices.printer.documents import (
    AcceptanceReceipt,
    Material,
    MaterialChecklist,
    MaterialForm,
    acceptance_receipt,
    material_checklist,
    queue_ticket,
    sample_ticket,
)
from devices.printer.layout import Document

MATERIALS = (
    Material("居民身份证"),
    Material("户口簿", form=MaterialForm.BOTH, note="户主页及本人页"),
    Material("近期一寸免冠彩色照片", count=2),
)

CHECKLIST = MaterialChecklist(
    hall_name="红梅街道便民服务中心",
    item_name="城乡居民基本养老保险参保登记（含新增参保、信息变更）",
    materials=MATERIALS,
    conditions="年满16周岁（不含在校学生），未参加城镇职工基本养老保险的本辖区户籍居民。",
    windows="1–4号综合窗口",
    qr="https://hall.example.cn/g/320402-0012",
    printed_at=datetime(2025, 3, 12, 9, 31),
    promised_days=5,
)

RECEIPT = AcceptanceReceipt(
    hall_name="红梅街道便民服务中心",
    case_number="320402-20250312-000123",
    item_name="城乡居民基本养老保险参保登记",
    applicant_name="欧阳小明",
    applicant_id_number="11010519491231002X",
    received_at=datetime(2025, 3, 12, 9, 45),
    promised_date=date(2025, 3, 19),
    promised_days=5,
    window="3号综合窗口",
    clerk="工号 0312",
    qr="https://hall.example.cn/c/20250312000123",
    hall_phone="0519-88001234",
    materials=MATERIALS[:2],
)


def all_documents() -> dict[str, Document]:
    return {
        "ticket": queue_ticket(sample_ticket()),
        "checklist": material_checklist(CHECKLIST),
        "receipt": acceptance_receipt(RECEIPT),
    }
