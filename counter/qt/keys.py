"""The counter's keyboard shortcuts from ``DeviceSettings.counter_keys`` (Qt portable key text).

A USB number pad is a hardware caller with the defaults: ``Num+Enter`` calls next, ``Num++``
finishes, ``Num+.`` recalls, ``Num+-`` skips, ``Num+*`` calls a given number. A key text Qt cannot
read, a chord of several keys, or one key given to two actions is a start-up error naming it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

PORTABLE = QKeySequence.SequenceFormat.PortableText


class KeyConfigError(ValueError):
    """A counter_keys entry cannot be used; ``str()`` names the action and the key text."""


def parse_keys(keys: Mapping[str, Sequence[str]]) -> dict[str, list[QKeySequence]]:
    """Each action's key sequences; raises KeyConfigError for an unreadable key text, a chord,
    or a key bound to two actions."""
    parsed: dict[str, list[QKeySequence]] = {}
    owner: dict[str, str] = {}
    for action, texts in keys.items():
        sequences: list[QKeySequence] = []
        for text in texts:
            sequence = QKeySequence.fromString(text, PORTABLE)
            if sequence.count() != 1 or _first_key(sequence) == Qt.Key.Key_unknown:
                raise KeyConfigError(
                    f"counter_keys.{action}: {text!r} is not one key Qt can read "
                    f"(write e.g. F1, Ctrl+R or Num+Enter)"
                )
            shown = sequence.toString(PORTABLE)
            if shown in owner and owner[shown] != action:
                raise KeyConfigError(
                    f"counter_keys.{action}: {text!r} is already the key of {owner[shown]}"
                )
            owner[shown] = action
            sequences.append(sequence)
        parsed[action] = sequences
    return parsed


def key_label(sequences: Sequence[QKeySequence]) -> str:
    """The keys as a button shows them: ``F1 / 小键盘Enter``."""
    shown = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences]
    return " / ".join(text.replace("Num+", "小键盘") for text in shown)


def _first_key(sequence: QKeySequence) -> Qt.Key:
    key: Qt.Key = sequence[0].key()  # type: ignore[index]  # PySide6's stubs lack __getitem__
    return key
