"""A kiosk's pages and idle times come from its box's section of the hall configuration."""

from __future__ import annotations

from typing import Any

from kiosk.journeys.base import KioskSettings
from kiosk.settings import kiosk_settings


def test_a_boxs_screen_section_sets_its_pages_and_idle_times(hall_with: Any) -> None:
    config = hall_with(
        devices={"kiosk-2": {"role": "kiosk", "screen": {"page_size": 12, "idle_seconds": 90}}},
        queue={"requeue_minutes": 45},
    )
    settings = kiosk_settings(config, "kiosk-2")
    assert (settings.page_size, settings.idle_seconds) == (12, 90.0)
    assert settings.elder_page_size == KioskSettings().elder_page_size  # untouched: the default
    assert (settings.device_name, settings.requeue_minutes) == ("kiosk-2", 45)
    assert settings.ticket_qr == config.links.ticket_qr


def test_a_box_without_a_section_gets_the_defaults(hall_with: Any) -> None:
    settings = kiosk_settings(hall_with(), "kiosk-9")
    defaults = KioskSettings()
    assert (settings.page_size, settings.idle_seconds, settings.done_seconds) == (
        defaults.page_size,
        defaults.idle_seconds,
        defaults.done_seconds,
    )
