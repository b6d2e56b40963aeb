"""Resident ID numbers (GB 11643-1999): check digit, birth date, masking."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: str.isdigit() and \d also accept full-width and other scripts' digits,
# which would give one person a second, different ID hash.
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


class IdNumberError(ValueError):
    """An ID number is malformed; the message says what is wrong in plain words."""


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise IdNumberError("需要17位数字来计算校验位")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize(number: str) -> str:
    """Upper-case, strip spaces; raises :class:`IdNumberError` unless it is a valid 18-char number."""
    cleaned = number.strip().replace(" ", "").upper()
    if not _SHAPE.match(cleaned):
        raise IdNumberError("身份证号码应为18位，前17位为数字，最后一位为数字或X")
    if check_digit(cleaned[:17]) != cleaned[17]:
        raise IdNumberError("身份证号码校验位不正确，请核对号码")
    birth_date(cleaned)
    return cleaned


def birth_date(number: str) -> date:
    """Birth date encoded in digits 7–14; raises :class:`IdNumberError` if it is not a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as err:
        raise IdNumberError("身份证号码中的出生日期无效") from err


def age_on(number: str, day: date) -> int:
    """Age in whole years on ``day`` of the holder of ``number``."""
    born = birth_date(number)
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def mask(number: str) -> str:
    """First 6 and last 4 characters shown, the rest as ``*`` (PIPL: no more than that)."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """A name for public screens: 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
