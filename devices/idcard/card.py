"""The 256-byte text block of a card as a typed ``IdCard``, and back (pure, no I/O).

The block is UCS-2 little-endian, fixed fields padded with spaces; the character at byte 248 says
which of four layouts it is:

- ``' '`` resident ID card (居民身份证): GA 450 layout;
- ``'J'`` Hong Kong, Macao and Taiwan residence permit (港澳台居民居住证): the resident layout, nation
  empty, pass number at 220/18 and issue count at 238/4;
- ``'I'`` foreign permanent resident ID card, 2017 (外国人永久居留身份证): the published data item
  table (English name 120 B, sex, number 15 chars, nationality ISO 3166 alpha-3, Chinese name,
  validity, birth, card version, authority code);
- ``'Y'`` the 2023 foreign permanent resident ID card. UNVERIFIED: no published byte table was
  found. The field positions here are inferred from a vendor SDK's output for the official
  specimen card, which read it with the resident layout and got the Chinese name, sex, birth,
  English name (in the address slot), number and validity. What is verified: the 'Y' mark, and
  that the number is 18 characters starting with 9 with a GB 11643 check digit whose digits 4–6
  are the ISO 3166 numeric nationality (National Immigration Administration rules, 2023).
  ``IdCard.unverified`` names the fields that rest on the inference.

ID numbers are checked (GB 11643 check digit via ``devices.idnumber``); a bad one is kept, flagged
by ``number_valid`` and explained in ``problems``, never silently accepted or dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from devices.errors import DecodeError
from devices.idcard.nations import nation_name
from devices.idnumber import IdNumberError, birth_date, mask, normalize

TEXT_SIZE = 256
LONG_TERM = "长期"
_MARK_OFFSET = 248
_PAD = " \x00"


class CardKind(StrEnum):
    RESIDENT = "resident"
    HMT_PERMIT = "hmt-permit"
    FOREIGN_2017 = "foreign-2017"
    FOREIGN_2023 = "foreign-2023"

    @property
    def label(self) -> str:
        """The card's Chinese name, as staff know it."""
        return _LABELS[self]


_LABELS = {
    CardKind.RESIDENT: "居民身份证",
    CardKind.HMT_PERMIT: "港澳台居民居住证",
    CardKind.FOREIGN_2017: "外国人永久居留身份证（2017版）",
    CardKind.FOREIGN_2023: "外国人永久居留身份证（2023版）",
}
_MARKS = {
    CardKind.RESIDENT: " ",
    CardKind.HMT_PERMIT: "J",
    CardKind.FOREIGN_2017: "I",
    CardKind.FOREIGN_2023: "Y",
}
_KIND_BY_MARK = {mark: kind for kind, mark in _MARKS.items()}

# field -> (byte offset, byte size) in the 256-byte block
_RESIDENT = {
    "name": (0, 30),
    "sex_code": (30, 2),
    "nation_code": (32, 4),
    "birth": (36, 16),
    "address": (52, 70),
    "number": (122, 36),
    "authority": (158, 30),
    "valid_from": (188, 16),
    "valid_to": (204, 16),
}
_LAYOUTS: dict[CardKind, dict[str, tuple[int, int]]] = {
    CardKind.RESIDENT: _RESIDENT,
    CardKind.HMT_PERMIT: {**_RESIDENT, "pass_number": (220, 18), "issue_count": (238, 4)},
    CardKind.FOREIGN_2017: {
        "english_name": (0, 120),
        "sex_code": (120, 2),
        "number": (122, 30),
        "nationality": (152, 6),
        "name": (158, 30),
        "valid_from": (188, 16),
        "valid_to": (204, 16),
        "birth": (220, 16),
        "card_version": (236, 4),
        "authority_code": (240, 8),
    },
    # Inferred, see the module docstring.
    CardKind.FOREIGN_2023: {
        "name": (0, 30),
        "sex_code": (30, 2),
        "birth": (36, 16),
        "english_name": (52, 70),
        "number": (122, 36),
        "valid_from": (188, 16),
        "valid_to": (204, 16),
    },
}
_UNVERIFIED_2023 = ("name", "sex_code", "birth", "english_name", "number", "valid_from", "valid_to")
_SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
_FOREIGN_2017_NUMBER = re.compile(r"^[A-Z]{3}[0-9]{12}$")
_DATE_FIELDS = ("birth", "valid_from", "valid_to")


@dataclass(frozen=True, repr=False)
class IdCard:
    """One card as read. Text fields are trimmed; a field a kind does not carry is empty.

    ``name`` is the Chinese name (empty on a foreign card without one); ``nationality`` is ISO
    3166 alpha-3 on a 2017 foreign card and ISO 3166 numeric (from the number) on a 2023 one;
    ``valid_to`` is None when the card is valid long-term (长期). ``photo_wlt`` is the chip's
    1024-byte WLT photo, opaque: decoding it needs a licensed library.
    """

    kind: CardKind
    name: str
    number: str
    sex_code: str = ""
    birth: date | None = None
    nation_code: str = ""
    address: str = ""
    authority: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    long_term: bool = False
    english_name: str = ""
    nationality: str = ""
    pass_number: str = ""
    issue_count: str = ""
    card_version: str = ""
    authority_code: str = ""
    number_valid: bool = True
    problems: tuple[str, ...] = ()
    unverified: tuple[str, ...] = ()
    photo_wlt: bytes = b""
    fingerprints: bytes = b""
    appended_address: str = ""

    @property
    def sex(self) -> str:
        """男, 女, 未知 or 未说明 (GB/T 2261.1); the raw code in brackets if unknown."""
        return _SEXES.get(self.sex_code, f"[{self.sex_code}]" if self.sex_code else "")

    @property
    def nation(self) -> str:
        """The ethnic group's name (resident cards only)."""
        return nation_name(self.nation_code)

    @property
    def masked_number(self) -> str:
        """The number as it may be shown or printed: first 6 and last 4 characters."""
        return mask(self.number)

    def __repr__(self) -> str:
        # Personal data stays out of reprs, so a stray log line or traceback cannot leak it.
        return (
            f"IdCard(kind={self.kind.value}, number={self.masked_number}, "
            f"number_valid={self.number_valid}, problems={self.problems!r})"
        )


