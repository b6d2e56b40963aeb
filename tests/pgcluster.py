"""A throwaway PostgreSQL cluster for tests and benchmarks (Debian's ``postgresql`` binaries).

``PgCluster(folder).start()`` runs ``initdb`` in the folder and starts a server on a free
loopback port with its socket in the folder; ``database(name)`` creates a database and gives
its URL; ``restart(mode)`` stops it (``immediate``: a crash) and starts it again; ``stop()``
ends it. Run as root (CI), the cluster belongs to the ``postgres`` system user, because
PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

SUPERUSER = "hallkit"


def postgres_bin() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/N/bin`` holding ``initdb``, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgClusterError(RuntimeError):
    """The cluster could not be made or started; the message carries the server's own words."""


class PgCluster:
    """One PostgreSQL server in ``folder``, for as long as a test session or a benchmark runs."""

    def __init__(self, folder: str | Path, *, durable: bool = False) -> None:
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self.durable = durable
        binaries = postgres_bin()
        if binaries is None:
            raise PgClusterError(
                "PostgreSQL is not installed: `apt-get install postgresql` (make test does it)"
            )
        self.bin = binaries
        self._as_postgres = os.geteuid() == 0

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if check and done.returncode != 0:
            raise PgClusterError(f"{argv[0]} failed: {done.stdout}{done.stderr}{self._log_tail()}")
        return done

    def _log_tail(self) -> str:
        try:
            return "\n" + self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def start(self) -> PgCluster:
        """initdb (first time) and start the server; raises PgClusterError."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.folder.chmod(0o700)
        if not self.data.exists():
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            )
        self._start()
        return self

    def _start(self) -> None:
        options = [
            f"-p {self.port}",
            f"-k {self.folder}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
            "-c shared_buffers=128MB",
        ]
        if not self.durable:
            # Tests kill processes, never the machine: the OS keeps what the server wrote.
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", " ".join(options), "start",
        )  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def database(self, name: str) -> str:
        """Create the database ``name`` (dropped first if it exists); its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self, mode: str = "fast") -> None:
        """Stop (``fast``, or ``immediate`` as a crash would) and start again, same port."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self._start()

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
