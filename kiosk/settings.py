"""A kiosk's settings from the hall's configuration: one source for each.

The box's pages and idle times are ``[devices.NAME.screen]`` (:class:`config.boxes.
KioskScreenSettings`), the printed QR codes ``[links]``, the re-queue window ``[queue]``; the
journeys read them as :class:`kiosk.journeys.base.KioskSettings`.
"""

from __future__ import annotations

from config import HallConfig
from config.boxes import KioskScreenSettings
from kiosk.journeys.base import KioskSettings


def kiosk_settings(config: HallConfig, box: str) -> KioskSettings:
    """The settings of box ``box`` (its ``[devices.BOX]`` section; the defaults without one)."""
    device = config.devices.get(box)
    screen = device.screen if device is not None else KioskScreenSettings()
    return KioskSettings(
        device_name=box,
        page_size=screen.page_size,
        elder_page_size=screen.elder_page_size,
        popular_count=screen.popular_count,
        idle_seconds=screen.idle_seconds,
        elder_idle_seconds=screen.elder_idle_seconds,
        done_seconds=screen.done_seconds,
        warn_seconds=screen.warn_seconds,
        requeue_minutes=config.queue.requeue_minutes,
        ticket_qr=config.links.ticket_qr,
        guide_qr=config.links.guide_qr,
    )
