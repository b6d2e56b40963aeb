"""The kiosk model: home per role, elder mode everywhere, speech, idle wipe, devices, hub away."""

from __future__ import annotations

import pytest

from kiosk.app_model import CALL_STAFF, ELDER, HOME, MORE_TIME, KioskModel
from kiosk.journeys.base import Context
from kiosk.journeys.screens import Choice
from tests.kiosk.conftest import card_for
from tests.kiosk.fakes import FakeAlerts, FakeClock, FakeHub, FakePrinter, FakeReader, FakeSpeech


def ids(model: KioskModel) -> list[str]:
    return [c.id for c in model.screen.choices]


def test_a_ticket_machine_puts_take_ticket_first_with_fewer_entries(ctx: Context) -> None:
    entries = [c.id for c in KioskModel(ctx, role="ticket").screen.choices if c.group == "list"]
    assert entries == ["ticket", "checkin", "requeue"]


def test_a_touch_kiosk_offers_every_journey(ctx: Context) -> None:
    entries = [c.id for c in KioskModel(ctx, role="kiosk").screen.choices if c.group == "list"]
    assert entries == ["ticket", "guide", "checkin", "requeue", "progress", "feedback"]


@pytest.mark.parametrize(
    "journey", ["ticket", "guide", "checkin", "requeue", "progress", "feedback"]
)
def test_elder_mode_is_one_tap_from_every_screen(model: KioskModel, journey: str) -> None:
    assert ELDER in ids(model)
    model.tap(journey)
    assert ELDER in ids(model) and HOME in ids(model)
    model.tap(ELDER)
    assert model.screen.elder
    model.tap(ELDER)
    assert not model.screen.elder


def test_elder_mode_shows_fewer_choices_per_screen(model: KioskModel) -> None:
    def listed() -> int:
        return len([c for c in model.screen.choices if c.group == "list"])

    model.tap("ticket")
    normal = listed()
    rows = [c for c in model.screen.choices if c.group == "row"]
    model.tap(ELDER)
    assert listed() == 4 < normal
    assert not [c for c in model.screen.choices if c.group == "row"] and rows
    assert "nav:next" in ids(model)


def test_elder_mode_reads_each_new_screen_aloud(model: KioskModel, speech: FakeSpeech) -> None:
    model.tap("guide")
    assert speech.said == []
    model.tap(ELDER)
    assert speech.said and speech.said[-1].startswith("办事指南")
    model.tap("item:jjb-156")
    assert speech.said[-1].startswith("社会保障卡申请。申请材料：申请人居民身份证原件")
    count = len(speech.said)
    model.tick()
    assert len(speech.said) == count  # the same screen is not read twice


def test_idle_timeout_goes_home_and_wipes_personal_data(
    model: KioskModel, kiosk_clock: FakeClock
) -> None:
    model.card_swiped(card_for("19800101", "王大明"))
    model.settle()
    screen = model.screen
    assert screen.journey == "ticket" and screen.personal
    assert any("王*明" in line for line in screen.lines)
    journey = model.current
    assert journey is not None
    kiosk_clock.advance(59)
    model.tick()
    assert model.screen.journey == "ticket"
    assert model.screen.countdown == 1
    assert model.screen.countdown_text == "1秒后回到首页"
    kiosk_clock.advance(2)
    model.tick()
    home = model.screen
    assert home.journey == "home"
    assert not home.personal
    assert not any("王" in line for line in home.lines)
    assert journey.card is None  # type: ignore[attr-defined]


def test_more_time_resets_the_countdown(model: KioskModel, kiosk_clock: FakeClock) -> None:
    model.tap("feedback")
    kiosk_clock.advance(55)
    assert MORE_TIME in ids(model)
    model.tap(MORE_TIME)
    kiosk_clock.advance(55)
    model.tick()
    assert model.screen.journey == "feedback"


def test_elder_mode_gives_more_time_and_ends_with_the_citizen(
    model: KioskModel, kiosk_clock: FakeClock
) -> None:
    model.tap(ELDER)
    model.tap("guide")
    kiosk_clock.advance(120)
    model.tick()
    assert model.screen.journey == "guide"
    kiosk_clock.advance(61)
    model.tick()
    assert model.screen.journey == "home"
    assert not model.screen.elder  # the next citizen starts in the standard mode


def test_the_ticket_screen_goes_home_sooner(model: KioskModel, kiosk_clock: FakeClock) -> None:
    model.tap("ticket")
    model.tap("cat:A")
    model.settle()
    kiosk_clock.advance(31)
    model.tick()
    assert model.screen.journey == "home"


def test_the_idle_timer_never_fires_while_the_hub_is_being_asked(
    model: KioskModel, kiosk_clock: FakeClock, hub: FakeHub
) -> None:
    model.tap("ticket")
    model.tap("cat:A")
    kiosk_clock.advance(600)
    model.tick()
    assert model.busy
    model.settle()
    assert model.screen.big == "A001"  # the ticket is shown, not lost to the timer


