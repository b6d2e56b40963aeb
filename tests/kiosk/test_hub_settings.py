"""A kiosk hears a manager's console edit through the hub's event stream and shows the new
opening hours and phones after its catalog refresh; the hours line reads per weekday."""

from __future__ import annotations

import threading
from typing import Any

from hub.actors import Actor
from hub.client import HubClient
from kiosk.facts import HallFacts, facts_of_catalog, schedule_text
from kiosk.hub_watch import SettingsWatch
from tests.kiosk.test_real_hub import Hall, hall  # noqa: F401 - the real-hub fixture
from tests.timing import PATIENCE, wait_for

MANAGER = Actor("zhang", "manager", "session")


def saturday_mornings(data: dict[str, Any]) -> None:
    data["service"]["days"] = [1, 2, 3, 4, 5, 6]
    data["service"]["weekday_hours"] = {"6": ["09:00-12:00"]}
    data["hall"]["phone"] = "0752-1234567"


def test_hours_read_per_weekday() -> None:
    text = schedule_text([1, 2, 3, 4, 5, 6], ["09:00-12:00", "13:00-17:00"], {6: ["09:00-12:00"]})
    assert text == "周一至周五 09:00–12:00、13:00–17:00；周六 09:00–12:00"
    assert schedule_text([1, 2, 3, 4, 5], ["09:00-17:00"]) == "周一至周五 09:00–17:00"


def test_the_catalog_answer_carries_hours_and_phones_and_others_keep_the_box_s() -> None:
    data = {"hall": {"phone": "123"}, "service": {"days": [1], "hours": ["09:00-10:00"]}}
    facts = HallFacts(name="某中心", supervision_phone="12345").updated(facts_of_catalog(data))
    assert (facts.name, facts.phone, facts.hours) == ("某中心", "123", "周一 09:00–10:00")
    assert facts.supervision_phone == "12345"
    assert HallFacts(phone="9").updated(facts_of_catalog({})).phone == "9"  # an older hub


def test_a_console_edit_reaches_the_kiosk_through_the_stream(hall: Hall) -> None:  # noqa: F811
    heard = threading.Event()
    token = hall.admin.add_device("kiosk", "kiosk-watch")["token"]
    watch = SettingsWatch(HubClient(hall.url, token, timeout=PATIENCE), heard.set)
    watch.start()
    try:
        wait_for(lambda: watch.following, "the watch following the stream")
        assert not heard.is_set()
        hall.hub.book.edit(MANAGER, saturday_mornings, "周六上午服务")
        assert heard.wait(PATIENCE), "the kiosk did not hear config.applied"
    finally:
        watch.stop()
    hall.kiosk.maintain()  # what the heard event starts on the kiosk's worker
    facts = hall.kiosk.ctx.hall
    assert facts.hours == "周一至周五 09:00–12:00、13:00–17:00；周六 09:00–12:00"
    assert facts.phone == "0752-1234567"
