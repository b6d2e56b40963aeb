"""The speech queue: one thread says the hall's calls in the order they were made.

Two windows calling at the same instant is the case halls complain about ("the voice swallowed a
call"), so: every call is queued, none is dropped or merged, calls never overlap, and each is said
``repeat`` times back to back. Playing can be replaced or joined by writing each utterance to a
wav folder (demos, tests, and boxes whose sound goes through another program).

A box without a sound card still works: playback failure is health "degraded", the queue goes on.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from config.schema import SpeechSettings
from devices.errors import DeviceError
from devices.health import Health, HealthState, HealthTracker
from devices.speech.engine import (
    EngineMissing,
    EspeakEngine,
    PlaybackFailed,
    SpeechEngine,
)
from devices.speech.text import announcement_text, call_text, recall_text

log = logging.getLogger(__name__)

MISSING_PROBLEM = "语音播报不可用：未安装语音引擎"
MISSING_ADVICE = "请技术人员安装 espeak-ng（apt install espeak-ng）"
PLAYBACK_PROBLEM = "无法播放语音"
PLAYBACK_ADVICE = "请检查音箱、声卡和音量设置"
FAILED_PROBLEM = "语音播报出错"
FAILED_ADVICE = "请联系技术人员查看日志"


@dataclass(frozen=True)
class Utterance:
    """One queued thing to say. ``number`` is its place in the queue (1, 2, …)."""

    number: int
    text: str
    repeat: int
    label: str  # for wav names and logs: call-A001-w3, recall-A001-w3, text


class SpeechService:
    """Owns the speech thread. Start it once; ``call``/``recall``/``say`` from any thread."""

    def __init__(
        self,
        settings: SpeechSettings,
        engine: SpeechEngine | None = None,
        *,
        play: bool = True,
        wav_dir: Path | None = None,
        pause_seconds: float = 0.6,
        device: str = "speech",
        record_dir: str | Path | None = None,
    ) -> None:
        """``play``: say it on the speaker; ``wav_dir``: also write one wav per utterance there;
        ``pause_seconds``: silence between the repeats of one call."""
        self.settings = settings
        self.engine: SpeechEngine = engine or EspeakEngine.from_settings(settings)
        self._play = play
        self._wav_dir = wav_dir
        self._pause = pause_seconds
        self._tracker = HealthTracker(device, log, record_dir)
        self._queue: queue.Queue[Utterance | None] = queue.Queue()
        self._order = threading.Lock()  # numbering and queueing happen as one step
        self._numbers = itertools.count(1)
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self.done: list[Utterance] = []  # said (or written), in order
        self.failed: list[Utterance] = []  # could not be said or written at all

    @property
    def health(self) -> Health:
        return self._tracker.health

    def start(self) -> None:
        """Start the thread; it first checks the engine, which sets health."""
        if self._thread is not None:
            raise DeviceError("the speech service was already started")
        if not self.settings.enabled:
            self._tracker.ok("speech disabled in the configuration")
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Say what is still queued, then stop (waits up to ``timeout`` seconds)."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def call(self, number: str, window: int) -> Utterance | None:
        """Queue the call for ticket ``number`` to ``window``, said ``repeat`` times.

        Returns the queued utterance, or None when speech is disabled. Raises SpeechTextError
        for a malformed ticket or window number.
        """
        text = call_text(number, window)
        return self._add(text, self.settings.repeat, f"call-{number.strip().upper()}-w{window}")

    def recall(self, number: str, window: int) -> Utterance | None:
        """Queue a recall (重呼) of ``number`` to ``window``; like ``call``."""
        text = recall_text(number, window)
        return self._add(text, self.settings.repeat, f"recall-{number.strip().upper()}-w{window}")

    def say(self, text: str, repeat: int = 1) -> Utterance | None:
        """Queue free text (a notice); raises SpeechTextError for empty or overlong text."""
        return self._add(announcement_text(text), repeat, "text")

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until everything queued has been said; True if so."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _add(self, text: str, repeat: int, label: str) -> Utterance | None:
        if not self.settings.enabled:
            log.debug("speech disabled; not saying %r", text)
            return None
        with self._idle:
            self._pending += 1
        with self._order:
            utterance = Utterance(next(self._numbers), text, max(1, repeat), label)
            self._queue.put(utterance)
        return utterance

    def _run(self) -> None:
        if self.settings.enabled:
            self._check_engine()
        while (utterance := self._queue.get()) is not None:
            try:
                self._utter(utterance)
            except Exception:  # a bug must not silence the hall: log it, go on with the queue
                log.exception("speech thread failed on utterance %s", utterance.number)
                self.failed.append(utterance)
                self._tracker.set(HealthState.ERROR, FAILED_PROBLEM, FAILED_ADVICE, "internal")
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _check_engine(self) -> None:
        try:
            self.engine.check()
        except EngineMissing as err:
            self._tracker.set(HealthState.ABSENT, MISSING_PROBLEM, MISSING_ADVICE, str(err))
        except DeviceError as err:
            self._tracker.set(HealthState.ERROR, FAILED_PROBLEM, FAILED_ADVICE, str(err))
        else:
            self._tracker.ok()

    def _utter(self, utterance: Utterance) -> None:
        results: list[bool] = []
        if self._wav_dir is not None:
            results.append(self._write_wav(utterance, self._wav_dir))
        if self._play:
            results.append(self._say_aloud(utterance))
        (self.done if any(results) else self.failed).append(utterance)
        if all(results):  # a failure has set health already; only full success clears it
            self._tracker.ok()

    def _say_aloud(self, utterance: Utterance) -> bool:
        for turn in range(utterance.repeat):
            if turn:
                time.sleep(self._pause)
            try:
                self.engine.speak(utterance.text)
            except DeviceError as err:
                self._failed(err)
                return False
        return True

    def _write_wav(self, utterance: Utterance, folder: Path) -> bool:
        path = folder / f"{utterance.number:04d}-{utterance.label}.wav"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.engine.write_wav(utterance.text, path)
        except OSError as err:
            self._failed(DeviceError(f"cannot write {path}: {err}"))
            return False
        except DeviceError as err:
            self._failed(err)
            return False
        return True

    def _failed(self, err: DeviceError) -> None:
        if isinstance(err, EngineMissing):
            self._tracker.set(HealthState.ABSENT, MISSING_PROBLEM, MISSING_ADVICE, str(err))
        elif isinstance(err, PlaybackFailed):
            self._tracker.set(HealthState.DEGRADED, PLAYBACK_PROBLEM, PLAYBACK_ADVICE, str(err))
        else:
            self._tracker.set(HealthState.ERROR, FAILED_PROBLEM, FAILED_ADVICE, str(err))
