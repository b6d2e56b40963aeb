"""The packages fixtures (tests/packaging/debfiles.py), shared by every test here."""

from tests.packaging.debfiles import debs, extracted

__all__ = ["debs", "extracted"]
