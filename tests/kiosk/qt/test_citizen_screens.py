"""The kiosk window's newer behaviour, tapped like a citizen (and a member of staff) against a
real hub: 长辈版 switched on by an elderly card, the green lane confirmed by a staff PIN or staff
card, 取号 shown unavailable on home while the hub is away, and 呼叫工作人员."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLabel

from config import sample_hall
from config.pins import hash_card
from config.sample import DEMO_STAFF_PIN
from kiosk.app_model import CALL_STAFF
from kiosk.hub_adapter import HubClientPort
from kiosk.layout import Metrics
from kiosk.qt import measure
from kiosk.staff import ConfigStaff
from tests.kiosk.conftest import card_for
from tests.kiosk.qt.conftest import QtHall

STAFF_CARD = card_for("19880808", "周工作", serial=7)


def swipe(hall: QtHall, birth: str, name: str = "张小三") -> None:
    hall.reader.queue.append(card_for(birth, name))
    hall.window.on_tick()
    hall.settle()


def title_dp(hall: QtHall) -> float:
    label = hall.window.view.findChild(QLabel, "title")
    assert label is not None
    scale = Metrics.for_size(hall.window.width(), hall.window.height(), False).scale
    return label.font().pixelSize() / scale


def with_staff(hall: QtHall) -> None:
    """The sample hall's clerks (PIN 2580), one of them with a staff card."""
    staff = list(sample_hall().staff)
    staff[0] = staff[0].model_copy(update={"id_card_hash": hash_card(STAFF_CARD.id_number)})
    hall.model.ctx.staff = ConfigStaff(staff)


def test_an_elderly_card_switches_the_screen_to_elder_mode_and_says_so(qt_hall: QtHall) -> None:
    standard = title_dp(qt_hall)
    swipe(qt_hall, "19580301", "马秀珍")
    assert qt_hall.model.screen.elder
    assert title_dp(qt_hall) >= 30 and title_dp(qt_hall) > standard  # drawn 长辈版, not only set
    assert any(said.startswith("已为您切换到长辈版") for said in qt_hall.speech.said)
    qt_hall.clock.advance(200)  # the citizen left: home, and the next one starts in 标准版
    qt_hall.window.on_tick()
    qt_hall.settle()
    assert qt_hall.model.screen.journey == "home" and not qt_hall.model.screen.elder
    swipe(qt_hall, "19900101")  # a younger citizen's card leaves 标准版 on
    assert not qt_hall.model.screen.elder


def test_the_green_lane_needs_the_staff_pin_typed_on_the_keypad(qt_hall: QtHall) -> None:
    with_staff(qt_hall)
    qt_hall.tap("ticket")
    qt_hall.tap("green")
    qt_hall.tap("group:1")  # 残疾人
    qt_hall.type("1111")
    qt_hall.tap("confirm")
    assert "密码不对，请工作人员重新输入" in qt_hall.texts()
    assert qt_hall.model.screen.state == "green_confirm"
    qt_hall.type(DEMO_STAFF_PIN)
    qt_hall.tap("confirm")
    assert any(t.startswith("工作人员") and t.endswith("已确认") for t in qt_hall.texts())
    qt_hall.tap("cat:H")
    assert "绿色通道（残疾人）" in qt_hall.model.screen.lines
    assert "●" not in " ".join(qt_hall.texts())  # the PIN's dots are gone with its screen


def test_the_green_lane_is_confirmed_by_a_staff_card_and_refused_for_another(
    qt_hall: QtHall,
) -> None:
    with_staff(qt_hall)
    qt_hall.tap("ticket")
    qt_hall.tap("green")
    qt_hall.tap("group:2")  # 军人及退役军人
    swipe(qt_hall, "19900101")  # a citizen's card is not a staff card
    assert any("不是本中心工作人员" in t for t in qt_hall.texts())
    qt_hall.reader.queue.append(STAFF_CARD)
    qt_hall.window.on_tick()
    qt_hall.settle()
    assert qt_hall.model.screen.state == "choose"
    assert any(t.endswith("已确认") and "工作人员" in t for t in qt_hall.texts())


def test_take_ticket_is_shown_unavailable_on_home_while_the_hub_is_away(qt_hall: QtHall) -> None:
    live = qt_hall.model.ctx.hub
    dead = type(qt_hall.port._client)("http://127.0.0.1:9", "x", timeout=0.5)
    qt_hall.model.ctx.hub = HubClientPort(dead, qt_hall.port._spool)
    qt_hall.model.maintain()
    qt_hall.window.refresh(force=True)
    tile = qt_hall.window.view.button("ticket")
    assert tile is not None and not tile.isEnabled()
    assert "暂停自助取号" in qt_hall.texts()
    assert "排队系统暂时连不上，请到服务台取号" in qt_hall.texts()
    guide = qt_hall.window.view.button("guide")
    assert guide is not None and guide.isEnabled()  # the saved guides still work
    qt_hall.model.ctx.hub = live
    qt_hall.model.maintain()
    qt_hall.window.refresh(force=True)
    qt_hall.tap("ticket")
    qt_hall.tap("cat:A")
    label = qt_hall.window.view.findChild(QLabel, "big")
    assert label is not None and label.text() == "A001"


def test_call_staff_raises_one_help_alert_on_the_hub(qt_hall: QtHall) -> None:
    qt_hall.tap(CALL_STAFF)
    qt_hall.alerts.flush()
    events = qt_hall.hub.engine.events_after(0, 500)
    alerts = [e.payload for e in events if e.type == "staff.alert"]
    assert len(alerts) == 1 and alerts[0]["source"] == "kiosk-1"
    button = qt_hall.window.view.button(CALL_STAFF)
    assert button is not None and not button.isEnabled()  # made; not repeated by more taps
    assert any("已通知工作人员" in t for t in qt_hall.texts())


def test_a_720_by_1280_ticket_machine_window_never_grows_past_its_screen(
    qt_hall: QtHall,
) -> None:
    window = qt_hall.window
    window.setMinimumSize(0, 0)
    window.setMaximumSize(720, 1280)  # what the window takes from a 720×1280 screen
    window.resize(720, 1280)
    qt_hall.settle()
    for step in ("guide", "item:jjb-156", "nav:next", "nav:home", "ticket", "search"):
        qt_hall.tap(step)
        window.refresh(force=True)
        qt_hall.qtbot.wait(10)
        assert (window.width(), window.height()) == (720, 1280), step
        for button in window.view.buttons():  # nothing drawn past the screen's edge
            if button.isVisibleTo(window):
                box = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
                assert window.rect().contains(box), (step, button.objectName(), box)
        assert measure.clipped(window.view) == [], step
