"""What the hall says: ticket numbers digit by digit, window numbers as digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.speech.text import (
    MAX_TEXT,
    SpeechTextError,
    announcement_text,
    call_text,
    recall_text,
    spell_ticket,
)


def test_a_call_spells_the_ticket_digit_by_digit_and_names_the_window() -> None:
    assert call_text("A001", 3) == "请A零零一号到3号窗口办理"


def test_every_digit_has_its_chinese_numeral() -> None:
    assert spell_ticket("A012345") == "A零一二三四五"
    assert spell_ticket("Z678901") == "Z六七八九零一"


def test_ticket_letters_are_kept_upper_case_and_spaces_trimmed() -> None:
    assert spell_ticket(" b12 ") == "B一二"
    assert spell_ticket("VIP7") == "VIP七"
    assert spell_ticket("0042") == "零零四二"


def test_a_two_digit_window_stays_a_number() -> None:
    assert call_text("C120", 12) == "请C一二零号到12号窗口办理"


def test_a_recall_says_it_is_the_same_call_again() -> None:
    assert recall_text("A001", 3) == "再次呼叫，请A零零一号到3号窗口办理"


@pytest.mark.parametrize("number", ["", "A", "请001", "A-001", "ABCD001", "A1234567", "A00一"])
def test_malformed_ticket_numbers_are_refused(number: str) -> None:
    with pytest.raises(SpeechTextError, match="not a ticket number"):
        spell_ticket(number)


@pytest.mark.parametrize("window", [0, -1, True])
def test_window_numbers_start_at_one(window: int) -> None:
    with pytest.raises(SpeechTextError, match="window"):
        call_text("A001", window)


def test_free_text_is_folded_to_single_spaces() -> None:
    assert announcement_text("  午间 \n 休息，\t请稍候 ") == "午间 休息， 请稍候"


@pytest.mark.parametrize(("text", "message"), [(" \n", "empty"), ("啊" * (MAX_TEXT + 1), "longer")])
def test_free_text_must_be_something_short(text: str, message: str) -> None:
    with pytest.raises(SpeechTextError, match=message):
        announcement_text(text)


@given(st.from_regex(r"[A-Z]{0,3}[0-9]{1,6}", fullmatch=True))
def test_spelled_tickets_have_no_arabic_digits_and_one_character_per_character(
    number: str,
) -> None:
    spelled = spell_ticket(number)
    assert len(spelled) == len(number)
    assert not any(c.isascii() and c.isdigit() for c in spelled)
