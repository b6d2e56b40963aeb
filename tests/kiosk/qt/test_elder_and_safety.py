"""Elder mode measured from the widgets, the palette's contrast, the maintenance gesture and
PIN, and no traceback on screen whatever a port or a slot raises."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from kiosk.app_model import ELDER
from kiosk.qt.style import ELDER as ELDER_PALETTE
from kiosk.qt.style import NORMAL, Metrics, contrast_ratio
from tests.kiosk.qt.conftest import QtHall
from tests.timing import PATIENCE_MS

UNEXPECTED = "出了点问题，请再试一次，或到服务台找工作人员。"


def measure(hall: QtHall) -> tuple[list[str], list[str]]:
    """Buttons under 60×60 dp and labels under 18 dp (titles under 30 dp) on screen now."""
    QApplication.processEvents()
    m = Metrics.for_size(hall.window.width(), hall.window.height(), True)
    small, tiny = [], []
    for button in hall.window.view.findChildren(QPushButton):
        if button.isVisible() and (button.width() < m.px(60) or button.height() < m.px(60)):
            small.append(f"{button.objectName()} {button.width()}x{button.height()}")
    for label in hall.window.view.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        least = 30 if label.objectName() == "title" else 18
        if label.font().pixelSize() < m.px(least):
            tiny.append(f"{label.text()[:12]} {label.font().pixelSize()}px")
    return small, tiny


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_elder_mode_touch_targets_and_text_sizes_measured_from_the_widgets(
    qt_hall: QtHall, size: tuple[int, int]
) -> None:
    qt_hall.window.setFixedSize(*size)
    qt_hall.tap(ELDER)
    screens = [("home", []), ("ticket", ["ticket"]), ("search", ["guide", "search"])]
    for name, path in screens:
        qt_hall.model.go_home()
        qt_hall.window.refresh()
        for step in path:
            qt_hall.tap(step)
        if name == "search":
            qt_hall.type("hjdj")
        small, tiny = measure(qt_hall)
        assert not small, f"{name}: touch targets under 60 dp: {small}"
        assert not tiny, f"{name}: text under the elder minimum: {tiny}"
    qt_hall.model.go_home()
    qt_hall.window.refresh()
    qt_hall.tap("ticket")
    qt_hall.tap("cat:A")
    small, tiny = measure(qt_hall)
    assert not small and not tiny, (small, tiny)
    assert len([i for i in qt_hall.ids() if i.startswith("cat:")]) <= 4  # fewer choices


@pytest.mark.parametrize("palette", [NORMAL, ELDER_PALETTE], ids=["normal", "elder"])
def test_every_text_colour_has_at_least_4_5_to_1_contrast(palette: object) -> None:
    pairs = palette.text_pairs()  # type: ignore[attr-defined]
    low = {
        n: round(contrast_ratio(f, b), 2)
        for n, (f, b) in pairs.items()
        if contrast_ratio(f, b) < 4.5
    }
    assert not low


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_five_corner_taps_and_the_technician_pin_open_maintenance(qt_hall: QtHall) -> None:
    window = qt_hall.window
    for _ in range(4):
        assert not window.corner_tap(10, 10)
    assert window.corner_tap(10, 10)
    maintenance = window.maintenance
    assert window.stack.currentWidget() is maintenance
    for key in "1234":
        maintenance.key(key)
    maintenance.tap("enter")
    assert maintenance.state == "pin"
    assert "密码错误，还可以再试4次" in maintenance.build_screen().lines
    for key in "8642":
        maintenance.key(key)
    maintenance.tap("enter")
    assert maintenance.state == "health"
    qt_hall.qtbot.waitUntil(lambda: maintenance.idle, timeout=PATIENCE_MS)
    titles = [s.title for s in maintenance.build_screen().sections]
    assert titles == ["打印机", "身份证读卡器", "集中控制器"]
    maintenance.tap("test_print")
    qt_hall.qtbot.waitUntil(lambda: maintenance.idle, timeout=PATIENCE_MS)
    assert qt_hall.printer.slips[-1].big == "TEST"
    window.close()
    assert window.isVisible(), "the kiosk window cannot be closed from outside"
    maintenance.tap("exit")
    assert not window.isVisible()


def test_taps_elsewhere_break_the_gesture(qt_hall: QtHall) -> None:
    for _ in range(4):
        qt_hall.window.corner_tap(10, 10)
    qt_hall.window.corner_tap(500, 900)
    assert not qt_hall.window.corner_tap(10, 10)


def test_a_port_that_raises_becomes_a_sentence_not_a_traceback(
    qt_hall: QtHall, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> object:
        raise RuntimeError("driver bug")

    monkeypatch.setattr(qt_hall.port, "issue_ticket", broken)
    qt_hall.tap("ticket")
    qt_hall.tap("cat:A")
    texts = qt_hall.texts()
    assert UNEXPECTED in texts
    assert not any("Traceback" in t or "RuntimeError" in t for t in texts)


def test_a_slot_that_raises_becomes_a_sentence_not_a_traceback(
    qt_hall: QtHall, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: str) -> None:
        raise ValueError("view bug")

    monkeypatch.setattr(qt_hall.model, "tap", broken)
    qt_hall.window.view.button("ticket").click()  # type: ignore[union-attr]
    assert UNEXPECTED in qt_hall.texts()
    assert not any("ValueError" in t for t in qt_hall.texts())
