"""A hub under test as its own process, and the small measuring tools the benchmarks share."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from hub.client import HubClient, HubUnavailable

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 30.0


def free_port() -> int:
    """A TCP port on the loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HubProcess:
    """``python -m hall hub --always-open`` on a data folder, as in a hall (uvicorn, one process).

    Use as a context manager: it starts the hub and waits for its health check, and stops it
    (SIGTERM, then SIGKILL) on exit. Raises RuntimeError if the hub does not come up.
    """

    def __init__(self, data_dir: Path, config: Path | None = None) -> None:
        self.data_dir = data_dir
        self.config = config
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> HubProcess:
        command = [
            sys.executable,
            "-m",
            "hall",
            "hub",
            "--data",
            str(self.data_dir),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--always-open",
        ]
        if self.config is not None:
            command += ["--config", str(self.config)]
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": path},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def _wait_ready(self) -> None:
        probe = HubClient(self.base_url, "-", timeout=1.0)
        deadline = time.monotonic() + START_SECONDS
        try:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    break
                try:
                    probe.health()
                    return
                except HubUnavailable:
                    time.sleep(0.05)
        finally:
            probe.close()
        self.__exit__()
        raise RuntimeError(f"the hub did not start; see {self.log_path}")

    @property
    def admin_token(self) -> str:
        return (self.data_dir / "admin.token").read_text().strip()

    def client(self, token: str | None = None) -> HubClient:
        return HubClient(self.base_url, token or self.admin_token, timeout=10.0)

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
