"""``hall device …``: the technician's commands for the hall's hardware.

Each kind of device registers its own commands from its own module (``hall.cli_idcard``,
``hall.cli_printer``, ``hall.cli_keypad``, ``hall.cli_speech``); handlers import lazily so that
``hall --help`` stays fast and needs no hardware library.
"""

from __future__ import annotations

import argparse
from typing import Any

from hall import cli_idcard, cli_keypad, cli_printer, cli_speech


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``hall device`` and its subcommands to the ``hall`` parser."""
    device = sub.add_parser("device", help="read, test and simulate the hall's devices")
    device_sub = device.add_subparsers(dest="device_command", required=True)
    simulate = device_sub.add_parser(
        "simulate", help="run a simulated device (pty or TCP) for demos and tests, until Ctrl-C"
    )
    simulate_sub = simulate.add_subparsers(dest="simulate_device", required=True)
    for module in (cli_idcard, cli_printer, cli_keypad, cli_speech):
        module.register(device_sub, simulate_sub)
