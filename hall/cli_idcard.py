"""``hall`` subcommands for the idcard: registered by ``hall.cli``; handlers import lazily."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this module's subcommands to the given subparsers."""