def decode_text(text: bytes, photo_wlt: bytes = b"", fingerprints: bytes = b"") -> IdCard:
    """The card in a 256-byte text block; raises DecodeError if the block is the wrong size,
    not UCS-2 or of an unknown kind. Field-level faults (bad dates, a wrong check digit) do not
    raise: they land in ``problems`` and ``number_valid``."""
    if len(text) != TEXT_SIZE:
        raise DecodeError(f"card text block is {len(text)} bytes, expected {TEXT_SIZE}")
    mark = _text(text, _MARK_OFFSET, 2, "card type mark")
    kind = _KIND_BY_MARK.get(mark or " ")
    if kind is None:
        raise DecodeError(f"unknown card type mark {mark!r} at byte {_MARK_OFFSET}")
    raw = {name: _text(text, off, size, name) for name, (off, size) in _LAYOUTS[kind].items()}
    problems: list[str] = []
    birth = _date(raw.get("birth", ""), "birth", problems)
    number = raw["number"]
    number_valid = _check_number(kind, number, birth, problems)
    nationality = raw.get("nationality", "")
    if kind is CardKind.FOREIGN_2023 and number_valid:
        nationality = number[3:6]
    return IdCard(
        kind=kind,
        name=raw["name"],
        number=number,
        sex_code=raw["sex_code"],
        birth=birth,
        nation_code=raw.get("nation_code", ""),
        address=raw.get("address", ""),
        authority=raw.get("authority", ""),
        valid_from=_date(raw["valid_from"], "valid_from", problems),
        valid_to=_date(raw["valid_to"], "valid_to", problems),
        long_term=raw["valid_to"] == LONG_TERM,
        english_name=raw.get("english_name", ""),
        nationality=nationality,
        pass_number=raw.get("pass_number", ""),
        issue_count=raw.get("issue_count", ""),
        card_version=raw.get("card_version", ""),
        authority_code=raw.get("authority_code", ""),
        number_valid=number_valid,
        problems=tuple(problems),
        unverified=_UNVERIFIED_2023 if kind is CardKind.FOREIGN_2023 else (),
        photo_wlt=photo_wlt,
        fingerprints=fingerprints,
    )


def decode_address(data: bytes) -> str:
    """The appended address (30 03 reply data, 70 bytes UCS-2LE), trimmed; raises DecodeError
    if it is not UCS-2."""
    return _text(data, 0, len(data), "appended address")


def encode_text(card: IdCard) -> bytes:
    """The 256-byte block for ``card`` (the inverse of ``decode_text``, for the simulator and
    fixtures); raises ValueError if a field does not fit its slot."""
    block = bytearray(_PAD[0].encode("utf-16-le") * (TEXT_SIZE // 2))
    values = _field_values(card)
    for name, (offset, size) in _LAYOUTS[card.kind].items():
        data = values[name].encode("utf-16-le")
        if len(data) > size:
            raise ValueError(f"{name} {values[name]!r} is longer than its {size // 2} characters")
        block[offset : offset + len(data)] = data
    block[_MARK_OFFSET : _MARK_OFFSET + 2] = _MARKS[card.kind].encode("utf-16-le")
    return bytes(block)


def _field_values(card: IdCard) -> dict[str, str]:
    values = {
        name: str(getattr(card, name)) for name in _LAYOUTS[card.kind] if name not in _DATE_FIELDS
    }
    for name in _DATE_FIELDS:
        day: date | None = getattr(card, name)
        values[name] = day.strftime("%Y%m%d") if day else ""
    if card.long_term:
        values["valid_to"] = LONG_TERM
    return values


def _text(block: bytes, offset: int, size: int, name: str) -> str:
    try:
        value = block[offset : offset + size].decode("utf-16-le")
    except UnicodeDecodeError as err:
        raise DecodeError(f"{name} at byte {offset} is not valid UCS-2: {err.reason}") from err
    return value.rstrip(_PAD)


def _date(value: str, name: str, problems: list[str]) -> date | None:
    if not value or (value == LONG_TERM and name == "valid_to"):
        return None
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    problems.append(f"{name} {value!r} is not a YYYYMMDD date")
    return None


def _check_number(kind: CardKind, number: str, birth: date | None, problems: list[str]) -> bool:
    """Whether ``number`` is well-formed for ``kind``; appends what is wrong to ``problems``."""
    if kind is CardKind.FOREIGN_2017:
        if _FOREIGN_2017_NUMBER.match(number):
            return True
        problems.append("number is not 3 letters and 12 digits (2017 foreign card)")
        return False
    try:
        normalize(number)
    except IdNumberError as err:
        problems.append(f"number fails GB 11643: {err}")
        return False
    if kind is CardKind.FOREIGN_2023 and not number.startswith("9"):
        problems.append("a 2023 foreign card number must start with 9")
        return False
    if birth is not None and birth_date(number) != birth:
        problems.append("the birth date differs from the one in the number")
    return True
