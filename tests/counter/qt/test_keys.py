"""counter_keys: Qt portable key text, one key each, a bad entry named at start-up."""

from __future__ import annotations

import pytest

from config.schema import DeviceSettings
from counter.qt.keys import KeyConfigError, key_label, parse_keys


def test_the_default_keys_make_the_number_pad_a_caller(qapp: object) -> None:
    keys = parse_keys({k: list(v) for k, v in DeviceSettings().counter_keys.items()})
    assert [k.toString() for k in keys["call_next"]] == ["F1", "Num+Enter"]
    assert key_label(keys["finish"]) == "F4 / 小键盘+"


def test_a_key_qt_cannot_read_is_named_with_its_action(qapp: object) -> None:
    with pytest.raises(KeyConfigError, match=r"counter_keys.recall: 'Ctrl\+Foo' is not one key"):
        parse_keys({"call_next": ["F1"], "recall": ["Ctrl+Foo"]})


def test_a_chord_is_refused(qapp: object) -> None:
    with pytest.raises(KeyConfigError, match="call_next"):
        parse_keys({"call_next": ["F1, F2"]})


def test_one_key_for_two_actions_is_refused(qapp: object) -> None:
    with pytest.raises(KeyConfigError, match="already the key of call_next"):
        parse_keys({"call_next": ["F1"], "skip": ["F1"]})
