"""The numeric LED sign's register convention on top of Modbus. Pure: text in, requests out,
and the slave side (what a sign shows after a request) for the simulator.

RS-485 window signs have no common protocol; each vendor documents its own registers. hallkit
speaks this one convention, and a sign is set up (or chosen) to match it:

====================  ===========================================================================
holding register      meaning
====================  ===========================================================================
0x0000 … (chars/2-1)  text mode: the called number as ASCII, two characters per register, first
                      character in the high byte, padded with spaces on the right to ``chars``
                      (default 8 characters = registers 0x0000–0x0003), written with one 0x10.
0x0000                digits-only mode (``digits=1``): the number's digits as one unsigned
                      integer ("A001" → 1, "B123" → 123), written with 0x06. The letter and
                      leading zeros are lost: that is what a digits-only display can show.
0x0010                brightness 0–7 (0 dark, 7 brightest), written with 0x06.
0x0011                control: writing 1 blanks the display; writing a number shows it again.
====================  ===========================================================================

``reg`` moves the text/number registers (for signs whose value lives at e.g. 0x0001); brightness
and control stay at 0x0010 and 0x0011.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.errors import DeviceError
from devices.sign.modbus import Request, WriteRegister, WriteRegisters

BRIGHTNESS_REGISTER = 0x0010
CONTROL_REGISTER = 0x0011
CONTROL_BLANK = 1
MAX_BRIGHTNESS = 7
DEFAULT_CHARS = 8

# Modbus exception codes the sign answers with.
ILLEGAL_FUNCTION, ILLEGAL_ADDRESS, ILLEGAL_VALUE = 0x01, 0x02, 0x03


class SignTextError(DeviceError, ValueError):
    """The text cannot be shown on this sign (not ASCII, too long, no digits)."""


@dataclass(frozen=True)
class SignLayout:
    """Where one sign keeps its text, and how it shows numbers."""

    unit: int = 1
    chars: int = DEFAULT_CHARS  # characters in text mode (even: two per register)
    digits_only: bool = False
    register: int = 0x0000  # first text register, or the number register in digits-only mode

    def __post_init__(self) -> None:
        if self.chars < 2 or self.chars % 2 or self.chars > 32:
            raise ValueError(f"sign width must be an even 2–32 characters, not {self.chars}")


def pack_text(text: str, chars: int) -> tuple[int, ...]:
    """``text`` as registers: ASCII, two characters per register, high byte first, padded
    with spaces to ``chars``. Raises SignTextError for non-ASCII or overlong text."""
    if len(text) > chars:
        raise SignTextError(f"{text!r} is longer than the sign's {chars} characters")
    if not all(" " <= c <= "~" for c in text):
        raise SignTextError(f"{text!r}: an LED number sign shows ASCII letters and digits only")
    raw = text.ljust(chars).encode("ascii")
    return tuple((raw[i] << 8) | raw[i + 1] for i in range(0, chars, 2))


def unpack_text(registers: tuple[int, ...]) -> str:
    """The text held in ``registers`` (inverse of pack_text, trailing padding removed)."""
    raw = bytes(b for value in registers for b in (value >> 8, value & 0xFF))
    return raw.decode("ascii", errors="replace").rstrip(" \0")


def number_value(text: str) -> int:
    """The digits of a ticket number as an integer ("A001" → 1) for a digits-only sign.
    Raises SignTextError when there are no digits or the value exceeds one register."""
    digits = "".join(c for c in text if c.isascii() and c.isdigit())
    if not digits:
        raise SignTextError(f"{text!r} has no digits for a digits-only sign")
    value = int(digits)
    if value > 0xFFFF:
        raise SignTextError(f"{text!r}: {value} does not fit one register (max 65535)")
    return value


def show_requests(layout: SignLayout, text: str) -> list[Request]:
    """The writes that make the sign show ``text``. Raises SignTextError."""
    if layout.digits_only:
        return [WriteRegister(layout.unit, layout.register, number_value(text))]
    return [WriteRegisters(layout.unit, layout.register, pack_text(text, layout.chars))]


def blank_requests(layout: SignLayout) -> list[Request]:
    """The write that blanks the display."""
    return [WriteRegister(layout.unit, CONTROL_REGISTER, CONTROL_BLANK)]


def brightness_requests(layout: SignLayout, level: int) -> list[Request]:
    """The write that sets brightness ``level`` (0–7). Raises SignTextError outside 0–7."""
    if not 0 <= level <= MAX_BRIGHTNESS:
        raise SignTextError(f"brightness {level} is outside 0–{MAX_BRIGHTNESS}")
    return [WriteRegister(layout.unit, BRIGHTNESS_REGISTER, level)]


@dataclass
class SignMemory:
    """The sign's side: its registers and what its LEDs show. Used by the simulator."""

    layout: SignLayout
    registers: dict[int, int] = field(default_factory=dict)
    blank: bool = True  # a sign shows nothing after power-on until it is written
    brightness: int = MAX_BRIGHTNESS

    @property
    def shown(self) -> str:
        """What a citizen reads on the sign ('' when blank or dark)."""
        if self.blank or self.brightness == 0:
            return ""
        start = self.layout.register
        if self.layout.digits_only:
            return str(self.registers.get(start, 0))
        count = self.layout.chars // 2
        return unpack_text(tuple(self.registers.get(start + i, 0x2020) for i in range(count)))

    def apply(self, request: Request) -> int | None:
        """Do ``request`` as the sign would; returns None, or the Modbus exception code the
        sign answers with (2: no such register, 3: a value it cannot take)."""
        if isinstance(request, WriteRegister):
            writes = {request.address: request.value}
        else:
            writes = {request.address + i: v for i, v in enumerate(request.values)}
        first = self.layout.register
        data = range(first, first + (1 if self.layout.digits_only else self.layout.chars // 2))
        if any(a not in data and a not in (BRIGHTNESS_REGISTER, CONTROL_REGISTER) for a in writes):
            return ILLEGAL_ADDRESS
        if writes.get(BRIGHTNESS_REGISTER, 0) > MAX_BRIGHTNESS:
            return ILLEGAL_VALUE
        if writes.get(CONTROL_REGISTER, CONTROL_BLANK) != CONTROL_BLANK:
            return ILLEGAL_VALUE
        self.registers.update(writes)
        if BRIGHTNESS_REGISTER in writes:
            self.brightness = writes[BRIGHTNESS_REGISTER]
        if CONTROL_REGISTER in writes:
            self.blank = True
        elif any(a in data for a in writes):
            self.blank = False
        return None
