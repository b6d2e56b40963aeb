"""Decoding the 256-byte text block of the four card kinds, and encoding it back."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DecodeError
from devices.idcard.card import (
    TEXT_SIZE,
    CardKind,
    IdCard,
    decode_address,
    decode_text,
    encode_text,
)
from devices.idcard.commands import parse_card_data
from devices.idcard.frames import decode_frame, decode_reply
from devices.idcard.nations import NATIONS, nation_name
from devices.idcard.samples import SAMPLES
from devices.idnumber import check_digit
from tests.devices.idcard.golden import golden


def read(name: str) -> IdCard:
    data = parse_card_data(decode_reply(decode_frame(golden(name))).data)
    return decode_text(data.text, data.photo)


def text_of(name: str) -> bytes:
    return parse_card_data(decode_reply(decode_frame(golden(name))).data).text


def test_a_resident_card_decodes_every_field() -> None:
    card = read("read_resident")
    assert card.kind is CardKind.RESIDENT
    assert (card.name, card.sex, card.nation) == ("林晓明", "男", "汉")
    assert card.birth == date(1990, 3, 7)
    assert card.address == "广东省深圳市福田区福华一路1号"
    assert card.number == "44030419900307123X"
    assert card.authority == "深圳市公安局福田分局"
    assert (card.valid_from, card.valid_to, card.long_term) == (
        date(2016, 5, 10),
        date(2036, 5, 10),
        False,
    )
    assert card.number_valid and card.problems == ()
    assert len(card.photo_wlt) == 1024


def test_a_long_term_card_has_no_end_date_and_says_so() -> None:
    card = read("read_resident_longterm")
    assert card.long_term is True
    assert card.valid_to is None
    assert (card.sex, card.nation) == ("女", "回")
    assert card.problems == ()


def test_a_wrong_check_digit_is_flagged_and_explained_not_dropped() -> None:
    card = read("read_resident_bad_check")
    assert card.number == "440304199003071230"
    assert card.number_valid is False
    assert any("校验位" in p for p in card.problems)


def test_a_hong_kong_macao_taiwan_permit_carries_its_pass_number_and_issue_count() -> None:
    card = read("read_permit_j")
    assert card.kind is CardKind.HMT_PERMIT
    assert (card.name, card.number, card.pass_number, card.issue_count) == (
        "陈大文",
        "810000199408230013",
        "H12345678",
        "01",
    )
    assert card.nation_code == "" and card.nation == ""
    assert card.number_valid


def test_a_2017_foreign_permanent_resident_card_uses_its_own_layout() -> None:
    card = read("read_foreign_i")
    assert card.kind is CardKind.FOREIGN_2017
    assert (card.english_name, card.name, card.nationality) == ("SMITH, JOHN", "史密斯", "USA")
    assert (card.number, card.sex, card.birth) == ("USA310080010103", "男", date(1980, 1, 1))
    assert (card.card_version, card.authority_code) == ("01", "1500")
    assert card.valid_to == date(2027, 6, 14)
    assert card.number_valid and card.unverified == ()


def test_a_2023_foreign_card_decodes_and_names_its_unverified_fields() -> None:
    card = read("read_foreign_y")
    assert card.kind is CardKind.FOREIGN_2023
    assert (card.name, card.english_name, card.number) == (
        "萨利姆",
        "ALSAUD, SALIM",
        "932682198501010017",
    )
    assert card.nationality == "682"  # ISO 3166 numeric from the number: Saudi Arabia
    assert card.number_valid
    assert "english_name" in card.unverified and "number" in card.unverified


def test_a_2023_foreign_card_number_must_start_with_9() -> None:
    block = encode_text(replace(SAMPLES["foreign-y"], number="440304199003071" + "23X"))
    card = decode_text(block)
    assert not card.number_valid
    assert any("start with 9" in p for p in card.problems)


def test_a_2017_foreign_number_of_the_wrong_shape_is_flagged() -> None:
    card = decode_text(encode_text(replace(SAMPLES["foreign-i"], number="US3100800101")))
    assert not card.number_valid and card.problems


def test_a_birth_date_that_disagrees_with_the_number_is_reported() -> None:
    card = decode_text(encode_text(replace(SAMPLES["resident"], birth=date(1990, 3, 8))))
    assert card.number_valid
    assert card.problems == ("the birth date differs from the one in the number",)


def test_a_field_that_is_not_a_date_is_reported_and_left_empty() -> None:
    block = bytearray(text_of("read_resident"))
    block[188:204] = "2016AB10".encode("utf-16-le")
    card = decode_text(bytes(block))
    assert card.valid_from is None
    assert card.problems == ("valid_from '2016AB10' is not a YYYYMMDD date",)


def test_trailing_spaces_and_nuls_are_trimmed() -> None:
    block = bytearray(text_of("read_resident"))
    block[6:30] = bytes(24)  # NUL padding after the name, as some modules send
    assert decode_text(bytes(block)).name == "林晓明"


@pytest.mark.parametrize("mark", ["Q", "y"])
def test_an_unknown_card_kind_is_a_decode_error(mark: str) -> None:
    block = bytearray(text_of("read_resident"))
    block[248:250] = mark.encode("utf-16-le")
    with pytest.raises(DecodeError, match="card type mark"):
        decode_text(bytes(block))


def test_a_nul_kind_mark_reads_as_a_resident_card_like_a_space() -> None:
    block = bytearray(text_of("read_resident"))
    block[220:256] = bytes(36)  # reserved area NUL-filled, as some modules send it
    assert decode_text(bytes(block)).kind is CardKind.RESIDENT


def test_a_block_of_the_wrong_size_or_not_ucs2_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="255 bytes"):
        decode_text(text_of("read_resident")[:255])
    block = bytearray(text_of("read_resident"))
    block[0:2] = b"\x00\xd8"  # a lone high surrogate
    with pytest.raises(DecodeError, match="UCS-2"):
        decode_text(bytes(block))


@given(st.binary(min_size=TEXT_SIZE, max_size=TEXT_SIZE))
def test_random_text_blocks_raise_nothing_but_decode_error(block: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_text(block)


@pytest.mark.parametrize(
    ("sample", "fixture"),
    [
        ("resident", "read_resident"),
        ("resident-longterm", "read_resident_longterm"),
        ("bad-check", "read_resident_bad_check"),
        ("permit-j", "read_permit_j"),
        ("foreign-i", "read_foreign_i"),
        ("foreign-y", "read_foreign_y"),
    ],
)
def test_the_simulators_cards_encode_to_the_golden_text(sample: str, fixture: str) -> None:
    assert encode_text(SAMPLES[sample]) == text_of(fixture)


def test_a_field_too_long_for_its_slot_is_refused_when_encoding() -> None:
    with pytest.raises(ValueError, match="name"):
        encode_text(replace(SAMPLES["resident"], name="一二三四五六七八九十一二三四五六"))


names = st.text(alphabet="王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高·", min_size=1, max_size=15)


@given(
    name=names,
    birth=st.dates(date(1900, 1, 1), date(2030, 12, 31)),
    sequence=st.integers(0, 999),
    nation=st.sampled_from(sorted(NATIONS)),
    long_term=st.booleans(),
)
def test_resident_cards_survive_encode_then_decode(
    name: str, birth: date, sequence: int, nation: str, long_term: bool
) -> None:
    first17 = f"110105{birth:%Y%m%d}{sequence:03d}"
    card = IdCard(
        kind=CardKind.RESIDENT,
        name=name,
        number=first17 + check_digit(first17),
        sex_code="1" if sequence % 2 else "2",
        birth=birth,
        nation_code=nation,
        address="北京市朝阳区建国路88号",
        authority="北京市公安局朝阳分局",
        valid_from=date(2020, 1, 1),
        valid_to=None if long_term else date(2040, 1, 1),
        long_term=long_term,
    )
    assert decode_text(encode_text(card)) == card


def test_the_nations_table_holds_the_56_groups_and_the_two_other_codes() -> None:
    assert [f"{n:02d}" for n in range(1, 57)] + ["97", "98"] == list(NATIONS)
    assert (NATIONS["01"], NATIONS["56"]) == ("汉", "基诺")
    assert nation_name("57") == "[57]"
    assert nation_name("") == ""


@pytest.mark.parametrize(
    ("code", "label"), [("0", "未知"), ("1", "男"), ("2", "女"), ("9", "未说明")]
)
def test_sex_codes_read_as_gb_2261(code: str, label: str) -> None:
    assert replace(SAMPLES["resident"], sex_code=code).sex == label


def test_the_appended_address_decodes_and_trims() -> None:
    data = decode_reply(decode_frame(golden("appended_address"))).data
    assert len(data) == 70
    assert decode_address(data) == "北京市朝阳区光华路9号"


def test_a_card_never_shows_its_number_name_or_address_in_its_repr() -> None:
    card = read("read_resident")
    text = repr(card) + str(card)
    assert card.number not in text and card.name not in text and "福华" not in text
    assert "440304********123X" in text
