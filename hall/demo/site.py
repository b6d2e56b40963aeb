"""The demo hall's machinery on one machine: a reference central, a hub enrolled with it, the
configuration with one ``[devices.BOX]`` section per app, and a device token per box.

Everything lives in one folder (``hall demo --data DIR``)::

    DIR/hall.toml          the sample hall plus the demo's boxes
    DIR/site.json          central's port and the hall's id at central (a resumed run reuses them)
    DIR/central/           the reference central's store
    DIR/hub/               the hub's store, secret, admin token, central credential
    DIR/boxes/NAME/        each box's data folder: device.token, catalog copy, spool, records

The WAN is the loopback link to central: :meth:`DemoSite.wan_down` stops central (the hub keeps
serving and keeps every event), :meth:`DemoSite.wan_up` starts it again on the same port, and
:meth:`DemoSite.sync_check` compares what central holds with the hub's outbox, event by event.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from appkit.net import free_port
from config.sample import sample_hall_data
from hall.hubprocess import HubProcess
from hub.client import HubClient
from sync.central.console.accounts import ConsoleAccounts
from sync.central.console.regions import add_region, set_hall_region
from sync.central.process import CentralProcess
from sync.credential import load_credential
from sync.enroll import enroll

log = logging.getLogger(__name__)

CONFIG_NAME = "hall.toml"
SITE_NAME = "site.json"
RATING_TIMEOUT_SECONDS = 10  # the keypad's wait for a citizen's key in the demo
CONSOLE_PASSWORD = "demo-2580"  # noqa: S105 - the demo console's accounts, printed at start
CONSOLE_ACCOUNTS = {"manager": "manager", "supervisor": "supervisor"}  # user name → role
CENTRAL_ACCOUNT = "zhongxin"  # central's console (/console/), an admin, same password
DEMO_REGIONS = (
    ("440000", "示例省", "province", None),
    ("441400", "示例市", "city", "440000"),
    ("441402", "示例区", "district", "441400"),
    ("441402100", "示例镇", "town", "441402"),
)
"""The demo hall's region tree at central, top down; the hall is in the last."""


@dataclass(frozen=True)
class Box:
    """One app's box in the demo: its name in the configuration, its role and window."""

    name: str
    role: str  # a DeviceSettings role: ticket, kiosk, counter, board, display
    window: int | None = None

    @property
    def token_role(self) -> str:
        """The hub token role of this box (a ticket machine is a kiosk to the hub)."""
        return "kiosk" if self.role == "ticket" else self.role


# The demo hall's boxes: a ticket machine, a touch kiosk, two counters, their boards, a display.
BOXES: tuple[Box, ...] = (
    Box("ticket-1", "ticket"),
    Box("kiosk-1", "kiosk"),
    Box("counter-1", "counter", 1),
    Box("counter-2", "counter", 2),
    Box("board-1", "board", 1),
    Box("board-2", "board", 2),
    Box("display-1", "display"),
)


@dataclass(frozen=True)
class SyncCheck:
    """What central holds against what the hub wrote, compared event by event."""

    hub_events: int
    central_events: int
    acked_seq: int
    missing: int  # events of the hub central does not hold
    mismatched: int  # same seq, different event id
    extra: int  # events central holds that the hub never wrote

    @property
    def nothing_lost(self) -> bool:
        return self.missing == 0 and self.mismatched == 0 and self.extra == 0

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "nothing_lost": self.nothing_lost}


