"""Fixtures of the kiosk tests: fakes of every port and a kiosk model built on them."""

from __future__ import annotations

import pytest

from devices.idnumber import check_digit
from kiosk.app_model import KioskModel
from kiosk.journeys.base import Context, KioskSettings
from kiosk.ports import SwipedCard
from tests.kiosk.fakes import (
    FakeAlerts,
    FakeClock,
    FakeHub,
    FakePrinter,
    FakeReader,
    FakeSpeech,
    make_context,
)


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def alerts() -> FakeAlerts:
    return FakeAlerts()


@pytest.fixture
def speech() -> FakeSpeech:
    return FakeSpeech()


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader()


@pytest.fixture
def kiosk_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings() -> KioskSettings:
    return KioskSettings()


@pytest.fixture
def ctx(
    hub: FakeHub,
    printer: FakePrinter,
    alerts: FakeAlerts,
    kiosk_clock: FakeClock,
    settings: KioskSettings,
) -> Context:
    return make_context(hub, printer, alerts, kiosk_clock, settings)


@pytest.fixture
def model(ctx: Context, speech: FakeSpeech, reader: FakeReader) -> KioskModel:
    return KioskModel(ctx, role="kiosk", speech=speech, reader=reader)


def card_for(birth: str = "19850615", name: str = "张小三", serial: int = 1) -> SwipedCard:
    """A swiped card with a valid ID number for the birth date (YYYYMMDD)."""
    first17 = f"320402{birth}{serial:03d}"
    return SwipedCard(first17 + check_digit(first17), name)
