"""The counter box's keypad and printer watched for the staff: a fault is one alert in the
console's inbox, sent through the hub, not one per check; a device that recovers and fails
again is reported again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from counter.device_watch import DeviceWatch
from devices.health import Health, HealthState
from hub.alert_sender import AlertSender
from hub.client import HubClient
from tests.hub.hubapp import served


@dataclass
class FakeDevice:
    health: Health


@dataclass
class Alerts:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def alert(self, device: str, problem: str, detail: str = "", kind: str = "device") -> None:
        self.sent.append((device, problem, kind))


def broken(device: str, problem: str, since: float = 0.0) -> Health:
    return Health(device, HealthState.ABSENT, problem, "请检查评价器的USB线", "ENODEV", since)


def ok(device: str) -> Health:
    return Health(device, HealthState.OK)


def test_a_fault_that_lasts_is_reported_once_and_again_after_a_recovery() -> None:
    clock = [1000.0]
    keypad = FakeDevice(ok("keypad"))
    printer = FakeDevice(ok("printer"))
    alerts = Alerts()
    watch = DeviceWatch([keypad, printer, object()], alerts, "counter-3", now=lambda: clock[0])
    assert watch.check() == [] and alerts.sent == []
    keypad.health = broken("keypad", "评价器未连接", since=1000.0)
    clock[0] = 1010.0
    assert watch.check() == []  # still settling: it may be a USB reset
    clock[0] = 1015.0
    watch.check()
    watch.check()
    assert alerts.sent == [("counter-3/keypad", "评价器未连接", "device")]
    keypad.health = ok("keypad")
    watch.check()
    keypad.health = broken("keypad", "评价器未连接", since=1020.0)
    clock[0] = 1040.0
    watch.check()
    assert len(alerts.sent) == 2


def test_a_counters_keypad_fault_reaches_the_consoles_alerts(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        counter = HubClient(url, admin.add_device("counter", "counter-3", 3)["token"])
        sender = AlertSender(counter, "counter-3")
        device = FakeDevice(broken("keypad", "评价器未连接", since=0.0))
        watch = DeviceWatch([device], sender, "counter-3", now=lambda: 60.0)
        watch.check()
        sender.flush()
        [alert] = hub.engine.alerts(open_only=True)
    assert (alert["kind"], alert["source"], alert["device"], alert["problem"]) == (
        "device",
        "counter-3",
        "counter-3/keypad",
        "评价器未连接",
    )
