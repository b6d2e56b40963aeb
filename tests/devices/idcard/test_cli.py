"""``hall device read-id`` and ``hall device simulate idcard`` as a technician runs them."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devices.idcard.samples import SAMPLES
from devices.idcard.session import read_one_card
from hall.cli import main
from tests.timing import PATIENCE

ROOT = Path(__file__).resolve().parents[3]

NUMBER = SAMPLES["resident"].number  # 44030419900307123X


def test_read_id_prints_the_card_with_the_number_masked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["device", "read-id", "--port", "sim://idcard?cards=resident"]) == 0
    out = capsys.readouterr().out
    assert "440304********123X" in out
    assert NUMBER not in out
    assert "林晓明" in out and "居民身份证" in out and "2016-05-10 – 2036-05-10" in out
    assert "05.01-20101231-0012345678-1234567890" in out


def test_read_id_unmasked_shows_the_full_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["device", "read-id", "--port", "sim://idcard", "--unmasked"]) == 0
    assert NUMBER in capsys.readouterr().out


@pytest.mark.parametrize(("flags", "number"), [([], "810000********0013"), (["--unmasked"], None)])
def test_read_id_json_masks_numbers_unless_asked(
    capsys: pytest.CaptureFixture[str], flags: list[str], number: str | None
) -> None:
    port = "sim://idcard?cards=permit-j"
    assert main(["device", "read-id", "--port", port, "--json", *flags]) == 0
    fields = json.loads(capsys.readouterr().out)
    sample = SAMPLES["permit-j"]
    assert fields["number"] == (number or sample.number)
    assert fields["pass_number"] == ("*********" if number else sample.pass_number)
    assert fields["kind"] == "hmt-permit" and fields["number_valid"] is True


def test_read_id_reports_a_wrong_check_digit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["device", "read-id", "--port", "sim://idcard?cards=bad-check"]) == 0
    out = capsys.readouterr().out
    assert "WRONG / 不正确" in out and "校验位" in out


@pytest.mark.parametrize(
    ("port", "complaint"),
    [
        ("/dev/hallkit-no-such-reader", "cannot open the ID-card reader port"),
        ("sim://idcard?faults=no-card", "is a card on the reader?"),
        ("sim://idcard?faults=silent", "no complete reply"),
        ("sim://idcard?faults=sam-fail", "self-test"),
        ("tcp://10.0.0.9:9100", "unknown scheme"),
    ],
)
def test_read_id_fails_with_a_plain_sentence_and_exit_1(
    capsys: pytest.CaptureFixture[str], port: str, complaint: str
) -> None:
    assert main(["device", "read-id", "--port", port, "--timeout", "0.3"]) == 1
    captured = capsys.readouterr()
    assert complaint in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_simulate_idcard_prints_an_address_that_read_id_can_use(tmp_path: Path) -> None:
    link = tmp_path / "idcard"
    sim = subprocess.Popen(
        [sys.executable, "-m", "hall", "device", "simulate", "idcard", "--cards", "foreign-i",
         "--link", str(link)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert sim.stdout is not None
    try:
        first = sim.stdout.readline()
        assert re.search(
            rf"simulated ID-card reader: serial://{re.escape(str(link))}\?baud=115200", first
        ), first
        card, _ = read_one_card(f"serial://{link}", wait=PATIENCE)
        assert card.english_name == "SMITH, JOHN"
        sim.send_signal(signal.SIGTERM)  # as a service manager stops it
        assert sim.wait(timeout=PATIENCE) == 0
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()
    assert not link.exists()


def test_simulate_idcard_refuses_unknown_cards(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["device", "simulate", "idcard", "--cards", "passport"]) == 1
    assert "unknown simulated card(s) passport" in capsys.readouterr().err
