"""Golden frames from tests/fixtures/sign/frames.txt."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sign" / "frames.txt"


def golden(name: str) -> bytes:
    """The frame called ``name`` in the fixture file."""
    for line in FIXTURES.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(":")
        if sep and not key.startswith("#") and key.strip() == name:
            return bytes.fromhex(value)
    raise KeyError(name)
