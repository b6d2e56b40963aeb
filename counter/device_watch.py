"""The counter box's devices watched for the hall's staff: when the rating keypad or the receipt
printer stops working, the console's alerts inbox says so (a keypad unplugged means services
go unrated), once per fault, not once per check.

Qt-free: the counter app calls :meth:`DeviceWatch.check` from a timer; the alert itself is sent
by a background thread (:class:`hub.alert_sender.AlertSender`), so a check never blocks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Protocol

from devices.health import Health, HealthState


class AlertLine(Protocol):
    def alert(self, device: str, problem: str, detail: str = "", kind: str = "device") -> None: ...


FAULTS = frozenset({HealthState.ERROR, HealthState.ABSENT})
SETTLE_SECONDS = 15.0
"""A fault is reported once it has lasted this long: a device still connecting at start-up, or
back after a moment (a USB reset), is not worth a staff alert."""


class DeviceWatch:
    """Alerts ``alerts`` when a device of ``devices`` has been faulty for ``settle`` seconds
    (``source`` names the box, e.g. ``counter-3``); ``now`` is the wall clock the devices'
    ``Health.since`` is on."""

    def __init__(
        self,
        devices: Iterable[object],
        alerts: AlertLine,
        source: str,
        *,
        settle: float = SETTLE_SECONDS,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._devices = [d for d in devices if isinstance(getattr(d, "health", None), Health)]
        self._alerts = alerts
        self._source = source
        self._settle = settle
        self._now = now
        self._faulty: set[str] = set()

    def check(self) -> list[Health]:
        """Look at every device once; returns the faults reported by this call."""
        reported = []
        for device in self._devices:
            health: Health = device.health  # type: ignore[attr-defined]
            if health.state in FAULTS:
                lasted = self._now() - health.since
                if health.device not in self._faulty and lasted >= self._settle:
                    self._faulty.add(health.device)
                    problem = health.problem or f"{health.device}设备故障"
                    self._alerts.alert(f"{self._source}/{health.device}", problem, health.detail)
                    reported.append(health)
            else:
                self._faulty.discard(health.device)
        return reported
