"""The printer service: one thread owns the printer, prints queued jobs, and keeps its health.

Before each job it asks the printer's status and refuses to send into a known fault (paper out,
cover open, offline); after the job it asks again, so the caller learns whether the slip came
out: ``printed`` (the printer says it is fine afterwards), ``unconfirmed`` (bytes sent, but the
printer does not answer status requests), or ``failed`` (not sent, or the printer reports a
fault afterwards), always with the printer's ``Health``. Faults are health states, never
exceptions to the caller. While idle the thread polls the status every ``poll_seconds``, so a
refilled printer shows as ok again without anyone printing.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from devices.errors import DecodeError, DeviceAbsent, DeviceError, DeviceTimeout
from devices.health import Health, HealthState, HealthTracker
from devices.printer.escpos import render
from devices.printer.layout import PAPER_80, Document, Paper
from devices.printer.link import PrinterLink
from devices.printer.status import REQUESTS, PrinterStatus, decode_replies, status_request
from devices.printer.transport import open_link

log = logging.getLogger(__name__)

# What staff see (problem) and what to do (advice), by cause.
PAPER_END = ("打印机缺纸", "请打开打印机上盖，装入新的热敏纸卷（光面朝向打印头）后合上上盖")
COVER_OPEN = ("打印机上盖未合上", "请把打印机上盖压紧合好")
FAULT = ("打印机故障", "请检查是否卡纸或切刀卡住；关闭打印机电源，十秒后重新打开")
OFFLINE = ("打印机脱机", "请查看打印机指示灯，确认纸卷已装好、上盖已合上")
NEAR_END = ("打印纸即将用完", "请尽快准备新的热敏纸卷并更换")
SILENT = ("无法读取打印机状态", "打印机不回答状态查询，请留意出票是否正常")
ABSENT = ("未连接打印机", "请检查打印机电源是否打开，USB线或网线是否插好；接好后会自动恢复")
TIMEOUT = ("打印机无响应", "请检查打印机电源和连接线，必要时关闭电源后重新打开")
LINK_ERROR = ("打印机通信故障", "请联系技术人员检查打印机连接和设置")


class JobOutcome(StrEnum):
    PRINTED = "printed"
    UNCONFIRMED = "unconfirmed"  # sent, but the printer gives no status to confirm it
    FAILED = "failed"


@dataclass(frozen=True)
class PrintResult:
    outcome: JobOutcome
    health: Health
    status: PrinterStatus = field(default_factory=PrinterStatus)
    detail: str = ""  # English, for logs: why a job failed when health alone does not say

    @property
    def printed(self) -> bool:
        """True unless the job certainly did not (completely) print."""
        return self.outcome is not JobOutcome.FAILED


def health_of(status: PrinterStatus) -> tuple[HealthState, tuple[str, str], str]:
    """Health state, (problem, advice) and English detail for a status reply."""
    if status.paper_end:
        return HealthState.ERROR, PAPER_END, "paper end"
    if status.cover_open:
        return HealthState.ERROR, COVER_OPEN, "cover open"
    if status.error:
        return HealthState.ERROR, FAULT, "printer reports an error (cutter, head temperature)"
    if status.online is False:
        return HealthState.ERROR, OFFLINE, "offline"
    if status.paper_near_end:
        return HealthState.DEGRADED, NEAR_END, "paper near end"
    if not status.known:
        return HealthState.DEGRADED, SILENT, "no reply to DLE EOT: status unknown"
    return HealthState.OK, ("", ""), "online, paper ok"


_STOP = object()


class PrinterService:
    """Owns one printer's link and thread. Start it once; every method is safe from any thread."""

    def __init__(
        self,
        link: PrinterLink | str,
        *,
        page: Paper = PAPER_80,
        device: str = "printer",
        poll_seconds: float = 10.0,
        status_timeout: float = 0.5,
        record_dir: str | Path | None = None,
    ) -> None:
        """``link``: a link or a printer address (``tcp://…``, ``usb://…``, …); ``page``: the
        paper width documents are rendered for; ``status_timeout``: seconds to wait for each
        status byte. Raises DeviceAddressError for a malformed address."""
        self._link = open_link(link) if isinstance(link, str) else link
        self.page = page
        self._poll = poll_seconds
        self._status_timeout = status_timeout
        self._tracker = HealthTracker(device, log, record_dir)
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"{device}-service", daemon=True)

    @property
    def health(self) -> Health:
        return self._tracker.health

    @property
    def link(self) -> PrinterLink:
        return self._link

    def start(self) -> PrinterService:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the queued work, then end the thread and close the printer."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def submit(self, job: Document | bytes) -> Future[PrintResult]:
        """Queue a document (rendered for ``page``) or ready ESC/POS bytes."""
        future: Future[PrintResult] = Future()
        self._queue.put((job, future))
        return future

    def print(self, job: Document | bytes, timeout: float = 30.0) -> PrintResult:
        """Print and wait. A job still queued after ``timeout`` seconds is withdrawn and
        reported failed, so it can never come out later behind the caller's back; a job
        already being sent is waited for (the link's own time limits bound it)."""
        future = self.submit(job)
        try:
            return future.result(timeout)
        except TimeoutError:
            if future.cancel():
                detail = f"job withdrawn: not started within {timeout:g} s (printer busy)"
                log.warning("%s", detail)
                return PrintResult(JobOutcome.FAILED, self.health, detail=detail)
            return future.result()

    def check(self) -> Future[Health]:
        """Ask the printer's status now (on the service thread)."""
        future: Future[Health] = Future()
        self._queue.put(future)
        return future

    # -- the service thread -------------------------------------------------------------------

    def _run(self) -> None:
        self._check()  # health is real from the start, not "absent" until the first job
        while True:
            try:
                item = self._queue.get(timeout=self._poll)
            except queue.Empty:
                self._check()
                continue
            if item is _STOP:
                break
            if isinstance(item, Future):
                item.set_result(self._check())
            elif isinstance(item, tuple):
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(self._print(job))
                except Exception as err:  # a bug, not a printer fault: tell the caller, live on
                    log.exception("printer job crashed")
                    future.set_exception(err)
        self._link.close()

    def _read_status(self) -> PrinterStatus:
        replies: dict[int, bytes | None] = {}
        for n in REQUESTS:
            replies[n] = self._link.request(status_request(n), self._status_timeout)
            if not replies[n]:
                break  # a printer that ignores one request ignores them all: save the waits
        try:
            return decode_replies(replies)
        except DecodeError as err:
            log.info("%s: status reply not understood: %s", self._link.address, err)
            return PrinterStatus()

    def _set(self, status: PrinterStatus) -> Health:
        state, (problem, advice), detail = health_of(status)
        return self._tracker.set(state, problem, advice, detail)

    def _fail(self, err: DeviceError) -> Health:
        self._link.close()
        if isinstance(err, DeviceAbsent):
            return self._tracker.set(HealthState.ABSENT, *ABSENT, str(err))
        if isinstance(err, DeviceTimeout):
            return self._tracker.set(HealthState.ERROR, *TIMEOUT, str(err))
        return self._tracker.set(HealthState.ERROR, *LINK_ERROR, str(err))

    def _check(self) -> Health:
        try:
            if not self._link.is_open:
                self._link.open()
            health = self._set(self._read_status())
        except DeviceError as err:
            return self._fail(err)
        if not self._link.keep_open:
            self._link.close()
        return health

    def _print(self, job: Document | bytes) -> PrintResult:
        try:
            data = job if isinstance(job, bytes) else render(job, self.page)
            if not self._link.is_open:
                self._link.open()
            before = self._read_status()
            health = self._set(before)
            if before.can_print is False:
                self._link.close()
                return PrintResult(JobOutcome.FAILED, health, before, "not sent: " + health.detail)
            self._link.write(data)
            after = self._read_status()
            health = self._set(after)
        except DeviceError as err:
            return PrintResult(JobOutcome.FAILED, self._fail(err), detail=str(err))
        if not self._link.keep_open:
            self._link.close()
        if after.can_print is False:
            outcome = JobOutcome.FAILED
        elif after.can_print:
            outcome = JobOutcome.PRINTED
        else:
            outcome = JobOutcome.UNCONFIRMED
        return PrintResult(outcome, health, after)
