"""A reference central in its own process, for fault tests and benchmarks on one machine.

``CentralProcess`` runs ``python -m hall central serve`` on a loopback port with optional
injected faults, waits until it answers, registers halls in its store directly (SQLite WAL
allows it while the server runs) and stops it politely (SIGTERM) or hard (SIGKILL).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from sync.central.store import CentralStore
from sync.errors import SyncError
from sync.wire import RatingScale

log = logging.getLogger(__name__)


class CentralProcessError(SyncError):
    """The central process did not start, or died; the message carries its last output."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CentralProcess:
    """``hall central serve --data DIR`` on ``127.0.0.1:port`` (a free one by default).

    ``fail_rate`` / ``lose_answer_rate`` / ``seed`` are passed as the fault-injection flags;
    ``tls`` is (cert file, key file) for HTTPS; ``db`` a PostgreSQL URL (default: SQLite in the
    data folder); ``workers`` the worker processes. Use as a context manager or start/stop.
    """

    def __init__(
        self,
        data_dir: str | Path,
        *,
        port: int | None = None,
        fail_rate: float = 0.0,
        lose_answer_rate: float = 0.0,
        seed: int | None = None,
        tls: tuple[str, str] | None = None,
        db: str | None = None,
        workers: int = 1,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.db = db
        self.workers = workers
        self.port = port or _free_port()
        self.fail_rate = fail_rate
        self.lose_answer_rate = lose_answer_rate
        self.seed = seed
        self.tls = tls
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = self.data_dir / "central-process.log"

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process id; raises CentralProcessError before it was started."""
        if self._process is None:
            raise CentralProcessError("central was not started")
        return self._process.pid

    def command(self) -> list[str]:
        """The command line this process runs."""
        argv = [sys.executable, "-m", "hall", "central", "serve", "--data", str(self.data_dir)]
        argv += ["--bind", f"127.0.0.1:{self.port}"]
        argv += [
            "--fail-rate",
            str(self.fail_rate),
            "--lose-answer-rate",
            str(self.lose_answer_rate),
        ]
        if self.seed is not None:
            argv += ["--seed", str(self.seed)]
        if self.tls:
            argv += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        if self.db:
            argv += ["--db", self.db]
        if self.workers != 1:
            argv += ["--workers", str(self.workers)]
        return argv

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (with one worker, the server's own); Linux only."""
        if self.workers == 1:
            return [self.pid]
        pid = self.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
        except OSError:
            return []
        workers = []
        for part in text.split():
            try:
                command = Path(f"/proc/{part}/cmdline").read_bytes()
            except OSError:
                continue  # gone meanwhile
            if b"spawn_main" in command:  # not multiprocessing's resource tracker
                workers.append(int(part))
        return workers

    def start(self, timeout: float = 20.0) -> CentralProcess:
        """Start the server and wait until its port answers; raises CentralProcessError."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as output:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                self.command(), stdout=output, stderr=subprocess.STDOUT, cwd=os.getcwd()
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise CentralProcessError(f"central exited at start: {self.output()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise CentralProcessError(f"central did not listen within {timeout} s: {self.output()}")

    def output(self) -> str:
        """What the process printed so far (stdout and stderr)."""
        try:
            return self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def add_hall(self, name: str, rating_scale: RatingScale = "gbt39046") -> tuple[str, str]:
        """Register a hall in the store; returns (hall id, one-time enrollment code)."""
        store = self.store()
        try:
            hall, code = store.add_hall(name, rating_scale)
        finally:
            store.close()
        return hall.id, code

    def store(self) -> CentralStore:
        """A store handle on the same database for checks (the caller closes it)."""
        return CentralStore(self.db or self.data_dir / "central.db", pool_size=2)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM and wait; SIGKILL if it does not exit in ``timeout`` seconds."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("central did not stop within %.0f s; killing it", timeout)
            self.kill()

    def kill(self) -> None:
        """SIGKILL (a crash) and reap the process."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def __enter__(self) -> CentralProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
