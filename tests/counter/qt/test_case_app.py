"""The counter app as ``hall counter`` builds it: the box's ``idcard`` reader is opened with the
keypad and printer, and a card put on it finds the applicant's cases in the 出件 dialog."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from config import sample_hall
from config.sample import DEMO_STAFF_PIN
from config.schema import DeviceSettings
from counter.case_reader import CounterCardReader
from counter.qt.app import build_counter, open_devices
from counter.qt.case_dialogs import CaseDialog
from counter.states import Action
from devices.idcard.samples import SAMPLES
from devices.idcard.sim import SimulatedReader
from hub.client import HubClient
from tests.hub.hubapp import served
from tests.timing import PATIENCE, PATIENCE_MS

CARD = SAMPLES["resident"]


def test_the_boxs_reader_finds_the_applicants_cases_at_delivery(
    tmp_path: Path, qtbot: QtBot
) -> None:
    config = sample_hall()
    item = next(i for i in config.items if i.category == "A" and i.materials)
    sim = SimulatedReader([CARD])
    sim.remove()
    sim.start()
    settings = DeviceSettings(role="counter", window=1, idcard=sim.address)
    keypad, printer, started = open_devices(settings, config)
    assert keypad is None and printer is None
    assert [type(device) for device in started] == [CounterCardReader]
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        client = HubClient(url, admin.add_device("counter", "c1", 1)["token"], timeout=PATIENCE)
        receipt = admin.accept_case(
            window=1,
            item_id=item.id,
            materials_received=[item.materials[0]],
            id_number=CARD.number,
        ).receipt
        admin.case_status(receipt, "ready", 1)
        counter = build_counter(1, config, settings, client, stoppers=started)
        try:
            assert counter.workflow.cases.reader_present
            assert counter.workflow.sign_in("1001", DEMO_STAFF_PIN)
            qtbot.waitUntil(
                lambda: counter.workflow.snapshot().clerk is not None, timeout=PATIENCE_MS
            )
            counter.window.show()
            counter.window.trigger(Action.DELIVER)  # F10 (its key is proven in the journeys)
            qtbot.waitUntil(
                lambda: bool(counter.window.findChildren(CaseDialog)), timeout=PATIENCE_MS
            )
            dialog = counter.window.findChildren(CaseDialog)[-1]
            assert dialog.hint.text() == "或请群众把身份证放在读卡器上"
            sim.present()

            def found() -> bool:
                view = dialog.cases.view()
                chosen = view.form.chosen if view is not None else None
                return chosen is not None and chosen.receipt == receipt

            qtbot.waitUntil(found, timeout=PATIENCE_MS)
        finally:
            counter.close()
            sim.stop()
