"""The layout model: CJK-aware wrapping, rows that fit the paper, the hall's three slips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.printer.documents import acceptance_receipt, queue_ticket, sample_ticket
from devices.printer.layout import (
    PAPER_58,
    PAPER_80,
    Align,
    Document,
    KeyValue,
    Qr,
    Row,
    Separator,
    Size,
    Text,
    clean,
    lay_out,
    paper,
    text_columns,
    wrap,
)
from tests.devices.printer.samples import RECEIPT, all_documents

text_with_cjk = st.text(
    alphabet=st.sampled_from("中文办事大厅，。、（）ABCxyz 0123-/:.?!\n\t\x1b"), max_size=120
)


def test_paper_widths_match_font_a_columns_and_dots() -> None:
    assert (paper(58).columns, paper(58).dots) == (32, 384)
    assert (paper(80).columns, paper(80).dots) == (48, 576)
    for page in (PAPER_58, PAPER_80):
        assert page.columns * 12 == page.dots
    with pytest.raises(ValueError, match="58 or 80"):
        paper(76)


def test_a_chinese_character_takes_two_columns_and_ascii_one() -> None:
    assert text_columns("A001") == 4
    assert text_columns("号") == 2
    assert text_columns("A001号，") == 8
    assert wrap("一二三四五六七八九十", 10) == ["一二三四五", "六七八九十"]


def test_wrap_breaks_ascii_at_spaces_and_splits_only_overlong_words() -> None:
    assert wrap("hello world again", 11) == ["hello world", "again"]
    assert wrap("abcdefghijkl", 5) == ["abcde", "fghij", "kl"]


def test_closing_punctuation_never_starts_a_line() -> None:
    lines = wrap("一二三四五，六七", 10)
    assert lines == ["一二三四", "五，六七"]


def test_hanging_indent_indents_continuation_lines_only() -> None:
    lines = wrap("1. 一二三四五六七八", 12, hang=3)
    assert lines[0] == "1. 一二三四"
    assert all(line.startswith("   ") for line in lines[1:])
    assert all(text_columns(line) <= 12 for line in lines)


def test_newlines_start_lines_and_empty_text_is_one_blank_line() -> None:
    assert wrap("甲\n乙", 32) == ["甲", "乙"]
    assert wrap("", 32) == [""]


def test_control_characters_cannot_reach_the_printer() -> None:
    assert clean("A\x1b@B\x1d\x56\x00") == "A @B V "
    assert clean("\ud800") == "\ufffd"


@given(text=text_with_cjk, columns=st.integers(2, 48), hang=st.integers(0, 6))
def test_wrapped_lines_never_exceed_the_columns(text: str, columns: int, hang: int) -> None:
    if columns - hang < 2:
        return
    for line in wrap(text, columns, hang):
        assert text_columns(line) <= columns
        assert not any(ch < " " for ch in line)


@given(text=st.text(alphabet=st.sampled_from("中文办事ABC xyz"), max_size=80))
def test_wrapping_keeps_every_visible_character_in_order(text: str) -> None:
    joined = "".join(wrap(text, 9)).replace(" ", "")
    assert joined == text.replace(" ", "")


@given(text=text_with_cjk, size=st.sampled_from(list(Size)))
def test_every_text_row_fits_the_paper_at_its_size(text: str, size: Size) -> None:
    for page in (PAPER_58, PAPER_80):
        for line in lay_out(Document((Text(text, size),)), page):
            assert isinstance(line, Row)
            assert text_columns(line.text) * size.width <= page.columns


def test_key_value_puts_the_value_at_the_right_edge() -> None:
    (row,) = lay_out(Document((KeyValue("前面等候", "3人"),)), PAPER_58)
    assert isinstance(row, Row)
    assert row.text.startswith("前面等候") and row.text.endswith("3人")
    assert text_columns(row.text) == 32


def test_key_value_too_long_for_one_row_goes_under_the_key() -> None:
    rows = lay_out(Document((KeyValue("办件编号", "X" * 40),)), PAPER_58)
    assert [r.text for r in rows if isinstance(r, Row)][:2] == ["办件编号", "  " + "X" * 30]


def test_separator_spans_the_paper() -> None:
    (row,) = lay_out(Document((Separator("="),)), PAPER_80)
    assert isinstance(row, Row) and row.text == "=" * 48
    with pytest.raises(ValueError):
        Separator("一")


def test_qr_payload_is_bounded_so_the_code_fits_58mm() -> None:
    with pytest.raises(ValueError, match="1–200 bytes"):
        Qr("x" * 201)
    with pytest.raises(ValueError, match="control"):
        Qr("a\x1b@")
    assert Qr("x" * 200).data


def test_ticket_prints_number_huge_and_centred_with_masked_name() -> None:
    rows = [r for r in lay_out(queue_ticket(sample_ticket()), PAPER_58) if isinstance(r, Row)]
    number = next(r for r in rows if r.text == "A001")
    assert (number.size, number.align, number.bold) == (Size.HUGE, Align.CENTER, True)
    texts = "\n".join(r.text for r in rows)
    assert "张*三" in texts and "张小三" not in texts
    assert "前面等候" in texts and "3人" in texts and "约15分钟" in texts


def test_receipt_masks_the_applicant_and_id_number() -> None:
    text = "\n".join(
        r.text for r in lay_out(acceptance_receipt(RECEIPT), PAPER_80) if isinstance(r, Row)
    )
    assert "欧**明" in text and "欧阳小明" not in text
    assert "110105********002X" in text and "11010519491231002X" not in text
    assert "√ 居民身份证 原件1份" in text
    assert "2025-03-19（5个工作日）" in text


def test_every_document_ends_with_one_cut() -> None:
    for name, document in all_documents().items():
        assert type(document.blocks[-1]).__name__ == "Cut", name
