"""``hall device say``: a call or a text to a wav file, or to the speaker, with clear failures."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from hall.cli import main


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_say_writes_a_call_to_a_wav_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "call.wav"
    assert main(["device", "say", "--call", "A001", "--window", "3", "--out", str(out)]) == 0
    assert "请A零零一号到3号窗口办理" in capsys.readouterr().out
    with wave.open(str(out)) as wav:
        assert wav.getnframes() / wav.getframerate() > 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give a TEXT"),
        (["--call", "A001"], "go together"),
        (["--window", "3", "hello"], "go together"),
    ],
)
def test_say_without_something_to_say_is_a_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["device", "say", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_malformed_ticket_number_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["device", "say", "--call", "A-1", "--window", "3", "--out", "x.wav"]) == 1
    assert "not a ticket number" in capsys.readouterr().err


def test_a_missing_espeak_exits_1_with_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng on this PATH
    assert main(["device", "say", "测试", "--out", str(tmp_path / "x.wav")]) == 1
    assert "apt install espeak-ng" in capsys.readouterr().err


def test_playback_failure_exits_1_and_suggests_a_wav_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "espeak-ng"  # stands in for espeak-ng on a box without a sound card
    fake.write_text("#!/bin/sh\ncat >/dev/null\necho 'error: Unknown PCM default' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert main(["device", "say", "测试"]) == 1
    err = capsys.readouterr().err
    assert "could not play" in err and "--out" in err
