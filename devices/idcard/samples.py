"""Specimen cards for the simulator and tests: invented people, valid-looking numbers.

The numbers carry correct GB 11643 check digits (except ``bad-check``); ``resident-longterm``
uses the standard's own example number. Names in ``SAMPLES`` are what ``sim://idcard?cards=``
and ``hall device simulate idcard --cards`` accept.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from devices.idcard.card import CardKind, IdCard
from devices.idcard.frames import PREAMBLE

PHOTO_SIZE = 1024


def specimen_photo(seed: int) -> bytes:
    """1024 opaque bytes standing in for a WLT photo. They contain the frame preamble on
    purpose: a decoder that resynchronises inside a frame's data would trip on it."""
    block = b"WLT" + bytes([seed]) + PREAMBLE + bytes((seed + i) % 256 for i in range(247))
    return (block * (PHOTO_SIZE // len(block) + 1))[:PHOTO_SIZE]


RESIDENT = IdCard(
    kind=CardKind.RESIDENT,
    name="林晓明",
    number="44030419900307123X",
    sex_code="1",
    birth=date(1990, 3, 7),
    nation_code="01",
    address="广东省深圳市福田区福华一路1号",
    authority="深圳市公安局福田分局",
    valid_from=date(2016, 5, 10),
    valid_to=date(2036, 5, 10),
    photo_wlt=specimen_photo(1),
)

SAMPLES: dict[str, IdCard] = {
    "resident": RESIDENT,
    "resident-longterm": IdCard(
        kind=CardKind.RESIDENT,
        name="马淑珍",
        number="11010519491231002X",
        sex_code="2",
        birth=date(1949, 12, 31),
        nation_code="03",
        address="北京市朝阳区建国路88号院3号楼2单元501室",
        authority="北京市公安局朝阳分局",
        valid_from=date(2010, 1, 1),
        long_term=True,
        appended_address="北京市朝阳区光华路9号",
        photo_wlt=specimen_photo(2),
    ),
    "bad-check": replace(
        RESIDENT, number="440304199003071230", number_valid=False, photo_wlt=specimen_photo(3)
    ),
    "permit-j": IdCard(
        kind=CardKind.HMT_PERMIT,
        name="陈大文",
        number="810000199408230013",
        sex_code="1",
        birth=date(1994, 8, 23),
        address="广东省深圳市罗湖区人民南路2号",
        authority="深圳市公安局罗湖分局",
        valid_from=date(2019, 1, 1),
        valid_to=date(2024, 1, 1),
        pass_number="H12345678",  # noqa: S106  (a travel permit number, not a password)
        issue_count="01",
        photo_wlt=specimen_photo(4),
    ),
    "foreign-i": IdCard(
        kind=CardKind.FOREIGN_2017,
        name="史密斯",
        number="USA310080010103",
        sex_code="1",
        birth=date(1980, 1, 1),
        english_name="SMITH, JOHN",
        nationality="USA",
        valid_from=date(2017, 6, 15),
        valid_to=date(2027, 6, 14),
        card_version="01",
        authority_code="1500",
        photo_wlt=specimen_photo(5),
    ),
    "foreign-y": IdCard(
        kind=CardKind.FOREIGN_2023,
        name="萨利姆",
        number="932682198501010017",
        sex_code="1",
        birth=date(1985, 1, 1),
        english_name="ALSAUD, SALIM",
        nationality="682",
        valid_from=date(2023, 12, 1),
        valid_to=date(2033, 11, 30),
        photo_wlt=specimen_photo(6),
    ),
}
