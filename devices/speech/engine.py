"""espeak-ng as a subprocess: say text on the default audio device, or write it to a wav file.

Offline on purpose: a hall's voice must not depend on the WAN. The ``cmn-latn-pinyin`` voice reads
Chinese correctly on Debian 12 (the plain ``cmn`` voice of espeak-ng 1.51 does not). Text goes in
on standard input as UTF-8 (``-b 1 --stdin``), so nothing in it can be taken for an option.

espeak-ng reports some failures only in its output: it exits 0 after "Can't write to …" and after
ALSA errors when a box has no sound card. So a wav is checked for its RIFF/WAVE header, and any
"error" line while playing counts as a playback failure.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from config.schema import SpeechSettings
from devices.errors import DeviceAbsent, DeviceError, DeviceTimeout

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"


class SpeechError(DeviceError):
    """The speech engine failed to say or write something."""


class EngineMissing(SpeechError, DeviceAbsent):
    """espeak-ng is not installed (or not on PATH)."""


class PlaybackFailed(SpeechError):
    """espeak-ng ran but could not play: no sound card, device busy, muted server gone."""


class SpeechEngine(Protocol):
    """What the speech queue needs from an engine."""

    def check(self) -> None:
        """Check the engine can speak at all, silently. Raises EngineMissing or SpeechError."""
        ...

    def speak(self, text: str) -> None:
        """Say ``text`` on the speaker and return when done. Raises SpeechError."""
        ...

    def write_wav(self, text: str, path: Path) -> None:
        """Write ``text`` spoken to a wav file at ``path``. Raises SpeechError."""
        ...


def time_limit(text: str, base: float = 10.0) -> float:
    """Seconds one utterance may take before it is killed: ``base`` plus 1 s per character
    (Mandarin at the slowest rate, 80, takes about 0.5 s per character)."""
    return base + len(text)


def is_wav(path: Path) -> bool:
    """True if ``path`` starts with a RIFF/WAVE header."""
    try:
        with path.open("rb") as file:
            head = file.read(12)
    except OSError:
        return False
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


@dataclass(frozen=True)
class EspeakEngine:
    """espeak-ng with one voice, amplitude and rate."""

    voice: str = "cmn-latn-pinyin"
    volume: int = 100  # espeak-ng amplitude 0–200
    rate: int = 150  # words per minute
    executable: str = ESPEAK
    time_base: float = 10.0  # seconds every utterance may take on top of 1 s per character

    @classmethod
    def from_settings(cls, settings: SpeechSettings) -> EspeakEngine:
        return cls(settings.voice, settings.volume, settings.rate)

    def command(self, *extra: str) -> list[str]:
        """The espeak-ng command line; the text itself goes on standard input."""
        return [
            self.executable,
            "-v",
            self.voice,
            "-a",
            str(self.volume),
            "-s",
            str(self.rate),
            "-b",
            "1",
            *extra,
            "--stdin",
        ]

    def check(self) -> None:
        """Check espeak-ng is installed and knows the voice, without making a sound.

        Raises EngineMissing or SpeechError naming the voice.
        """
        self._run(self.command("-q"), "x")

    def speak(self, text: str) -> None:
        """Say ``text`` through the default audio device. Raises EngineMissing, DeviceTimeout,
        PlaybackFailed (no usable audio device) or SpeechError."""
        output = self._run(self.command(), text)
        problems = [line for line in output.splitlines() if "error" in line.lower()]
        if problems:
            raise PlaybackFailed(f"espeak-ng could not play: {problems[-1].strip()}")

    def write_wav(self, text: str, path: Path) -> None:
        """Write ``text`` to a wav file (22050 Hz mono 16-bit). Raises EngineMissing,
        DeviceTimeout or SpeechError when no valid wav file results."""
        path.unlink(missing_ok=True)  # a stale file must not pass for a fresh one
        output = self._run(self.command("-w", str(path)), text)
        if not is_wav(path):
            detail = output.strip() or "no file written"
            raise SpeechError(f"espeak-ng did not write a wav file to {path}: {detail}")

    def _run(self, command: list[str], text: str) -> str:
        if shutil.which(self.executable) is None:
            raise EngineMissing(f"{self.executable} is not installed (apt install espeak-ng)")
        limit = time_limit(text, self.time_base)
        try:
            done = subprocess.run(  # noqa: S603 - fixed program, text on stdin, no shell
                command,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=limit,
                check=False,
            )
        except FileNotFoundError as err:
            raise EngineMissing(f"{self.executable} is not installed: {err}") from err
        except subprocess.TimeoutExpired as err:
            raise DeviceTimeout(f"{self.executable} took longer than {limit:g} s") from err
        except OSError as err:
            raise SpeechError(f"cannot run {self.executable}: {err}") from err
        output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
        if done.returncode != 0:
            last = output.strip().splitlines()[-1] if output.strip() else "no message"
            raise SpeechError(
                f"{self.executable} -v {self.voice} failed (exit {done.returncode}): {last}"
            )
        return output
