"""Clocks: the fixed test clock moves only when told; the system clock is aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.clock import FixedClock, SystemClock

START = datetime(2025, 3, 12, 1, 30, tzinfo=UTC)


def test_fixed_clock_needs_an_aware_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2025, 3, 12, 9, 30))


def test_fixed_clock_stands_still_until_advanced() -> None:
    clock = FixedClock(START)
    mono = clock.monotonic_ns()
    assert clock.now() == START
    assert clock.monotonic_ns() == mono
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)
    assert clock.monotonic_ns() == mono + 90_000_000_000


def test_setting_the_wall_time_back_still_moves_monotonic_time_forward() -> None:
    clock = FixedClock(START)
    mono = clock.monotonic_ns()
    clock.set(START - timedelta(days=1))
    assert clock.now() == START - timedelta(days=1)
    assert clock.monotonic_ns() > mono


def test_system_clock_is_aware_utc_and_applies_its_offset() -> None:
    clock = SystemClock()
    assert clock.now().tzinfo is UTC
    clock.offset_seconds = 2 * 86400
    assert clock.now() > datetime.now(UTC) + timedelta(days=1)
    assert clock.trusted is True
    assert clock.boot_id


def test_system_clock_monotonic_time_never_goes_back() -> None:
    clock = SystemClock()
    readings = [clock.monotonic_ns() for _ in range(100)]
    assert readings == sorted(readings)
