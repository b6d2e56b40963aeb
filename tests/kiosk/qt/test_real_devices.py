"""The kiosk built by ``build_kiosk`` from a real ``AppSetup`` whose device section points at the
printer's TCP simulator and the ID-card reader's pty simulator, against a real hub: the real
drivers, adapters and window, tapped like a citizen; what came out of the printer is decoded."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from appkit.qtapp import make_application
from appkit.startup import AppSetup
from config import HallConfig, sample_hall
from config.sample import DEMO_TECHNICIAN_PIN
from config.schema import DeviceSettings, SpeechSettings
from devices.idcard.samples import SAMPLES
from devices.idcard.sim import SimulatedReader
from devices.printer.decode import DecodedJob, decode_job
from devices.printer.sim import PrinterSimulator
from devices.speech.engine import EspeakEngine
from hub.client import HubClient
from hub.server import Hub
from kiosk.app_model import KioskModel
from kiosk.catalog import display_name
from kiosk.materials import read_material
from kiosk.qt.app import Kiosk, build_kiosk
from kiosk.qt.window import KioskWindow
from tests.boards.board_fakes import RecordingEngine
from tests.hub.hubapp import served
from tests.timing import PATIENCE_MS

ELDER_CARD = SAMPLES["resident-longterm"]  # 马淑珍, born 1949: the green lane
WAIT_MS = PATIENCE_MS  # a guard against a hang, never the pace of a step
READER_AWAY = "身份证阅读器暂时不能使用，不刷卡也可以办理。"


@dataclass
class Box:
    """One kiosk box on the bench: the app, its hub, and the two simulated devices."""

    kiosk: Kiosk
    hub: Hub
    admin: HubClient
    config: HallConfig
    printer: PrinterSimulator
    reader: SimulatedReader
    voice: RecordingEngine
    qtbot: QtBot

    @property
    def window(self) -> KioskWindow:
        return self.kiosk.window

    @property
    def model(self) -> KioskModel:
        return self.kiosk.model

    def tap(self, choice_id: str) -> None:
        """Click the button of a choice, then wait for the worker and the redraw."""
        button = self.window.view.button(choice_id)
        assert button is not None, f"no button {choice_id}; have {self.ids()}"
        assert button.isEnabled()
        button.click()
        self.settle()

    def type(self, text: str) -> None:
        for char in text:
            key = self.window.view.findChild(QPushButton, f"key:{char}")
            assert key is not None, f"no key {char}"
            key.click()
        self.settle()

    def settle(self) -> None:
        self.qtbot.waitUntil(lambda: self.window.idle and not self.model.busy, timeout=WAIT_MS)
        self.window.refresh()

    def ids(self) -> list[str]:
        return [b.objectName().removeprefix("choice:") for b in self.window.view.buttons()]

    def texts(self) -> list[str]:
        return [label.text() for label in self.window.findChildren(QLabel) if label.isVisible()]

    def big_number(self) -> str:
        label = self.window.view.findChild(QLabel, "big")
        return label.text() if label is not None else ""

    def printed(self, count: int) -> list[DecodedJob]:
        """The jobs the simulator printed, decoded, once there are ``count`` of them."""
        jobs: list[DecodedJob] = []

        def enough() -> bool:
            jobs[:] = [decode_job(j.data) for j in self.printer.printer.jobs if j.printed]
            return len(jobs) >= count

        self.qtbot.waitUntil(enough, timeout=WAIT_MS)
        return jobs

    def until_tick(self, condition: Callable[[], bool]) -> None:
        """Let the window's once-a-second tick run (now, not in a second) until ``condition``."""

        def check() -> bool:
            self.window.on_tick()
            return condition()

        self.qtbot.waitUntil(check, timeout=WAIT_MS)
        self.settle()


@pytest.fixture
def box(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Box]:
    voice = RecordingEngine(seconds=0.0)
    # the box's real speech service, with an engine that records instead of espeak-ng
    monkeypatch.setattr(EspeakEngine, "from_settings", classmethod(lambda cls, _s: voice))
    make_application()
    config = sample_hall()
    reader = SimulatedReader([ELDER_CARD])
    reader.remove()  # nobody is at the kiosk yet
    reader.start()
    with served(tmp_path / "hub") as (hub, url), PrinterSimulator() as printer:
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        token = admin.add_device("kiosk", "kiosk-1")["token"]
        settings = DeviceSettings(
            role="kiosk",
            hub=url,
            printer=printer.address,
            idcard=reader.address,
            speech=SpeechSettings(enabled=True),
        )
        setup = AppSetup(
            config=config.model_copy(update={"devices": {"kiosk-1": settings}}),
            config_path=None,
            box="kiosk-1",
            settings=settings,
            configured=True,
            hub_url=url,
            token=token,
            token_path=tmp_path / "kiosk" / "device.token",
            data_dir=tmp_path / "kiosk",
        )
        kiosk = build_kiosk(setup, "kiosk", maintain_ms=3_600_000)
        window = kiosk.window
        qtbot.addWidget(window)
        window.setFixedSize(1080, 1920)
        window.show()
        window.refresh(force=True)
        assert kiosk.model.reader is not None
        qtbot.waitUntil(lambda: kiosk.model.reader.health().ok, timeout=WAIT_MS)  # type: ignore[union-attr]
        try:
            yield Box(kiosk, hub, admin, config, printer, reader, voice, qtbot)
        finally:
            window.exit_app()
            qtbot.waitUntil(lambda: window.idle, timeout=PATIENCE_MS)
            kiosk.close()
            reader.stop()


