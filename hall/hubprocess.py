"""A hub in its own process, as in a hall: used by ``hall demo``, the benchmarks and the
crash-safety tests, so all three start, probe and stop a hub the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from appkit.net import free_port
from hub.client import HubClient, HubRefused, HubUnavailable

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 30.0


class HubProcess:
    """``python -m hall hub --always-open`` on a data folder.

    ``bind`` fixes the address; without it a free loopback port is picked at each start (and
    retried if another process takes it first). Output goes to ``log_path``, or to this process's
    own output when it is None; ``extra_args`` are added to ``hall hub``'s command line. As a
    context manager it starts the hub, waits for its health check, and stops it (SIGTERM, then
    SIGKILL) on exit.
    """

    def __init__(
        self,
        data_dir: Path,
        config: Path | None = None,
        *,
        log_path: Path | None = None,
        bind: str | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.data_dir = data_dir
        self.config = config
        self.log_path = log_path
        self.bind = bind
        self.extra_args = list(extra_args)
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def spawn(self) -> None:
        """Start the process without waiting for it to answer."""
        bind = self.bind or f"127.0.0.1:{free_port()}"
        self.base_url = f"http://{bind}"
        command = [sys.executable, "-m", "hall", "hub", "--data", str(self.data_dir),
                   "--bind", bind, "--always-open"]  # fmt: skip
        if self.config is not None:
            command += ["--config", str(self.config)]
        command += self.extra_args
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        log = self.log_path.open("ab") if self.log_path else None
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log else None
            )
        finally:
            if log is not None:
                log.close()

    def start(self) -> None:
        """Start the hub and wait for its health check; raises RuntimeError if it never answers."""
        for _ in range(1 if self.bind else 3):
            self.spawn()
            if self.wait_ready():
                return
        where = f"; see {self.log_path}" if self.log_path else ""
        raise RuntimeError(f"the hub did not start{where}")

    def wait_ready(self, seconds: float = START_SECONDS) -> bool:
        """True once the hub answers; False (and the process killed) if it exits or times out."""
        probe = HubClient(self.base_url, "-", timeout=1.0)
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    return False
                try:
                    probe.health()
                    return True
                except (HubUnavailable, HubRefused):
                    # nothing answers yet, or another server holds the port (ours then exits)
                    time.sleep(0.05)
        finally:
            probe.close()
        self.kill()
        return False

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if the hub has not stopped within 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown code of the hub runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def __enter__(self) -> HubProcess:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def admin_token(self) -> str:
        return (self.data_dir / "admin.token").read_text().strip()

    def client(self, token: str | None = None) -> HubClient:
        return HubClient(self.base_url, token or self.admin_token, timeout=10.0)
