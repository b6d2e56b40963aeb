"""Loading the golden reader replies of ``tests/fixtures/idcard`` (see make_fixtures.py there)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "idcard"


def golden(name: str) -> bytes:
    """The frame bytes stored in ``tests/fixtures/idcard/<name>.hex``."""
    return bytes.fromhex((FIXTURES / f"{name}.hex").read_text(encoding="ascii"))
