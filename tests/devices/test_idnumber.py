"""Resident ID numbers (GB 11643-1999): check digit, normalising, birth date, age, masks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.idnumber import (
    IdNumberError,
    age_on,
    birth_date,
    check_digit,
    mask,
    mask_name,
    normalize,
)

# The worked example printed in GB 11643-1999 itself.
STANDARD_EXAMPLE = "11010519491231002X"


def make(region: str, born: date, serial: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + check_digit(first17)


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
id_numbers = st.builds(
    make,
    st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    birth_dates,
    st.integers(min_value=0, max_value=999),
)


def test_standard_example_has_check_character_x() -> None:
    assert check_digit(STANDARD_EXAMPLE[:17]) == "X"
    assert normalize(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_check_digit_follows_the_weights_and_table() -> None:
    # 440524188001010014 is the standard's other example (check digit 4).
    assert check_digit("44052418800101001") == "4"
    assert check_digit("00000000000000000") == "1"


@pytest.mark.parametrize(
    "bad", ["1234", "1101051949123100", "110105194912310021", "1101051949123100a", ""]
)
def test_check_digit_needs_exactly_17_digits(bad: str) -> None:
    with pytest.raises(IdNumberError):
        check_digit(bad)


@pytest.mark.parametrize(
    "number",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits, as some IMEs type them
        "8\u0aee0000200001010009",  # a Gujarati eight among ASCII digits
    ],
)
def test_digits_of_other_scripts_are_refused(number: str) -> None:
    # Accepting them would give the same person a second, different ID hash.
    with pytest.raises(IdNumberError):
        normalize(number)
    with pytest.raises(IdNumberError):
        check_digit(number[:17])


def test_normalize_accepts_lower_case_x_and_spaces() -> None:
    assert normalize(" 110105 19491231 002x ") == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    "bad",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "1101051949123100211",  # 19 characters
        "11010519491231X02X",  # X inside
        "",
    ],
)
def test_normalize_refuses_malformed_numbers(bad: str) -> None:
    with pytest.raises(IdNumberError):
        normalize(bad)


def test_normalize_refuses_an_impossible_birth_date_even_with_the_right_check_digit() -> None:
    first17 = "32040219990230001"  # 30 February
    with pytest.raises(IdNumberError, match="出生日期"):
        normalize(first17 + check_digit(first17))


def test_birth_date_and_age() -> None:
    assert birth_date(STANDARD_EXAMPLE) == date(1949, 12, 31)
    assert age_on(STANDARD_EXAMPLE, date(2025, 12, 30)) == 75
    assert age_on(STANDARD_EXAMPLE, date(2025, 12, 31)) == 76


def test_age_of_a_leap_day_birth() -> None:
    number = make("320402", date(1964, 2, 29), 1)
    assert age_on(number, date(2025, 2, 28)) == 60
    assert age_on(number, date(2025, 3, 1)) == 61


def test_mask_shows_first_six_and_last_four() -> None:
    assert mask(STANDARD_EXAMPLE) == "110105********002X"


@pytest.mark.parametrize(
    ("text", "masked"), [("", ""), ("1234", "****"), ("1234567890", "**********")]
)
def test_mask_of_a_short_text_shows_nothing(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳小明", "欧**明"),
        ("王", "王"),
        (" 李四 ", "李*"),
        ("", ""),
    ],
)
def test_mask_name_for_public_screens(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@given(id_numbers)
def test_valid_numbers_round_trip_through_normalize(number: str) -> None:
    assert normalize(number) == number
    assert normalize(number.lower()) == number


@given(id_numbers, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_changed_character_is_detected(number: str, position: int, char: str) -> None:
    changed = number[:position] + char + number[position + 1 :]
    if changed != number:
        with pytest.raises(IdNumberError):
            normalize(changed)


@given(id_numbers, st.integers(min_value=0, max_value=15))
def test_swapping_two_neighbouring_digits_is_detected(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    if a != b:
        with pytest.raises(IdNumberError):
            normalize(swapped)


@given(id_numbers, birth_dates)
def test_age_is_whole_years_since_birth(number: str, day: date) -> None:
    born = birth_date(number)
    age = age_on(number, day)
    if day >= born:
        assert age >= 0
        assert date(born.year + age, 1, 1) <= day
    # One day short of the next birthday the age has not yet gone up.
    assert age == day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@given(st.text(alphabet="0123456789Xabc张", max_size=40))
def test_mask_never_reveals_more_than_ten_characters(text: str) -> None:
    masked = mask(text)
    assert len(masked) == len(text)
    shown = [c for c, m in zip(text, masked, strict=True) if c == m]
    assert len(shown) <= 10
    assert all(m == "*" for m in masked[6:-4])


@given(id_numbers)
def test_masked_number_never_shows_the_birth_date(number: str) -> None:
    assert mask(number)[6:14] == "********"


@given(st.text(alphabet="张王李欧阳小明三", min_size=2, max_size=6))
def test_masked_name_keeps_its_length_and_hides_the_middle(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    assert "*" in masked
