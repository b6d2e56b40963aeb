"""PIN hashes: made, checked, and refused when malformed; staff references checked."""

from __future__ import annotations

import pytest

from config import sample_hall
from config.errors import ConfigError
from config.loader import config_from_dict
from config.pins import hash_card, hash_pin, hash_problem, verify_card, verify_pin
from config.sample import DEMO_STAFF_PIN, DEMO_TECHNICIAN_PIN, sample_hall_data


def test_a_hashed_pin_verifies_and_another_does_not() -> None:
    stored = hash_pin("0419", iterations=1000)
    assert verify_pin("0419", stored)
    assert not verify_pin("0418", stored)
    assert "0419" not in stored


def test_two_hashes_of_one_pin_differ_by_salt() -> None:
    assert hash_pin("123456", iterations=1000) != hash_pin("123456", iterations=1000)


@pytest.mark.parametrize("pin", ["", "123", "12a4", "1234567890123", " 1234"])
def test_a_pin_that_is_not_4_to_12_digits_is_refused(pin: str) -> None:
    with pytest.raises(ValueError, match="4 to 12 digits"):
        hash_pin(pin)
    assert not verify_pin(pin, hash_pin("1234", iterations=1000))


@pytest.mark.parametrize("stored", ["", "1234", "sha1$1$abc$def", "pbkdf2_sha256$x$y$z"])
def test_a_malformed_hash_never_verifies_and_says_how_to_make_one(stored: str) -> None:
    assert not verify_pin("1234", stored)
    assert "hall config hash-pin" in (hash_problem(stored) or "")


def test_the_sample_hall_has_clerks_and_a_technician_with_the_demo_pins() -> None:
    hall = sample_hall()
    assert len(hall.staff) >= 8
    assert verify_pin(DEMO_STAFF_PIN, hall.staff[0].pin_hash)
    assert hall.hall.technician_pin_hash is not None
    assert verify_pin(DEMO_TECHNICIAN_PIN, hall.hall.technician_pin_hash)
    assert hall.staff_member("1001") is not None and hall.staff_member("x") is None


def test_a_clear_pin_in_the_staff_list_is_a_config_error_naming_the_entry() -> None:
    data = sample_hall_data()
    data["staff"][2]["pin_hash"] = "2580"
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data, "hall.toml")
    assert "staff.2.pin_hash" in str(caught.value) or "staff[2]" in str(caught.value)
    assert "hash-pin" in str(caught.value)


def test_duplicate_staff_numbers_and_unknown_windows_are_reported() -> None:
    data = sample_hall_data()
    data["staff"][1]["number"] = data["staff"][0]["number"]
    data["staff"][3]["windows"] = [99]
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data, "hall.toml")
    text = str(caught.value)
    assert "duplicate staff number" in text
    assert "no window number 99" in text


def test_a_staff_card_hash_verifies_that_card_only_and_never_holds_the_number() -> None:
    number = "32040219880808007X"
    stored = hash_card(number.lower(), iterations=1000)
    assert verify_card(number, stored)
    assert not verify_card("320402198808080071", stored)
    assert number not in stored and hash_problem(stored) is None
    assert not verify_card("not a number", stored) and not verify_card(number, "x")
    with pytest.raises(ValueError, match="17 digits"):
        hash_card("12345")


def test_a_staff_members_card_hash_must_be_a_hash() -> None:
    data = sample_hall_data()
    data["staff"][0]["id_card_hash"] = "32040219880808007X"
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data, "hall.toml")
    assert "id_card_hash" in str(caught.value)
    data["staff"][0]["id_card_hash"] = hash_card("32040219880808007X", iterations=1000)
    assert config_from_dict(data, "hall.toml").staff[0].id_card_hash
