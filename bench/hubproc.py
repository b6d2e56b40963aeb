"""A hub under test as its own process, and the small measuring tools the benchmarks share."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from hall.hubprocess import HubProcess as SharedHubProcess


class HubProcess(SharedHubProcess):
    """The shared hub process, logging beside its data folder, plus its CPU time."""

    def __init__(self, data_dir: Path, config: Path | None = None) -> None:
        super().__init__(data_dir, config, log_path=data_dir.parent / f"{data_dir.name}.log")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the hub process has used so far (None without /proc)."""
        if self.process is None:
            return None
        return process_cpu_seconds(self.process.pid)


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` from ``/proc/PID/stat`` (None if unknown)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = text.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``samples`` (``pct`` in 0..100); NaN when there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def sleep_until(instant: float) -> None:
    """Sleep until ``time.perf_counter()`` reaches ``instant`` (returns at once if it has)."""
    delay = instant - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
