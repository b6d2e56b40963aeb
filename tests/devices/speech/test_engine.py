"""espeak-ng as the engine: a real wav in Mandarin, and the failures espeak-ng hides in its
output (exit 0 with "Can't write", ALSA errors), with stand-in programs for the failure cases."""

from __future__ import annotations

import os
import shutil
import time
import wave
from pathlib import Path

import pytest

from config.schema import SpeechSettings
from devices.errors import DeviceAbsent, DeviceTimeout
from devices.speech.engine import (
    EngineMissing,
    EspeakEngine,
    PlaybackFailed,
    SpeechError,
    is_wav,
)
from devices.speech.text import call_text

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt install espeak-ng)"
)


def fake_program(tmp_path: Path, script: str) -> str:
    """A stand-in for espeak-ng: a shell script that behaves as ``script`` says."""
    path = tmp_path / "espeak-ng-fake"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


@needs_espeak
def test_espeak_writes_a_mandarin_call_as_a_wav_of_real_length(tmp_path: Path) -> None:
    out = tmp_path / "call.wav"
    EspeakEngine().write_wav(call_text("A001", 3), out)
    assert is_wav(out)
    with wave.open(str(out)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
    assert 1.5 < seconds < 15, seconds


@needs_espeak
def test_a_slower_rate_gives_a_longer_wav(tmp_path: Path) -> None:
    lengths = []
    for rate in (100, 300):
        out = tmp_path / f"rate{rate}.wav"
        EspeakEngine(rate=rate).write_wav("请A零零一号到3号窗口办理", out)
        with wave.open(str(out)) as wav:
            lengths.append(wav.getnframes())
    assert lengths[0] > lengths[1] * 1.5


@needs_espeak
def test_the_check_passes_silently_for_the_pinyin_voice() -> None:
    EspeakEngine().check()


@needs_espeak
def test_an_unknown_voice_is_an_error_naming_it() -> None:
    with pytest.raises(SpeechError, match=r"-v nosuchvoice failed.*voice does not exist"):
        EspeakEngine(voice="nosuchvoice").check()


@needs_espeak
def test_a_wav_that_cannot_be_written_is_an_error_although_espeak_exits_0(
    tmp_path: Path,
) -> None:
    with pytest.raises(SpeechError, match=r"did not write a wav file.*Can't write"):
        EspeakEngine().write_wav("测试", tmp_path / "no-such-folder" / "x.wav")


def test_the_command_line_carries_voice_volume_rate_and_utf8_stdin() -> None:
    engine = EspeakEngine.from_settings(SpeechSettings(volume=80, rate=120))
    assert engine.command("-w", "x.wav") == [
        "espeak-ng", "-v", "cmn-latn-pinyin", "-a", "80", "-s", "120", "-b", "1",
        "-w", "x.wav", "--stdin",
    ]  # fmt: skip


def test_a_missing_espeak_is_absent_with_the_install_hint(tmp_path: Path) -> None:
    engine = EspeakEngine(executable="espeak-ng-not-installed-here")
    for attempt in (engine.check, lambda: engine.speak("测试")):
        with pytest.raises(EngineMissing, match="apt install espeak-ng") as caught:
            attempt()
        assert isinstance(caught.value, DeviceAbsent)
    with pytest.raises(EngineMissing):
        engine.write_wav("测试", tmp_path / "x.wav")


def test_alsa_errors_with_exit_0_are_a_playback_failure(tmp_path: Path) -> None:
    program = fake_program(
        tmp_path,
        "cat >/dev/null\n"
        'echo "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default" >&2\n'
        "echo 'error: No such file or directory' >&2\nexit 0",
    )
    with pytest.raises(PlaybackFailed, match="could not play: error: No such file"):
        EspeakEngine(executable=program).speak("测试")


def test_the_text_goes_in_on_stdin_so_a_leading_dash_is_just_text(tmp_path: Path) -> None:
    seen = tmp_path / "stdin.txt"
    program = fake_program(tmp_path, f'cat > "{seen}"')
    EspeakEngine(executable=program).speak("-w /etc/passwd 请")
    assert seen.read_text(encoding="utf-8") == "-w /etc/passwd 请"


def test_an_engine_that_hangs_is_killed_at_its_time_limit(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    program = fake_program(tmp_path, f'echo $$ > "{pid_file}"; exec sleep 600')
    engine = EspeakEngine(executable=program, time_base=0.3)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout, match=r"took longer than 2\.3 s"):
        engine.speak("测试")  # 0.3 s + 1 s per character
    assert time.monotonic() - started >= 2.3  # it had its whole time…
    with pytest.raises(ProcessLookupError):  # …and was killed, not left hanging
        os.kill(int(pid_file.read_text()), 0)


def test_a_failing_engine_reports_its_exit_status_and_last_words(tmp_path: Path) -> None:
    program = fake_program(tmp_path, "echo 'something broke' >&2; exit 3")
    with pytest.raises(SpeechError, match=r"failed \(exit 3\): something broke"):
        EspeakEngine(executable=program).speak("测试")
