"""The speech queue: calls in order, each said `repeat` times, never overlapping, none dropped;
playback failure is degraded health, not silence for the rest of the day."""

from __future__ import annotations

import shutil
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.schema import SpeechSettings
from devices.health import HealthState
from devices.speech.engine import EngineMissing, EspeakEngine, PlaybackFailed
from devices.speech.service import (
    MISSING_PROBLEM,
    PLAYBACK_PROBLEM,
    SpeechService,
)
from tests.timing import PATIENCE

WAV_HEADER = b"RIFF\x24\x00\x00\x00WAVE"


class RecordingEngine:
    """Says nothing; records when each utterance started and stopped, and how many ran at once."""

    def __init__(self, seconds: float = 0.02) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.spoken: list[tuple[str, float, float]] = []
        self.active = 0
        self.most_active = 0
        self.playback_fails = 0  # the next N speak() calls fail like a box without sound card
        self.missing = False

    def check(self) -> None:
        if self.missing:
            raise EngineMissing("espeak-ng is not installed (apt install espeak-ng)")

    def speak(self, text: str) -> None:
        self.check()
        with self.lock:
            if self.playback_fails:
                self.playback_fails -= 1
                raise PlaybackFailed("espeak-ng could not play: error: Unknown PCM default")
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        started = time.monotonic()
        time.sleep(self.seconds)
        with self.lock:
            self.active -= 1
            self.spoken.append((text, started, time.monotonic()))

    def write_wav(self, text: str, path: Path) -> None:
        self.check()
        path.write_bytes(WAV_HEADER + text.encode("utf-8"))


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def speech(engine: RecordingEngine) -> Iterator[SpeechService]:
    service = SpeechService(SpeechSettings(repeat=2), engine, pause_seconds=0)
    service.start()
    yield service
    service.stop()


def test_two_calls_at_the_same_instant_are_both_said_twice_in_order_never_overlapping(
    speech: SpeechService, engine: RecordingEngine
) -> None:
    barrier = threading.Barrier(2)
    queued = []

    def window(number: str, window: int) -> None:
        barrier.wait()
        queued.append(speech.call(number, window))

    threads = [
        threading.Thread(target=window, args=("A001", 3)),
        threading.Thread(target=window, args=("B007", 5)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert speech.wait_idle(PATIENCE)

    first, second = sorted((u for u in queued if u is not None), key=lambda u: u.number)
    assert [text for text, _, _ in engine.spoken] == [first.text] * 2 + [second.text] * 2
    assert {first.text, second.text} == {"请A零零一号到3号窗口办理", "请B零零七号到5号窗口办理"}
    for (_, _, stopped), (_, started, _) in zip(engine.spoken, engine.spoken[1:], strict=False):
        assert started >= stopped
    assert engine.most_active == 1
    assert speech.done == [first, second]


def test_a_burst_of_calls_from_many_windows_loses_none(
    speech: SpeechService, engine: RecordingEngine
) -> None:
    engine.seconds = 0.001
    barrier = threading.Barrier(8)

    def window(n: int) -> None:
        barrier.wait()
        for k in range(5):
            speech.call(f"A{n}{k:02d}", n)

    threads = [threading.Thread(target=window, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert speech.wait_idle(PATIENCE)
    assert len(speech.done) == 40 and len(engine.spoken) == 80
    assert [u.number for u in speech.done] == list(range(1, 41))
    assert engine.most_active == 1


def test_each_call_is_said_as_often_as_configured(engine: RecordingEngine) -> None:
    speech = SpeechService(SpeechSettings(repeat=3), engine, pause_seconds=0)
    speech.start()
    speech.recall("A001", 3)
    speech.say("午间休息")
    speech.stop()
    assert [t for t, _, _ in engine.spoken] == ["再次呼叫，请A零零一号到3号窗口办理"] * 3 + [
        "午间休息"
    ]


def test_disabled_speech_queues_nothing(engine: RecordingEngine) -> None:
    speech = SpeechService(SpeechSettings(enabled=False), engine)
    speech.start()
    assert speech.call("A001", 3) is None
    speech.stop()
    assert engine.spoken == [] and speech.done == []
    assert speech.health.state is HealthState.OK


def test_utterances_can_go_to_a_wav_folder_instead_of_the_speaker(
    engine: RecordingEngine, tmp_path: Path
) -> None:
    speech = SpeechService(SpeechSettings(), engine, play=False, wav_dir=tmp_path / "calls")
    speech.start()
    speech.call("a001", 3)
    speech.say("请保持安静")
    speech.stop()
    assert sorted(p.name for p in (tmp_path / "calls").iterdir()) == [
        "0001-call-A001-w3.wav",
        "0002-text.wav",
    ]
    assert engine.spoken == []
    assert speech.health.state is HealthState.OK


def test_a_playback_failure_degrades_health_and_the_queue_goes_on(
    speech: SpeechService, engine: RecordingEngine
) -> None:
    engine.playback_fails = 1
    speech.call("A001", 3)
    assert speech.wait_idle(PATIENCE)
    assert speech.health.state is HealthState.DEGRADED
    assert speech.health.problem == PLAYBACK_PROBLEM
    speech.call("A002", 3)
    assert speech.wait_idle(PATIENCE)
    assert [t for t, _, _ in engine.spoken] == ["请A零零二号到3号窗口办理"] * 2
    recovered = speech.health
    assert recovered.state is HealthState.OK


def test_playback_failure_still_writes_the_wav(engine: RecordingEngine, tmp_path: Path) -> None:
    engine.playback_fails = 5
    speech = SpeechService(SpeechSettings(), engine, wav_dir=tmp_path, pause_seconds=0)
    speech.start()
    speech.call("A001", 3)
    speech.stop()
    assert (tmp_path / "0001-call-A001-w3.wav").exists()
    assert speech.health.state is HealthState.DEGRADED


def test_a_missing_engine_is_absent_health_with_the_install_hint(engine: RecordingEngine) -> None:
    engine.missing = True
    speech = SpeechService(SpeechSettings(), engine)
    speech.start()
    speech.call("A001", 3)
    speech.stop()
    assert speech.health.state is HealthState.ABSENT
    assert speech.health.problem == MISSING_PROBLEM
    assert "apt install espeak-ng" in speech.health.advice
    assert len(speech.failed) == 1


def test_stop_says_what_is_still_queued_first(engine: RecordingEngine) -> None:
    speech = SpeechService(SpeechSettings(repeat=1), engine, pause_seconds=0)
    speech.start()
    for n in range(1, 6):
        speech.call(f"A00{n}", 1)
    speech.stop()
    assert len(engine.spoken) == 5


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_real_engine_writes_each_call_to_the_wav_folder(tmp_path: Path) -> None:
    settings = SpeechSettings(rate=200)
    speech = SpeechService(
        settings, EspeakEngine.from_settings(settings), play=False, wav_dir=tmp_path
    )
    speech.start()
    speech.call("A001", 3)
    speech.stop()
    with wave.open(str(tmp_path / "0001-call-A001-w3.wav")) as wav:
        assert wav.getnframes() / wav.getframerate() > 1.0
    assert speech.health.state is HealthState.OK
