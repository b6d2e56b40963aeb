"""Boards: from a counter's call-next to the window board showing the number, 40 windows calling.

Two kinds of board, each in its own process so the 40 counter threads cannot delay them:

- the Qt board's model: 40 ``HubFeed`` + ``BoardSession(BoardModel)`` pairs (exactly what
  ``hall board`` renders from), stamped when a new state with the called number comes out;
- the web board in headless chromium (when installed): one page per window for the first
  ``BROWSER_WINDOWS`` windows (40 chromium pages would measure the 2-core box, not the board),
  stamped when the page's number element changes (a MutationObserver calls a DevTools binding;
  the stamp is taken when the bench receives it, so the DevTools hop counts against the board).

Stamps are ``time.perf_counter`` (CLOCK_MONOTONIC on Linux, one clock for every process).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import connect

from bench.calls import WINDOWS, _prepare, write_forty_window_hall
from bench.hubproc import HubProcess, percentile, sleep_until
from bench.report import Measure, Target
from boards.board_model import BoardModel, BoardState
from boards.feed import HubFeed
from boards.session import BoardSession
from hub.client import HubClient
from hub.errors import HubError

BOARD_P99_MS = 300.0
BROWSER_WINDOWS = 4

OBSERVER = """
(function () {
  var el = document.getElementById('number');
  var last = el.textContent;
  new MutationObserver(function () {
    if (el.textContent !== last) { last = el.textContent; window.hallShown(last); }
  }).observe(el, {childList: true, characterData: true, subtree: true});
  return true;
}())
"""


def _qt_boards(base_url: str, tokens: list[str], out: Any, ready: Any) -> None:
    """40 board models fed by the hub (separate process); put (window, number, stamp)."""
    feeds = []
    for window, token in enumerate(tokens, start=1):
        shown: dict[int, str | None] = {window: None}

        def changed(state: BoardState, shown: dict[int, str | None] = shown) -> None:
            if state.serving and state.serving != shown.get(state.window):
                shown[state.window] = state.serving
                out.put((state.window, state.serving, time.perf_counter()))

        session = BoardSession(BoardModel(window), changed)
        feed = HubFeed(HubClient(base_url, token), session, window=window)
        feed.start()
        feeds.append(feed)
    while not all(f.connected for f in feeds):
        time.sleep(0.05)
    ready.set()
    time.sleep(3600)  # terminated by the bench


class _Chromium:
    """Headless chromium pages driven over DevTools; binding calls stamped on arrival."""

    def __init__(self, profile: Path) -> None:
        exe = shutil.which("chromium")
        if exe is None:
            raise FileNotFoundError("chromium")
        self.process = subprocess.Popen(  # noqa: S603 - our own argument list
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stderr is not None
        address = None
        deadline = time.monotonic() + 30
        while address is None and time.monotonic() < deadline:
            found = re.search(r"DevTools listening on (ws://\S+)", self.process.stderr.readline())
            address = found.group(1) if found else None
        if address is None:
            raise RuntimeError("chromium did not open its DevTools port")
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        self.ws = connect(address, max_size=2**24)
        self._ids = itertools.count(1)
        self._replies: dict[int, Any] = {}
        self._cond = threading.Condition()
        self.shown: queue.Queue[tuple[str, str, float]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                stamp = time.perf_counter()
                message = json.loads(raw)
                if message.get("method") == "Runtime.bindingCalled":
                    self.shown.put((message["sessionId"], message["params"]["payload"], stamp))
                elif "id" in message:
                    with self._cond:
                        self._replies[message["id"]] = message
                        self._cond.notify_all()
        except Exception:  # noqa: S110 - the socket closes when the bench ends
            pass

    def send(self, method: str, params: dict[str, Any], session: str = "") -> dict[str, Any]:
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        with self._cond:
            self._cond.wait_for(lambda: number in self._replies, 15)
            reply = self._replies.pop(number)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def open(self, url: str) -> str:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = str(
            self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        )
        self.send("Runtime.enable", {}, session)  # bindingCalled comes only with Runtime on
        self.send("Runtime.addBinding", {"name": "hallShown"}, session)
        self.send("Page.navigate", {"url": url}, session)
        return session

    def observe(self, session: str) -> bool:
        result = self.send(
            "Runtime.evaluate", {"expression": OBSERVER, "returnByValue": True}, session
        )
        return bool(result.get("result", {}).get("value"))

    def close(self) -> None:
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)


def call_to_board(work: Path, seconds: float, period: float = 1.0) -> list[Measure]:
    """40 counters call-next every ``period`` s (staggered) and finish half a period later, for
    ``seconds``; latency = board shows the number − the instant before call-next was sent."""
    config = work / "hall-40-windows-boards.toml"
    codes = write_forty_window_hall(config)
    data_dir = work / "hub-40-boards"
    tokens = _prepare(data_dir, config, codes, int(WINDOWS * (seconds / period + 2)) + 200)
    measures: list[Measure] = []
    with HubProcess(data_dir, config) as hub:
        ctx = multiprocessing.get_context("spawn")
        arrivals = ctx.Queue()
        ready = ctx.Event()
        boards = ctx.Process(target=_qt_boards, args=(hub.base_url, tokens, arrivals, ready))
        boards.start()
        if not ready.wait(60):
            boards.terminate()
            raise RuntimeError("the 40 Qt board models did not connect")
        browser = None
        sessions: dict[str, int] = {}
        page = requests.get(f"{hub.base_url}/board/1?token={tokens[0]}", timeout=5)
        if page.status_code == 200 and shutil.which("chromium"):  # pages mounted, browser here
            browser = _Chromium(Path(tempfile.mkdtemp(prefix="boards-chromium-", dir=work)))
        if browser is not None:
            for window in range(1, BROWSER_WINDOWS + 1):
                session = browser.open(f"{hub.base_url}/board/{window}?token={tokens[window - 1]}")
                sessions[session] = window
            time.sleep(3)  # pages load, fetch their snapshot and subscribe
            for session in sessions:
                browser.observe(session)

        sent: dict[tuple[int, str], float] = {}
        errors: list[str] = []
        start = time.perf_counter() + 0.5
        end = start + seconds

        def counter(window: int, token: str) -> None:
            client = HubClient(hub.base_url, token, timeout=10.0)
            n = 0
            while (due := start + (window - 1) * period / WINDOWS + n * period) < end:
                sleep_until(due)
                t0 = time.perf_counter()
                n += 1
                try:
                    ticket = client.call_next(window)
                except HubError as err:
                    errors.append(repr(err))
                    continue
                if ticket is None:
                    continue
                sent[(window, ticket.number)] = t0
                sleep_until(due + period / 2)
                try:
                    client.finish(window)
                except HubError as err:
                    errors.append(repr(err))
            client.close()

        threads = [threading.Thread(target=counter, args=(w, t)) for w, t in enumerate(tokens, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(1.0)
        qt_seen: dict[tuple[int, str], float] = {}
        while True:
            try:
                window, number, stamp = arrivals.get(timeout=0.5)
            except queue.Empty:
                break
            qt_seen.setdefault((window, number), stamp)
        web_seen: dict[tuple[int, str], float] = {}
        if browser is not None:
            while not browser.shown.empty():
                session, number, stamp = browser.shown.get()
                web_seen.setdefault((sessions[session], number), stamp)
            browser.close()
        boards.terminate()
        boards.join(10)

    group = f"h) call → board shows it, {WINDOWS} windows"
    note = f"{WINDOWS} counters calling every {period:g} s for {seconds:g} s; {len(errors)} errors"
    qt_ms = [(qt_seen[k] - t0) * 1000 for k, t0 in sent.items() if k in qt_seen]
    measures += [
        Measure(group, "call-next → Qt board model p50", percentile(qt_ms, 50), "ms", len(qt_ms),
                note=note),
        Measure(group, "call-next → Qt board model p99", percentile(qt_ms, 99), "ms", len(qt_ms),
                Target(at_most=BOARD_P99_MS), note),
        Measure(group, "Qt board calls missed", float(len(sent) - len(qt_ms)), "calls",
                len(sent), Target(at_most=0)),
    ]  # fmt: skip
    if browser is not None:
        watched = {k: t0 for k, t0 in sent.items() if k[0] <= BROWSER_WINDOWS}
        web_ms = [(web_seen[k] - t0) * 1000 for k, t0 in watched.items() if k in web_seen]
        web_note = f"headless chromium, one page per window for windows 1-{BROWSER_WINDOWS}"
        measures += [
            Measure(group, "call-next → web board (chromium) p50", percentile(web_ms, 50), "ms",
                    len(web_ms), note=web_note),
            Measure(group, "call-next → web board (chromium) p99", percentile(web_ms, 99), "ms",
                    len(web_ms), Target(at_most=BOARD_P99_MS), web_note),
            Measure(group, "web board calls missed", float(len(watched) - len(web_ms)), "calls",
                    len(watched), Target(at_most=0)),
        ]  # fmt: skip
    return measures


if __name__ == "__main__":  # python -m bench.boards: a quick look without bench/run.py
    from bench.report import print_measures

    with tempfile.TemporaryDirectory() as folder:
        print_measures(call_to_board(Path(folder), 10.0))