def test_a_card_swiped_at_home_starts_ticket_taking_with_it(
    model: KioskModel, reader: FakeReader, hub: FakeHub
) -> None:
    reader.queue.append(card_for("19400101"))
    model.tick()
    model.settle()
    assert model.screen.journey == "ticket"
    model.tap("cat:J")
    model.settle()
    assert hub.tickets[0].lane == "green"


def test_a_broken_card_reader_is_announced_and_every_path_still_works(
    model: KioskModel, reader: FakeReader, hub: FakeHub
) -> None:
    reader.ok = False
    model.tick()
    assert "身份证阅读器暂时不能使用，不刷卡也可以办理。" in model.screen.banners
    model.tap("ticket")
    model.tap("cat:A")
    model.settle()
    assert model.screen.big == "A001"
    model.tap(HOME)
    model.tap("checkin")
    assert "code" in ids(model)


def test_a_reader_service_that_raises_counts_as_a_broken_reader(model: KioskModel) -> None:
    class Exploding(FakeReader):
        def take_swipe(self) -> None:  # type: ignore[override]
            raise OSError("serial port gone")

    model.reader = Exploding()
    model.tick()
    assert not model.ctx.reader_ok


def test_hub_away_shows_take_ticket_unavailable_on_home_and_recovers_by_itself(
    model: KioskModel, hub: FakeHub
) -> None:
    def tile(name: str) -> Choice:
        return next(c for c in model.screen.choices if c.id == name)

    hub.away = True
    model.maintain()
    assert not tile("ticket").enabled and tile("ticket").label == "暂停自助取号"
    assert tile("ticket").hint == "排队系统暂时连不上，请到服务台取号"
    assert not tile("checkin").enabled and tile("checkin").hint.endswith("请到服务台办理")
    assert tile("guide").enabled  # the guides need no hub
    home = model.screen.home
    assert home is not None and not home.can_take_ticket
    model.tap("ticket")
    assert model.screen.journey == "home"  # not a page that fails next
    hub.away = False
    model.maintain()
    assert tile("ticket").enabled and tile("ticket").label == "取号"
    assert model.screen.banners == ()
    model.tap("ticket")
    assert model.screen.journey == "ticket"


def test_a_printer_out_of_paper_is_announced_before_anyone_takes_a_ticket(
    ctx: Context, printer: FakePrinter
) -> None:
    printer.paper = False
    assert "打印机暂停使用，号码会显示在屏幕上并语音播报。" in KioskModel(ctx).screen.banners


def test_guide_take_ticket_issues_for_that_item(model: KioskModel, hub: FakeHub) -> None:
    model.tap("guide")
    model.tap("item:jjb-126")
    model.tap("take")
    model.settle()
    assert model.screen.journey == "ticket"
    assert model.screen.big == "C001"
    assert hub.tickets[0].item_id == "jjb-126"


def test_home_goes_home_from_anywhere_but_not_while_busy(model: KioskModel) -> None:
    model.tap("ticket")
    model.tap("cat:A")
    model.tap(HOME)
    assert model.busy
    model.settle()
    model.tap(HOME)
    assert model.screen.journey == "home"


def test_elder_mode_shows_every_home_tile_on_one_page(model: KioskModel) -> None:
    model.tap(ELDER)
    entries = [c.id for c in model.screen.choices if c.group == "list"]
    assert entries == ["ticket", "guide", "checkin", "requeue", "progress", "feedback"]
    assert "nav:next" not in ids(model)
    assert model.screen.page_text == ""


def test_an_id_card_of_an_elderly_citizen_switches_elder_mode_on_and_says_so(
    model: KioskModel, speech: FakeSpeech
) -> None:
    model.card_swiped(card_for("19800101"))
    model.settle()
    assert not model.screen.elder  # a younger citizen's card changes nothing
    model.tap(HOME)
    model.card_swiped(card_for("19600101", "李大爷"))
    model.settle()
    assert model.screen.elder
    assert any(said.startswith("已为您切换到长辈版") for said in speech.said)
    model.tap(HOME)
    model.tap(ELDER)  # the citizen may switch back
    assert not model.screen.elder


def test_call_staff_sends_one_help_alert_and_shows_it_was_made(
    model: KioskModel, alerts: FakeAlerts, kiosk_clock: FakeClock
) -> None:
    assert CALL_STAFF in ids(model)
    model.tap("guide")
    model.tap(CALL_STAFF)
    model.tap(CALL_STAFF)
    assert alerts.kinds == ["help"] and "guide" in alerts.sent[0][2]
    called = next(c for c in model.screen.choices if c.id == CALL_STAFF)
    assert not called.enabled and called.label == "已呼叫工作人员"
    assert any("已通知工作人员" in b for b in model.screen.banners)
    kiosk_clock.advance(91)
    model.tap(CALL_STAFF)
    assert alerts.kinds == ["help", "help"]
