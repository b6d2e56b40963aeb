"""Layout → ESC/POS bytes: exact command bytes, golden tickets, and what the bytes print back.

Golden files: ``tests/fixtures/printer/ticket_58.bin`` and ``ticket_80.bin``. After an
intended change of the ticket's bytes, rewrite them with ``HALLKIT_UPDATE_GOLDEN=1 pytest
tests/devices/printer/test_escpos.py`` and review the difference (``decode_job`` prints it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.printer.decode import decode_job
from devices.printer.documents import queue_ticket, sample_ticket
from devices.printer.escpos import (
    bold_command,
    encode_text,
    qr_command,
    render,
    size_command,
)
from devices.printer.layout import (
    PAPER_58,
    PAPER_80,
    Align,
    Block,
    Cut,
    Document,
    Feed,
    KeyValue,
    Qr,
    Separator,
    Size,
    Text,
    lay_out,
)
from tests.devices.printer.samples import all_documents

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "printer"


def test_chinese_goes_as_gb18030_inside_fs_ampersand_and_fs_dot() -> None:
    assert encode_text("中文") == b"\x1c\x26\xd6\xd0\xce\xc4\x1c\x2e"


def test_ascii_stays_outside_chinese_mode_between_chinese_runs() -> None:
    assert encode_text("A001号 3号窗口") == (
        b"A001" + b"\x1c&\xba\xc5\x1c." + b" 3" + b"\x1c&\xba\xc5\xb4\xb0\xbf\xda\x1c."
    )


def test_characters_outside_gbk_go_as_four_byte_gb18030() -> None:
    # 𠮷 (U+20BB7), a name character GB2312 lacks: U+10000 is 90 30 81 30 and 0x10BB7 further
    # on is 5·12600 + 4·1260 + 49·10 + 5 → 95 34 B2 35.
    assert encode_text("𠮷") == b"\x1c&\x95\x34\xb2\x35\x1c."


def test_native_qr_is_model_2_size_level_m_store_then_print() -> None:
    assert qr_command("https://x.cn", 6) == (
        b"\x1d(k\x04\x00\x31\x41\x32\x00"  # model 2
        b"\x1d(k\x03\x00\x31\x43\x06"  # module 6 dots
        b"\x1d(k\x03\x00\x31\x45\x31"  # error correction M
        b"\x1d(k\x0f\x00\x31\x50\x30https://x.cn"  # store 12 bytes (+3)
        b"\x1d(k\x03\x00\x31\x51\x30"  # print
    )


def test_qr_store_length_is_little_endian_over_255_bytes() -> None:
    frame = qr_command("é" * 150, 4)  # 300 bytes of UTF-8
    store = frame.index(b"\x31\x50\x30")
    assert frame[store - 2 : store] == (300 + 3).to_bytes(2, "little")


def test_cut_feeds_then_cuts_partially() -> None:
    assert render(Document((Cut(4),)), PAPER_58) == b"\x1b@" + b"\x1bd\x04" + b"\x1dV\x01"
    assert render(Document((Cut(0),)), PAPER_58) == b"\x1b@" + b"\x1dV\x01"


def test_size_and_bold_commands() -> None:
    assert size_command(Size.NORMAL) == b"\x1d!\x00"
    assert size_command(Size.TALL) == b"\x1d!\x01"
    assert size_command(Size.WIDE) == b"\x1d!\x10"
    assert size_command(Size.BIG) == b"\x1d!\x11"
    assert size_command(Size.HUGE) == b"\x1d!\x22"
    assert bold_command(True) == b"\x1bE\x01"


def test_a_job_starts_with_esc_at_and_sends_styles_only_when_they_change() -> None:
    data = render(Document((Text("甲"), Text("乙"), Cut(0))), PAPER_58)
    assert data == b"\x1b@" + b"\x1c&\xbc\xd7\x1c.\n" + b"\x1c&\xd2\xd2\x1c.\n" + b"\x1dV\x01"


@pytest.mark.parametrize("width", [58, 80])
def test_sample_ticket_matches_its_golden_bytes(width: int) -> None:
    page = PAPER_58 if width == 58 else PAPER_80
    data = render(queue_ticket(sample_ticket()), page)
    golden = FIXTURES / f"ticket_{width}.bin"
    if os.environ.get("HALLKIT_UPDATE_GOLDEN") == "1":
        golden.write_bytes(data)
    assert data == golden.read_bytes()


@pytest.mark.parametrize("width", [58, 80])
def test_golden_ticket_prints_number_hall_name_qr_and_one_cut(width: int) -> None:
    job = decode_job((FIXTURES / f"ticket_{width}.bin").read_bytes())
    assert "A001" in job.texts
    assert "天宁区红梅街道便民服务中心" in job.texts
    assert job.qr_payloads == ["https://hall.example.cn/q/A001?d=20250312"]
    assert job.cuts == 1


@pytest.mark.parametrize("name", ["ticket", "checklist", "receipt"])
@pytest.mark.parametrize("page", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_printed_bytes_decode_back_to_the_laid_out_lines(name: str, page: object) -> None:
    assert page in (PAPER_58, PAPER_80)
    document = all_documents()[name]
    assert decode_job(render(document, page)).lines == lay_out(document, page)  # type: ignore[arg-type]


blocks = st.one_of(
    st.builds(
        Text,
        st.text(st.sampled_from("中文大厅，。A1 x-\n\x07"), max_size=60),
        st.sampled_from(list(Size)),
        st.booleans(),
        st.sampled_from(list(Align)),
        st.integers(0, 3),
    ),
    st.builds(Separator, st.sampled_from("-=*")),
    st.builds(KeyValue, st.text("前面等候A1 ", max_size=20), st.text("3人约分钟9", max_size=40)),
    st.builds(Qr, st.text(st.sampled_from("abc中/:?="), min_size=1, max_size=60)),
    st.builds(Feed, st.integers(1, 5)),
    st.builds(Cut, st.integers(0, 6)),
)


@given(st.lists(blocks, max_size=12), st.sampled_from([PAPER_58, PAPER_80]))
def test_any_document_prints_exactly_what_its_layout_says(
    blocks: list[Block], page: object
) -> None:
    document = Document(tuple(blocks))
    assert decode_job(render(document, page)).lines == lay_out(document, page)  # type: ignore[arg-type]
