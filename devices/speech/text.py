"""What the hall says, as text for the speech engine. Pure.

Ticket numbers are spelled digit by digit ("A001" → "A零零一"), because a caller who hears "一号"
for A001 goes to the wrong window, and because espeak-ng's Mandarin reads long Arabic numbers as
quantities. Window numbers stay Arabic digits: "3号窗口" and "12号窗口" read naturally.
"""

from __future__ import annotations

import re

from devices.errors import DeviceError

DIGITS = "零一二三四五六七八九"
MAX_TEXT = 200  # characters: a hall announcement, not a document

_TICKET = re.compile(r"[A-Z]{0,3}[0-9]{1,6}")


class SpeechTextError(DeviceError, ValueError):
    """Text that cannot be said: an empty text, a malformed ticket or window number."""


def spell_ticket(number: str) -> str:
    """``number`` with each digit as a Chinese numeral and letters kept ("a001" → "A零零一").

    Raises SpeechTextError unless it is up to three letters followed by 1–6 digits.
    """
    normal = number.strip().upper()
    if not _TICKET.fullmatch(normal):
        raise SpeechTextError(f"{number!r} is not a ticket number like A001")
    return "".join(DIGITS[int(c)] if c.isdigit() else c for c in normal)


def _window(window: int) -> str:
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise SpeechTextError(f"window {window!r} must be a whole number from 1")
    return str(window)


def call_text(number: str, window: int) -> str:
    """The call: "请A零零一号到3号窗口办理". Raises SpeechTextError."""
    return f"请{spell_ticket(number)}号到{_window(window)}号窗口办理"


def recall_text(number: str, window: int) -> str:
    """The recall (重呼) of a number that did not come: "再次呼叫，请A零零一号到3号窗口办理",
    so the hall hears it is the same call again. Raises SpeechTextError."""
    return f"再次呼叫，{call_text(number, window)}"


def announcement_text(text: str) -> str:
    """Free text (a notice) with runs of whitespace folded to one space.

    Raises SpeechTextError for empty text or text longer than MAX_TEXT characters.
    """
    folded = " ".join(text.split())
    if not folded:
        raise SpeechTextError("nothing to say: the text is empty")
    if len(folded) > MAX_TEXT:
        raise SpeechTextError(f"text of {len(folded)} characters is longer than {MAX_TEXT}")
    return folded
