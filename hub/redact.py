"""Taking ID numbers and phone numbers out of free text before the hub keeps or sends it.

A citizen types whatever they like into a kiosk's feedback box, a clerk into a pause reason or a
差评 note, a manager into a follow-up step. Those texts reach the event stream (readable by every
board and display token), the store and central, so each engine operation that takes free text
passes it through :func:`redact` first. The phone a citizen leaves in a form's own ``phone``
field is not free text: it is kept on purpose, masked everywhere but an audited call-back.

What is taken out (full-width digits count too, and single spaces or hyphens between digits):
an 18-character ID number (17 digits and a check digit or X), an old 15-digit ID number, a
mainland mobile number (1[3-9] and 9 more digits, with or without +86), and a landline with its
area code (0 and 2–3 digits, in brackets or not, then 7–8 digits).
"""

from __future__ import annotations

import re

REDACTED = "[已隐去]"
"""What stands where a number was."""

_SEP = r"[ \-]?"
_PATTERNS = [
    re.compile(rf"(?<![0-9])\d(?:{_SEP}\d){{16}}{_SEP}[0-9Xx](?![0-9])"),  # ID number, 18
    re.compile(rf"(?<![0-9])\d(?:{_SEP}\d){{14}}(?![0-9])"),  # ID number, 15 (before 1999)
    re.compile(rf"(?<![0-9])(?:(?:\+|00)?86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}(?![0-9])"),  # mobile
    re.compile(  # landline with its area code: 010-12345678, (0755) 1234 5678, 0571 8888 8888
        rf"(?<![0-9])(?:\(0\d{{2,3}}\)|0\d{{2,3}}){_SEP}\d{{3,4}}{_SEP}\d{{4}}(?![0-9])"
    ),
]

# Full-width digits, letters X, brackets, plus, hyphen and space, one character each, so that
# positions in the translated text are positions in the original.
_HALF = str.maketrans("０１２３４５６７８９Ｘｘ（）＋－　", "0123456789Xx()+- ")


def redact(text: str) -> str:
    """``text`` with every ID number and phone number replaced by :data:`REDACTED`."""
    if not text:
        return text
    plain = text.translate(_HALF)
    spans: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(plain):
            start, end = match.span()
            if not any(start < e and s < end for s, e in spans):
                spans.append((start, end))
    if not spans:
        return text
    parts = []
    last = 0
    for start, end in sorted(spans):
        parts.append(text[last:start])
        parts.append(REDACTED)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def redact_optional(text: str | None) -> str | None:
    """:func:`redact` for a text that may be absent."""
    return None if text is None else redact(text)
