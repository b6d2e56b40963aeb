"""The boards' Qt tests draw offscreen (set before pytest-qt makes the QApplication)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
