"""A simulated ESC/POS printer: the state machine (``SimPrinter``) and a TCP 9100 listener.

``SimPrinter`` takes the bytes a host sends, answers ``DLE EOT n`` from its state at once
(real-time commands, as a printer does, wherever they appear in the stream), and stores jobs.
A job is the bytes of one connection, or the bytes between two ``ESC @``. While the paper is
out, the cover open or the printer offline it prints nothing: a job that arrives then is stored
as failed with the reason. ``tickets=N`` gives it a roll that runs out after N printed jobs
(near end for the last ``near_at`` of them).

``PrinterSimulator`` serves one ``SimPrinter`` on TCP (one connection at a time, like the
printers it stands for); ``sim://printer?...`` in ``transport`` talks to a ``SimPrinter`` in
process through the same bytes.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from devices.printer.status import encode_status

log = logging.getLogger(__name__)

INIT = b"\x1b@"
DLE_EOT = b"\x10\x04"


class PaperLevel(StrEnum):
    OK = "ok"
    NEAR_END = "near"
    OUT = "out"


@dataclass(frozen=True)
class SimJob:
    number: int  # 1, 2, … in arrival order
    data: bytes
    printed: bool
    reason: str = ""  # why it was not printed: "paper out", "cover open", "offline"
    at: float = 0.0  # time.time() when it ended


class SimPrinter:
    """The printer's state and its stored jobs. Thread-safe."""

    def __init__(
        self,
        *,
        paper: PaperLevel | str = PaperLevel.OK,
        cover_open: bool = False,
        online: bool = True,
        answers_status: bool = True,
        tickets: int | None = None,
        near_at: int = 3,
        on_job: Callable[[SimJob], None] | None = None,
    ) -> None:
        """``answers_status=False`` plays a printer that never answers DLE EOT (many cheap
        USB units); ``tickets``: printed jobs left on the roll (None: endless); ``on_job`` is
        called (on the receiving thread) with each finished job."""
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self.paper = PaperLevel(paper)
        self.cover_open = cover_open
        self.online = online
        self.answers_status = answers_status
        self.tickets = tickets
        self.near_at = near_at
        self._on_job = on_job
        self._jobs: list[SimJob] = []
        self._current = bytearray()
        self._carry = b""
        self._blocked = ""
        self.status_requests = 0

    # -- what a technician does to it ---------------------------------------------------------

    def set_paper(self, paper: PaperLevel | str) -> None:
        with self._lock:
            self.paper = PaperLevel(paper)
            if self.paper is not PaperLevel.OUT and self.tickets == 0:
                self.tickets = None  # a new roll

    def set_cover(self, open_: bool) -> None:
        with self._lock:
            self.cover_open = open_

    def set_online(self, online: bool) -> None:
        with self._lock:
            self.online = online

    def set_answers_status(self, answers: bool) -> None:
        with self._lock:
            self.answers_status = answers

    # -- what the host does -------------------------------------------------------------------

    def receive(self, data: bytes) -> bytes:
        """Take bytes from the host; returns the status bytes to send back (maybe none)."""
        replies = bytearray()
        finished: list[SimJob] = []
        with self._lock:
            buf = self._carry + data
            self._carry = b""
            pos = 0
            while pos < len(buf):
                found = buf.find(DLE_EOT, pos)
                if found < 0:
                    keep = 1 if buf.endswith(DLE_EOT[:1]) else 0  # DLE EOT may be split
                    finished += self._append(buf[pos : len(buf) - keep])
                    self._carry = buf[len(buf) - keep :]
                    break
                finished += self._append(buf[pos:found])
                if found + 2 >= len(buf):
                    self._carry = buf[found:]
                    break
                n = buf[found + 2]
                if 1 <= n <= 4:
                    replies += self._status_reply(n)
                    pos = found + 3
                else:
                    finished += self._append(buf[found : found + 2])
                    pos = found + 2
        self._announce(finished)
        return bytes(replies)

    def end_connection(self) -> None:
        """The host closed the connection: whatever it sent is one finished job."""
        with self._lock:
            finished = self._append(self._carry)
            self._carry = b""
            finished += self._finish(bytes(self._current))
            self._current = bytearray()
        self._announce(finished)

    @property
    def jobs(self) -> list[SimJob]:
        with self._lock:
            return list(self._jobs)

    def wait_for_jobs(self, count: int, timeout: float) -> list[SimJob]:
        """The stored jobs once there are at least ``count`` (or at ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        with self._done:
            while len(self._jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._done.wait(left)
            return list(self._jobs)

    # -- inside (lock held) -------------------------------------------------------------------

    def _fault(self) -> str:
        if self.paper is PaperLevel.OUT:
            return "paper out"
        if self.cover_open:
            return "cover open"
        return "" if self.online else "offline"

    def _status_reply(self, n: int) -> bytes:
        self.status_requests += 1
        if not self.answers_status or n == 3:
            return b""
        paper_out = self.paper is PaperLevel.OUT
        replies = encode_status(
            online=self.online and not paper_out and not self.cover_open,
            cover_open=self.cover_open,
            paper_end=paper_out,
            paper_near_end=self.paper is PaperLevel.NEAR_END,
        )
        return replies[n]

    def _append(self, chunk: bytes) -> list[SimJob]:
        if not chunk:
            return []
        finished: list[SimJob] = []
        search_from = max(len(self._current) - 1, 1)  # ESC @ may straddle two chunks
        self._current += chunk
        self._blocked = self._blocked or self._fault()
        while (at := self._current.find(INIT, search_from)) > 0:
            finished += self._finish(bytes(self._current[:at]))
            self._current = self._current[at:]
            self._blocked = self._fault()
            search_from = 1
        return finished

    def _finish(self, data: bytes) -> list[SimJob]:
        blocked, self._blocked = self._blocked, ""
        if not data.replace(INIT, b""):
            return []  # a bare ESC @ (or nothing): no job
        job = SimJob(len(self._jobs) + 1, data, not blocked, blocked, time.time())
        self._jobs.append(job)
        if job.printed and self.tickets is not None:
            self.tickets = max(self.tickets - 1, 0)
            if self.tickets == 0:
                self.paper = PaperLevel.OUT
            elif self.tickets <= self.near_at:
                self.paper = PaperLevel.NEAR_END
        self._done.notify_all()
        return [job]

    def _announce(self, jobs: list[SimJob]) -> None:
        for job in jobs:
            log.info(
                "sim printer: job %d %s (%d bytes)",
                job.number,
                job.reason or "printed",
                len(job.data),
            )
            if self._on_job is not None:
                self._on_job(job)


class PrinterSimulator:
    """``SimPrinter`` on a TCP port, one connection at a time. A context manager."""

    def __init__(
        self,
        printer: SimPrinter | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        idle_seconds: float = 30.0,
    ) -> None:
        """``port=0`` picks a free port (see ``address``); a connection silent for
        ``idle_seconds`` is closed, as network printers do."""
        self.printer = printer or SimPrinter()
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.2)
        self.host, self.port = self._listener.getsockname()[:2]
        self._idle = idle_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-sim", daemon=True)

    @property
    def address(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def start(self) -> PrinterSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break  # listener closed
            with conn:
                self._talk(conn, peer)

    def _talk(self, conn: socket.socket, peer: object) -> None:
        conn.settimeout(0.2)
        last = time.monotonic()
        try:
            while not self._stop.is_set() and time.monotonic() - last < self._idle:
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                last = time.monotonic()
                reply = self.printer.receive(data)
                if reply:
                    conn.sendall(reply)
        except OSError as err:
            log.info("sim printer: connection from %s ended: %s", peer, err)
        finally:
            self.printer.end_connection()
