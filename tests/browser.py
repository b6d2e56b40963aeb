"""A real headless Chromium for page tests, driven over the DevTools protocol (no Selenium):
open pages, fill and submit forms, read cookies, record every request a page makes, emulate a
desktop or a phone screen and take full-page screenshots.

    with chromium() as browser:
        browser.open(f"{url}/manage/login")
        browser.fill("#user", "li.si")
        browser.submit("#login-form")          # waits for the next page to load
        assert browser.status() == 303 or ...
        assert browser.left_origin(url) == []  # not one request went elsewhere

Tests that use it mark themselves with :data:`needs_chromium` (Debian's ``chromium``).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.timing import PATIENCE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian chromium (apt-get install -y chromium)"
)

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)


@dataclass(frozen=True)
class Screen:
    """A screen to emulate: CSS pixels, and whether it is a phone (touch, mobile viewport)."""

    name: str
    width: int
    height: int
    mobile: bool


DESKTOP = Screen("desktop", 1366, 900, False)
PHONE = Screen("phone", 390, 844, True)


class Browser:
    """Headless chromium with its pages, driven over the DevTools websocket.

    ``session`` is the page the next command goes to (set by :meth:`open`; switch back by
    assigning an earlier value). Events of every page are recorded as they arrive.
    """

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self.session = ""
        self.requests: dict[str, list[str]] = {}
        """Every URL each page requested (documents, scripts, styles, images, fetches)."""
        self._documents: dict[str, list[int]] = {}
        self._loads: dict[str, int] = {}

    # -- protocol ----------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one command to the current page (or the browser) and return its result."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = self._receive(PATIENCE)
            if reply.get("id") == number:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def _receive(self, timeout: float) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
        method = message.get("method")
        if method is not None:
            self._event(message.get("sessionId", ""), method, message.get("params", {}))
        return message

    def _event(self, session: str, method: str, params: dict[str, Any]) -> None:
        if method == "Network.requestWillBeSent":
            self.requests.setdefault(session, []).append(params["request"]["url"])
        elif method == "Network.responseReceived" and params.get("type") == "Document":
            self._documents.setdefault(session, []).append(int(params["response"]["status"]))
        elif method == "Page.loadEventFired":
            self._loads[session] = self._loads.get(session, 0) + 1

    def _pump_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not true after {PATIENCE:.0f} s: {what}")
            try:
                self._receive(left)
            except TimeoutError:
                continue

    # -- pages -------------------------------------------------------------------------------

    def open(self, url: str, screen: Screen | None = None) -> None:
        """Open ``url`` in a new page (recording its requests from the first) and wait until
        it has loaded; ``screen`` emulates a desktop or phone screen."""
        self.session = ""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        self.send("Network.enable")
        self.send("Page.enable")
        if screen is not None:
            self.emulate(screen)
        self.navigate(url)

    def close_page(self) -> None:
        """Close the current page (its recorded requests stay in :attr:`requests`)."""
        if self.session:
            target = self.send("Target.getTargetInfo")["targetInfo"]["targetId"]
            self.session = ""
            self.send("Target.closeTarget", {"targetId": target})

    def clear_cookies(self) -> None:
        """Forget every cookie of the browser (signs the console out without a logout)."""
        session, self.session = self.session, ""
        try:
            self.send("Storage.clearCookies")
        finally:
            self.session = session

    def navigate(self, url: str) -> None:
        """Load ``url`` in the current page and wait for its load event."""
        self._after_load(lambda: self.send("Page.navigate", {"url": url}))

    def _after_load(self, action: Callable[[], object]) -> None:
        session = self.session
        before = self._loads.get(session, 0)
        action()
        self._pump_until(lambda: self._loads.get(session, 0) > before, "the page loading")

    def eval(self, expression: str) -> Any:
        """The value of a JavaScript expression in the current page."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def text(self, selector: str = "body") -> str:
        """The visible text of the first element matching ``selector`` ('' if none)."""
        found = self.eval(
            f"(function(e){{return e?e.innerText:''}})(document.querySelector({json.dumps(selector)}))"
        )
        return str(found)

    def fill(self, selector: str, value: str) -> None:
        """Type ``value`` into the form field ``selector`` (as if a person had)."""
        done = self.eval(
            f"(function(e){{if(!e)return false;e.focus();e.value={json.dumps(value)};"
            "e.dispatchEvent(new Event('input',{bubbles:true}));return true})"
            f"(document.querySelector({json.dumps(selector)}))"
        )
        if not done:
            raise AssertionError(f"no field {selector} on {self.eval('location.href')}")

    def submit(self, selector: str) -> None:
        """Submit the form ``selector`` as its submit button would, and wait for the answer
        page to load."""
        self._after_load(
            lambda: self.eval(f"document.querySelector({json.dumps(selector)}).requestSubmit()")
        )

    def click(self, selector: str, *, navigates: bool = False) -> None:
        """Click ``selector``; with ``navigates``, wait for the next page to load."""

        def clicking() -> None:
            self.eval(f"document.querySelector({json.dumps(selector)}).click()")

        if navigates:
            self._after_load(clicking)
        else:
            clicking()

    def status(self) -> int:
        """The HTTP status of the last document the current page received (a redirect
        counts as the page it led to)."""
        return self._documents.get(self.session, [0])[-1]

    def cookies(self) -> list[dict[str, Any]]:
        """The cookies of the current page's URL, with ``httpOnly``, ``sameSite``, ``path``."""
        found: list[dict[str, Any]] = self.send("Network.getCookies")["cookies"]
        return found

    def left_origin(self, origin: str) -> list[str]:
        """Every request of the current page that did not go to ``origin`` (``http://h:p``);
        inline ``data:``/``blob:`` URLs and ``about:blank`` stay in the page and do not count."""
        local = ("data:", "blob:", "about:")
        return [
            url
            for url in self.requests.get(self.session, [])
            if not url.startswith(local) and not url.startswith(origin.rstrip("/") + "/")
        ]

    def wait_until(self, expression: str, what: str) -> Any:
        """Evaluate ``expression`` in the current page until it is truthy (the page's own
        scripts and events go on meanwhile); its value. AssertionError after PATIENCE."""
        deadline = time.monotonic() + PATIENCE
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not true after {PATIENCE:.0f} s: {what}")
            time.sleep(0.05)

    def download_to(self, folder: Path) -> None:
        """Save what pages download (a link with ``download``) into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        session, self.session = self.session, ""
        try:
            self.send(
                "Browser.setDownloadBehavior",
                {"behavior": "allow", "downloadPath": str(folder), "eventsEnabled": True},
            )
        finally:
            self.session = session

    # -- screens -----------------------------------------------------------------------------

    def emulate(self, screen: Screen) -> None:
        """Size the current page as ``screen`` (a phone also gets touch and a mobile viewport)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": screen.width,
                "height": screen.height,
                "deviceScaleFactor": 1,
                "mobile": screen.mobile,
            },
        )
        self.send("Emulation.setTouchEmulationEnabled", {"enabled": screen.mobile})
        # A page taller than the screen would lose a scroll bar's width from its screenshots.
        self.send("Emulation.setScrollbarsHidden", {"hidden": True})

    def screenshot(self, path: Path) -> Path:
        """Write the whole page (beyond the screen's height too) to ``path`` as PNG."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": size["height"],
                    "scale": 1,
                },
            },
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@contextmanager
def chromium(profile: Path | None = None) -> Iterator[Browser]:
    """A headless chromium with a fresh profile (``profile``, or a temporary folder) for the
    duration of the block."""
    if CHROMIUM is None:
        pytest.skip("needs Debian chromium (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="hallkit-chromium-") as scratch:
        folder = profile or Path(scratch)
        process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={folder}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: its helpers end with it
        )
        try:
            assert process.stderr is not None
            deadline = time.monotonic() + PATIENCE
            address = None
            while address is None and time.monotonic() < deadline:
                line = process.stderr.readline()
                match = re.search(r"DevTools listening on (ws://\S+)", line)
                address = match.group(1) if match else None
            if address is None:
                pytest.fail("chromium did not open its DevTools port")
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep it empty
            with connect(address, max_size=2**26) as ws:
                yield Browser(ws)
        finally:
            _end(process)


def _end(process: subprocess.Popen[str]) -> None:
    """Stop chromium and every helper process it started (its process group), and wait until
    they are gone, so that none still writes into the profile being removed. The browser
    itself ends on SIGTERM; its helpers (renderers, zygote) would take a second or more to
    follow, so once it has gone they are killed outright."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(PATIENCE)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and _group_alive(process.pid):
        time.sleep(0.02)


def _group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (one that has died but is not yet reaped by
    whoever inherited it writes nothing more, so it does not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False
