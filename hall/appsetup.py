"""The command line's side of every hall app's start-up (kiosk, counter, board, display): one set
of options for all of them, and :func:`resolve`, which works out the hall configuration, this box's
device section, the hub's address, the box's device token and its own data folder and hands the
app one :class:`appkit.startup.AppSetup`.

Resolution order: command-line option, then environment (``HALLKIT_CONFIG``, ``HALLKIT_BOX``,
``HALLKIT_HUB``, ``HALLKIT_TOKEN``, ``HALLKIT_DATA``), then the box's ``[devices.BOX]`` section,
then defaults (``/etc/hallkit/hall.toml`` when it exists, else the built-in sample hall; the host
name; ``/var/lib/hallkit``); the configuration file is found by :mod:`hall.paths` as for every
``hall`` command. Problems a
technician must fix raise :class:`appkit.startup.AppSetupError` with one sentence saying what and how.
"""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

from appkit.startup import AppSetup, AppSetupError
from config import ConfigError, load_config, sample_hall
from config.schema import DeviceSettings
from hall.paths import config_help, config_path

DEFAULT_DATA = Path("/var/lib/hallkit")
TOKEN_NAME = "device.token"  # noqa: S105 (a file name, not a secret)

# Which [devices.BOX] roles fit which app (a ticket machine runs the kiosk app).
APP_ROLES: dict[str, tuple[str, ...]] = {
    "kiosk": ("kiosk", "ticket"),
    "counter": ("counter",),
    "board": ("board", "counter"),  # a counter PC may drive its window's board too
    "display": ("display", "hub"),  # a small station shows the display from the hub box
}


def add_app_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every hall app takes (see the module docstring for their defaults)."""
    parser.add_argument("--config", help=config_help())
    parser.add_argument("--box", help="this box's name in [devices.NAME] (default: host name)")
    parser.add_argument("--hub", help="the hub's address, e.g. http://10.0.0.2:8700")
    parser.add_argument(
        "--token-file", help=f"this box's device token (default: DATA/{TOKEN_NAME})"
    )
    parser.add_argument("--data", help=f"this box's data folder (default: {DEFAULT_DATA})")


def resolve(args: argparse.Namespace, app: str) -> AppSetup:
    """Read the configuration and work out this box's settings for ``app``.

    Raises AppSetupError for an unreadable configuration (with every problem listed), a box
    section whose role does not fit ``app``, or an unreadable token file.
    """
    found = config_path(getattr(args, "config", None))
    try:
        config = load_config(found) if found else sample_hall()
    except ConfigError as err:
        raise AppSetupError(str(err)) from err
    box = getattr(args, "box", None) or os.environ.get("HALLKIT_BOX") or socket.gethostname()
    section = config.devices.get(box)
    if section is not None and section.role not in APP_ROLES[app]:
        raise AppSetupError(
            f"[devices.{box}] is a {section.role} box, not a {app}: pass --box with the right "
            f"name or fix role in the configuration"
        )
    settings = section if section is not None else DeviceSettings(role=APP_ROLES[app][0])
    hub_url = (getattr(args, "hub", None) or os.environ.get("HALLKIT_HUB") or settings.hub).rstrip(
        "/"
    )
    data_text = getattr(args, "data", None) or os.environ.get("HALLKIT_DATA")
    data_dir = Path(data_text) if data_text else DEFAULT_DATA
    token_text = getattr(args, "token_file", None)
    token_path = Path(token_text) if token_text else data_dir / TOKEN_NAME
    token = os.environ.get("HALLKIT_TOKEN") or None
    if token is None:
        try:
            token = token_path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            token = None
        except OSError as err:
            raise AppSetupError(f"cannot read the device token {token_path}: {err}") from err
    return AppSetup(
        config=config,
        config_path=found,
        box=box,
        settings=settings,
        configured=section is not None,
        hub_url=hub_url,
        token=token,
        token_path=token_path,
        data_dir=data_dir,
    )
