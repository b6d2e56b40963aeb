"""Staff alerts sent by the hall's app boxes to the hub (``POST /api/v1/alerts``): a printer
out of paper, a rating keypad unplugged, a citizen asking for staff. The console's alerts
inbox shows them; the hub sends them on to central.
"""

from __future__ import annotations

import logging
import queue
import threading

from hub.client import HubClient, HubRefused, HubUnavailable

log = logging.getLogger(__name__)

_MISSING = frozenset({"not_found", "method_not_allowed"})  # the route itself is not there


class AlertSender:
    """Staff alerts of an app box (kiosk, counter) over the hub: ``POST /api/v1/alerts`` from a
    background thread, so that ``alert()`` returns at once. While the hub has no such endpoint
    (404), or cannot be reached, each alert is a warning in the box's log instead. Never
    raises."""

    def __init__(self, client: HubClient, source: str) -> None:
        self._client = client
        self._source = source
        self._queue: queue.Queue[dict[str, str]] = queue.Queue(maxsize=100)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.endpoint_missing = False

    def alert(self, device: str, problem: str, detail: str = "", kind: str = "device") -> None:
        """Tell the hall's staff (the console's alerts, the hub's events): ``device`` is the
        part (``kiosk-1/printer``), ``problem`` the Chinese sentence, ``kind`` ``device`` (a
        fault) or ``help`` (a citizen asks for staff)."""
        body = {
            "source": self._source,
            "device": device,
            "problem": problem,
            "detail": detail,
            "kind": kind,
        }
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hub-alerts", daemon=True)
                self._thread.start()
        try:
            self._queue.put_nowait(body)
        except queue.Full:
            log.warning("staff alert dropped (queue full): %s: %s", device, problem)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until queued alerts were handled (tests, shutdown)."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        done.wait(timeout)

    def _run(self) -> None:
        while True:
            body = self._queue.get()
            try:
                self._send(body)
            except Exception:  # the alert thread must outlive any one alert
                log.exception("staff alert failed")
            finally:
                self._queue.task_done()

    def _send(self, body: dict[str, str]) -> None:
        if not self.endpoint_missing:
            try:
                self._client.request("POST", "/alerts", body)
                return
            except HubRefused as err:
                if err.code in _MISSING:
                    self.endpoint_missing = True
                    log.warning("the hub has no /api/v1/alerts endpoint; alerts go to this log")
                else:
                    log.warning("hub refused a staff alert: %s %s", err.code, err.message)
            except HubUnavailable as err:
                log.warning("hub away, staff alert not delivered: %s", err.message)
        log.warning("STAFF ALERT %s: %s (%s)", body["device"], body["problem"], body["detail"])
