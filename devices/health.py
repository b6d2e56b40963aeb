"""Device health as state: what every device service reports, and the doctor prints.

A service holds one ``HealthTracker``; it logs when the state flips (once when a device goes away,
once when it returns), never on every poll, and the apps read ``tracker.health`` to show a
sentence instead of an exception.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path


class HealthState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # works, but something needs attention (paper near end)
    ABSENT = "absent"  # not there: unplugged, port missing, connection refused
    ERROR = "error"  # there, but failing (SAM self-test failed, paper out, cover open)


@dataclass(frozen=True)
class Health:
    """One device's state. ``problem`` and ``advice`` are Chinese for staff screens;
    ``detail`` is the technical English for logs and the doctor."""

    device: str
    state: HealthState = HealthState.ABSENT
    problem: str = ""
    advice: str = ""
    detail: str = ""
    since: float = 0.0  # time.time() of the last state change

    @property
    def ok(self) -> bool:
        return self.state is HealthState.OK


def record_path(folder: str | Path, device: str) -> Path:
    """Where ``device``'s last health is recorded inside ``folder``."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in device)
    return Path(folder) / f"{safe}.health.json"


def read_recorded(folder: str | Path, device: str) -> dict[str, object] | None:
    """The health a running service last recorded for ``device`` (with ``last_error`` and its
    time), or None when nothing was recorded or the record is unreadable."""
    try:
        data = json.loads(record_path(folder, device).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class HealthTracker:
    """Thread-safe holder of one device's ``Health``; logs on state changes only.

    With ``record_dir`` the tracker also writes each change (and the last error with its time)
    to ``record_dir/<device>.health.json``, which ``hall doctor`` reads to say what went wrong
    while nobody was looking. Recording failures are logged once and never raised.
    """

    def __init__(
        self,
        device: str,
        logger: logging.Logger | None = None,
        record_dir: str | Path | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._health = Health(device, since=time.time())
        self._log = logger or logging.getLogger(__name__)
        self._record_dir = Path(record_dir) if record_dir else None
        self._last_error: dict[str, object] | None = None
        self._record_failed = False

    @property
    def health(self) -> Health:
        with self._lock:
            return self._health

    def set(
        self, state: HealthState, problem: str = "", advice: str = "", detail: str = ""
    ) -> Health:
        """Record the device's state; returns the new Health. Logs only when state changes."""
        with self._lock:
            old = self._health
            changed = old.state is not state or old.problem != problem
            new = replace(
                old,
                state=state,
                problem=problem,
                advice=advice,
                detail=detail,
                since=time.time() if changed else old.since,
            )
            self._health = new
        if changed:
            self._record(new)
            level = logging.INFO if state is HealthState.OK else logging.WARNING
            self._log.log(
                level,
                "%s: %s%s",
                new.device,
                state.value,
                f" ({detail or problem})" if state is not HealthState.OK else "",
            )
        return new

    def ok(self, detail: str = "") -> Health:
        return self.set(HealthState.OK, detail=detail)

    def _record(self, health: Health) -> None:
        if self._record_dir is None:
            return
        if health.state is not HealthState.OK:
            self._last_error = {
                "state": health.state.value,
                "problem": health.problem,
                "detail": health.detail,
                "at": health.since,
            }
        data = asdict(health) | {"state": health.state.value, "last_error": self._last_error}
        path = record_path(self._record_dir, health.device)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(".tmp")
            temp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temp, path)
        except OSError as err:
            if not self._record_failed:
                self._log.warning("cannot record %s health in %s: %s", health.device, path, err)
            self._record_failed = True