class DemoSite:
    """Central, hub, configuration and tokens of the demo hall in ``root`` (see module doc)."""

    def __init__(self, root: Path, *, hub_bind: str | None = None) -> None:
        self.root = root
        self.hub_bind = hub_bind
        self.config_path = root / CONFIG_NAME
        self.central: CentralProcess | None = None
        self.hub: HubProcess | None = None
        self.hall_id = ""
        self._central_port = 0

    # -- files ----------------------------------------------------------------------------------

    def box_dir(self, box: Box) -> Path:
        return self.root / "boxes" / box.name

    def write_config(self, devices: dict[str, dict[str, Any]] | None = None) -> Path:
        """The sample hall with the demo's boxes (and their device addresses) as ``hall.toml``.

        ``devices`` adds per-box settings (simulated device addresses) to the plain sections.
        The uplink backs off at most 5 s so that the WAN coming back is seen within seconds, the
        hub pulls the day's appointments every 10 s (a booking at central shows up while the
        demo runs), and the keypad waits 10 s for a rating (a compressed day).
        """
        data = sample_hall_data()
        data["sync"] = {
            "backoff_cap_seconds": 5,
            "heartbeat_seconds": 10,
            "appointments_seconds": 10,
        }
        data.setdefault("rating", {})["keypad_timeout_seconds"] = RATING_TIMEOUT_SECONDS
        sections: dict[str, dict[str, Any]] = {}
        for box in BOXES:
            section: dict[str, Any] = {"role": box.role}
            if box.window is not None:
                section["window"] = box.window
            section.update((devices or {}).get(box.name, {}))
            sections[box.name] = section
        data["devices"] = sections
        self.root.mkdir(parents=True, exist_ok=True)
        self.config_path.write_bytes(tomli_w.dumps(data).encode("utf-8"))
        return self.config_path

    def _load_site(self) -> None:
        try:
            site = json.loads((self.root / SITE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self._central_port = int(site.get("central_port") or 0)
        self.hall_id = str(site.get("hall_id") or "")

    def _save_site(self) -> None:
        site = {"central_port": self._central_port, "hall_id": self.hall_id}
        (self.root / SITE_NAME).write_text(json.dumps(site), encoding="utf-8")

    # -- processes ------------------------------------------------------------------------------

    def _hub_port(self) -> frozenset[int]:
        port = (self.hub_bind or "").rpartition(":")[2]
        return frozenset({int(port)}) if port.isdigit() else frozenset()

    def start(self) -> None:
        """Start central, enroll the hub once, start the hub, and give every box a token.

        A folder from an earlier run is resumed: same central port, same credential, same
        stores. Raises RuntimeError (with the log file to read) if a process does not start.
        """
        if not self.config_path.exists():
            self.write_config()
        self._load_site()
        # not the port the hub was told to take: it is not listening yet, so the system could
        # hand the same one out again
        self._central_port = self._central_port or free_port(avoid=self._hub_port())
        self.central = CentralProcess(self.root / "central", port=self._central_port)
        self.central.start()
        hub_dir = self.root / "hub"
        if load_credential(hub_dir) is None:
            self.hall_id, code = self.central.add_hall("示例镇便民服务中心")
            self._central_setup(self.hall_id)
            enroll(self.central.base_url, code, hub_dir, hub_name="demo-hub")
        self._save_site()
        self.hub = HubProcess(
            hub_dir, self.config_path, log_path=self.root / "hub.log", bind=self.hub_bind
        )
        self.hub.start()
        admin = self.admin()
        try:
            for box in BOXES:
                token_path = self.box_dir(box) / "device.token"
                if token_path.exists():
                    continue
                token_path.parent.mkdir(parents=True, exist_ok=True)
                device = admin.add_device(box.token_role, box.name, box.window)
                token_path.write_text(device["token"] + "\n", encoding="utf-8")
                token_path.chmod(0o600)
        finally:
            admin.close()
        self._console_accounts()

    def _central_setup(self, hall: str) -> None:
        """Central's side of a new demo: the hall in a small region tree, and the supervisors'
        console account (``CENTRAL_ACCOUNT``), as a province's operator would make them."""
        if self.central is None:
            return
        store = self.central.store()
        try:
            for code, name, level, parent in DEMO_REGIONS:
                add_region(store, "demo", code, name, level, parent)
            set_hall_region(store, "demo", hall, DEMO_REGIONS[-1][0])
            ConsoleAccounts(store).add("demo", CENTRAL_ACCOUNT, "admin", CONSOLE_PASSWORD)
        finally:
            store.close()

    def _console_accounts(self) -> None:
        """A manager's and a supervisor's console account (``hall account add``, as a
        technician makes them), unless an earlier run made them."""
        for user, role in CONSOLE_ACCOUNTS.items():
            made = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "hall", "account", "add", "--data", str(self.root / "hub"),
                 "--user", user, "--role", role],
                input=CONSOLE_PASSWORD + "\n", capture_output=True, text=True, check=False,
            )  # fmt: skip
            if made.returncode not in (0, 1):  # 1: the account is there from an earlier run
                log.warning("demo console account %s not made: %s", user, made.stderr.strip())

    @property
    def hub_url(self) -> str:
        if self.hub is None:
            raise RuntimeError("the demo hub is not started")
        return self.hub.base_url

    def admin(self) -> HubClient:
        """A client with the hub's admin token (the caller closes it)."""
        if self.hub is None:
            raise RuntimeError("the demo hub is not started")
        return HubClient(self.hub.base_url, self.hub.admin_token)

    def token(self, box: Box) -> str:
        return (self.box_dir(box) / "device.token").read_text(encoding="utf-8").strip()

    def wan_down(self) -> None:
        """Cut the hall off from central (central stops; the hub keeps everything)."""
        if self.central is not None:
            self.central.stop()

    def wan_up(self) -> None:
        """Central is back, on the same address."""
        if self.central is not None:
            self.central.start()

    def stop(self) -> None:
        """Stop the hub, then central. Safe to call twice."""
        if self.hub is not None:
            self.hub.stop()
        if self.central is not None:
            self.central.stop()

    # -- sync -----------------------------------------------------------------------------------

    def wait_synced(self, timeout: float = 60.0) -> bool:
        """Wait until central acknowledged every event the hub wrote so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            admin = self.admin()
            try:
                status = admin.request("GET", "/sync")
            except Exception:  # the hub is busy or restarting: ask again
                status = {}
            finally:
                admin.close()
            if (
                isinstance(status, dict)
                and status.get("backlog") == 0
                and status.get("acked_seq", 0) >= status.get("last_seq", 1) > 0
            ):
                return True
            time.sleep(0.5)
        return False

    def sync_check(self) -> SyncCheck:
        """Every (seq, event id) of the hub's outbox against central's store for this hall."""
        hub_db = sqlite3.connect(f"file:{self.root / 'hub' / 'hub.db'}?mode=ro", uri=True)
        try:
            hub_events = dict(hub_db.execute("SELECT seq, event_id FROM outbox").fetchall())
        finally:
            hub_db.close()
        if self.central is None:
            raise RuntimeError("the demo central is not started")
        store = self.central.store()
        try:
            hall = store.hall(self.hall_id) if self.hall_id else store.halls()[0]
            held = {e["seq"]: e["event_id"] for e in store.iter_events(hall.id)}
        finally:
            store.close()
        missing = sum(1 for seq in hub_events if seq not in held)
        mismatched = sum(1 for seq, eid in hub_events.items() if seq in held and held[seq] != eid)
        extra = sum(1 for seq in held if seq not in hub_events)
        return SyncCheck(len(hub_events), len(held), hall.acked_seq, missing, mismatched, extra)