def test_a_ticket_taken_by_taps_prints_its_number_hall_and_qr_code(box: Box) -> None:
    box.tap("ticket")
    box.tap("cat:A")
    assert box.big_number() == "A001"
    [job] = box.printed(1)
    assert "A001" in job.texts
    assert box.config.hall.name in job.texts
    assert any(t.startswith("前面等候") for t in job.texts), job.text  # the 取号票 form
    [payload] = job.qr_payloads
    assert payload.startswith(f"{box.admin.base_url}/m/")  # the ticket's phone page (issue 17)
    assert "监督电话" in job.text and box.config.hall.supervision_phone in job.text
    assert job.cuts == 1
    assert box.admin.queue().today.issued == 1


def test_an_elderly_card_on_the_reader_takes_a_green_lane_ticket_showing_only_the_masked_name(
    box: Box,
) -> None:
    box.reader.present(ELDER_CARD)
    box.until_tick(lambda: box.model.current is not None)
    assert any("马*珍" in t for t in box.texts()), box.texts()
    box.tap("cat:B")
    assert box.big_number() == "B001"
    assert any("绿色通道" in t for t in box.texts())
    [job] = box.printed(1)
    assert any("绿色通道" in t for t in job.texts), job.text
    everything = " ".join(label.text() for label in box.window.findChildren(QLabel))
    assert ELDER_CARD.number not in everything and ELDER_CARD.name not in everything
    assert ELDER_CARD.number not in job.text and ELDER_CARD.name not in job.text


def test_paper_out_shows_and_says_the_number_alerts_staff_and_reprints_the_same_ticket(
    box: Box,
) -> None:
    box.printer.printer.set_paper("out")
    box.tap("ticket")
    box.tap("cat:A")
    assert box.big_number() == "A001"
    assert any("号票没能打印，号码仍然有效" in t for t in box.texts()), box.texts()
    box.qtbot.waitUntil(lambda: any("A零零一" in s for s in box.voice.spoken), timeout=WAIT_MS)

    def alerts() -> list[dict[str, object]]:
        events = box.hub.engine.events_after(0, 500)
        return [e.payload for e in events if e.type == "staff.alert"]

    box.qtbot.waitUntil(lambda: bool(alerts()), timeout=WAIT_MS)
    [alert] = alerts()
    assert alert["source"] == "kiosk-1" and alert["device"] == "kiosk-1/printer"
    assert "A001" in str(alert["problem"]) + str(alert["detail"]), alert
    assert not box.printed(0), "nothing came out with no paper"
    assert box.admin.queue().today.issued == 1  # the number shown is the only one
    box.printer.printer.set_paper("ok")
    box.tap("ticket:reprint")
    [job] = box.printed(1)
    assert "A001" in job.texts
    assert box.admin.queue().today.issued == 1


@pytest.mark.parametrize("fault", ["unplugged", "sam-fail", "silent"])
def test_a_failing_reader_is_a_banner_and_a_ticket_is_still_taken_by_taps(
    box: Box, fault: str
) -> None:
    if fault == "unplugged":
        box.reader.stop()
    else:
        box.reader.set_faults({fault})
    box.until_tick(lambda: READER_AWAY in box.texts())
    box.tap("ticket")
    box.tap("cat:C")
    assert box.big_number() == "C001"
    [job] = box.printed(1)
    assert "C001" in job.texts


def test_a_guides_material_checklist_prints_its_materials_and_qr_code(box: Box) -> None:
    box.tap("guide")
    box.tap("search")
    box.type("hjdj")
    item_id = next(i for i in box.ids() if i.startswith("item:")).removeprefix("item:")
    item = box.config.item(item_id)
    assert item is not None and item.materials
    box.tap(f"item:{item_id}")
    box.tap("print")
    [job] = box.printed(1)
    assert "办事材料清单" in job.texts  # the checklist form, not a queue ticket
    assert not any(t.startswith("前面等候") for t in job.texts)
    assert display_name(item.name) in job.text
    for n, material in enumerate(item.materials, 1):
        line = read_material(material)  # 1. 申请人居民身份证, then 原件1份
        assert f"{n}. {line.name}\n" in job.text, job.text
        assert line.describe() in job.text
    assert item.conditions and item.conditions in job.text.replace("\n", "")
    assert job.qr_payloads == [item.name]


def test_the_maintenance_screens_test_print_and_test_read_work_on_the_simulators(
    box: Box,
) -> None:
    window = box.window
    for _ in range(5):
        window.corner_tap(10, 10)
    maintenance = window.maintenance
    for key in DEMO_TECHNICIAN_PIN:
        maintenance.key(key)
    maintenance.tap("enter")
    assert maintenance.state == "health"
    box.qtbot.waitUntil(lambda: maintenance.idle, timeout=WAIT_MS)
    maintenance.tap("test_print")
    box.qtbot.waitUntil(lambda: maintenance.idle, timeout=WAIT_MS)
    assert maintenance.message == "测试页已打印"
    [job] = box.printed(1)
    assert "TEST" in job.texts and job.qr_payloads == ["hallkit printer test"]
    maintenance.tap("test_read")
    box.reader.present(ELDER_CARD)

    def read() -> bool:
        maintenance.tick()
        return bool(maintenance.read_result)

    box.qtbot.waitUntil(read, timeout=WAIT_MS)
    assert maintenance.read_result == "读卡成功：马*珍"
    maintenance.tap("leave")
