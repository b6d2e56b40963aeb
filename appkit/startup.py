"""What a hall app is given when it starts, and how it says it cannot start.

The ``hall`` command works the settings out (``hall.appsetup``: options, environment, the box's
``[devices.BOX]`` section, defaults) and hands the app one :class:`AppSetup`; the apps themselves
(kiosk, counter, boards) import only this module, never ``hall``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from config import HallConfig
from config.schema import DeviceSettings


class AppSetupError(Exception):
    """The app cannot start as configured; ``str()`` says what to fix."""


@dataclass(frozen=True)
class AppSetup:
    config: HallConfig
    config_path: Path | None
    box: str
    settings: DeviceSettings  # this box's section, or the defaults when it has none
    configured: bool  # whether the configuration has a [devices.BOX] section for this box
    hub_url: str
    token: str | None  # None: no token yet (tours and tests work without one)
    token_path: Path
    data_dir: Path

    def require_token(self) -> str:
        """The device token; raises AppSetupError saying how to get one when there is none."""
        if self.token:
            return self.token
        raise AppSetupError(
            f"no device token at {self.token_path}: on the hub box run "
            f"`hall token add --data HUB_DATA --role ROLE --name {self.box}` and copy the token "
            f"into that file (or pass --token-file / set HALLKIT_TOKEN)"
        )
