"""The case's papers as printed (ESC/POS bytes decoded back to text, on both paper widths), and
the 收件回执's QR: the case's phone page when the hub gives one, else ``links.receipt_qr``."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from config import sample_hall
from counter.case_papers import case_paper
from counter.case_view import CasePaper, CaseView
from counter.ports import CaseAccepted, Clerk
from counter.receipt import ReceiptLink, receipt_document
from counter.texts import Texts
from devices.printer.decode import decode_job
from devices.printer.escpos import render
from devices.printer.layout import PAPER_58, PAPER_80, Paper, Qr

HALL = "天宁区红梅街道便民服务中心"
CLERK = Clerk("1001", "王丽华")
AT = datetime(2025, 3, 20, 10, 5)
CASE = CaseView(
    receipt="SJ202503120001",
    item_name="城乡居民基本养老保险参保登记",
    status="correction",
    item_id="B01",
    applicant="张*三",
    missing=("户口簿原件及复印件", "村（社区）出具的居住证明，写明居住起止时间和详细住址"),
)


def printed(paper: CasePaper, case: CaseView, page: Paper, **kwargs: bool) -> str:
    """The text a printer would put on paper, whitespace and line breaks removed (a long
    line wraps differently on 58 and 80 mm)."""
    document = case_paper(paper, case, CLERK, 3, HALL, AT, ("0519-88001234", "12345"), **kwargs)
    text = decode_job(render(document, page)).text
    return "".join(text.split())


@pytest.mark.parametrize("page", [PAPER_58, PAPER_80], ids=["58mm", "80mm"])
def test_the_pickup_slip_prints_every_field(page: Paper) -> None:
    case = dataclasses.replace(
        CASE, status="delivered", delivered_at=datetime(2025, 3, 20, 10, 4), delivered_window=3
    )
    text = printed(CasePaper.PICKUP, case, page)
    for field in (
        HALL,
        "领取凭证",
        "办件编号SJ202503120001",
        "办理事项城乡居民基本养老保险参保登记",
        "申请人张*三",
        "领取时间2025-03-2010:04",
        "领取窗口3号窗口",
        "经办人员王丽华（1001）",
        "本人已领取",
        "领取人签名",
        "咨询电话0519-88001234",
        "监督电话12345",
    ):
        assert field in text, field


@pytest.mark.parametrize("page", [PAPER_58, PAPER_80], ids=["58mm", "80mm"])
def test_the_correction_notice_numbers_every_missing_material(page: Paper) -> None:
    text = printed(CasePaper.CORRECTION, CASE, page)
    for field in (
        HALL,
        "补正材料通知书",
        "办件编号SJ202503120001",
        "办理事项城乡居民基本养老保险参保登记",
        "需补正以下2项材料",
        "1.户口簿原件及复印件",
        "2.村（社区）出具的居住证明，写明居住起止时间和详细住址",
        "请一次性补齐以上材料后到3号窗口办理",
        "补正窗口3号窗口",
        "咨询电话0519-88001234",
        "告知日期2025年3月20日",
    ):
        assert field in text, field
    assert "补打" not in text
    assert "补正材料通知书（补打）" in printed(CasePaper.CORRECTION, CASE, page, reprint=True)


def test_the_correction_notice_sends_the_citizen_to_the_window_the_hub_names() -> None:
    case = dataclasses.replace(CASE, pickup_window=5)
    assert "请一次性补齐以上材料后到5号窗口办理" in printed(CasePaper.CORRECTION, case, PAPER_80)


@pytest.mark.parametrize("page", [PAPER_58, PAPER_80], ids=["58mm", "80mm"])
def test_the_rejection_notice_carries_reason_basis_and_the_right_of_appeal(page: Paper) -> None:
    case = dataclasses.replace(
        CASE,
        status="rejected",
        reason="申请人已参加职工基本养老保险，不符合参保条件。",
        basis="《中华人民共和国社会保险法》第二十条",
    )
    text = printed(CasePaper.REJECTION, case, page)
    for field in (
        HALL,
        "不予受理通知书",
        "办件编号SJ202503120001",
        "办理事项城乡居民基本养老保险参保登记",
        "理由：申请人已参加职工基本养老保险，不符合参保条件。",
        "依据：《中华人民共和国社会保险法》第二十条",
        "六十日内依法申请行政复议",
        "六个月内依法向人民法院提起行政诉讼",
        "办理窗口3号窗口",
        "经办人员王丽华（1001）",
        "2025年3月20日",
    ):
        assert field in text, field


def test_a_rejection_without_a_basis_in_the_catalog_says_so() -> None:
    case = dataclasses.replace(CASE, status="rejected", reason="不符合条件", basis=None)
    assert "事项目录未载明设定依据" in printed(CasePaper.REJECTION, case, PAPER_80)


def test_a_paper_that_cannot_be_true_is_refused() -> None:
    with pytest.raises(ValueError):
        printed(CasePaper.CORRECTION, dataclasses.replace(CASE, missing=()), PAPER_80)
    with pytest.raises(ValueError):
        printed(CasePaper.REJECTION, dataclasses.replace(CASE, reason=None), PAPER_80)


ACCEPTED = CaseAccepted(
    receipt="SJ202503120007",
    item_name="居民身份证换领",
    department="公安局",
    accepted_at=datetime(2025, 3, 12, 10, 26),
    accepted_on=date(2025, 3, 12),
    promised_on=date(2025, 3, 26),
    promised_days=10,
    materials_received=("居民户口簿",),
    materials_missing=(),
)


def qr_of(case: CaseAccepted, link: ReceiptLink) -> str:
    document = receipt_document(case, None, 3, HALL, Texts(), None, link)
    return next(b.data for b in document.blocks if isinstance(b, Qr))


def test_the_receipts_qr_is_the_cases_phone_page_when_the_hub_gives_one() -> None:
    link = ReceiptLink.of(sample_hall())
    url = "http://hall.local:8700/p/c/Zq3xT9"
    assert qr_of(dataclasses.replace(ACCEPTED, phone_url=url), link) == url


def test_without_a_phone_page_the_receipts_qr_is_the_halls_template() -> None:
    config = sample_hall()
    links = config.links.model_copy(update={"receipt_qr": "https://zw.example.cn/p/{receipt}"})
    link = ReceiptLink.of(config.model_copy(update={"links": links}))
    assert qr_of(ACCEPTED, link) == "https://zw.example.cn/p/SJ202503120007"
    assert qr_of(ACCEPTED, ReceiptLink.of(sample_hall())) == "SJ202503120007"  # the default
