"""Shared fixtures: a hall clock standing at a working-day 09:30, a temp-file hub store, an engine.

Kept small on purpose: anything only one feature needs lives in that feature's test file.
"""

from __future__ import annotations

import gc
import itertools
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings

from config import HallConfig
from config.loader import config_from_dict
from config.sample import sample_hall_data
from devices.idnumber import check_digit
from hub.engine import QueueEngine
from hub.tables import ALL_MIGRATIONS
from sync.clock import FixedClock
from sync.store import Store
from tests.pgcluster import PgCluster

pytest_plugins = ["tests.shifted_clock"]  # machine_clock_at: processes at another wall clock

# A test states behaviour, never speed: Hypothesis' 200 ms deadline per example is a speed
# check that a busy machine fails, so no example has one.
settings.register_profile("hallkit", deadline=None)
settings.load_profile("hallkit")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A Qt test runs with Python's cyclic collector off and ends with a collection on this
    (the GUI) thread, as the apps do (``appkit.collector``): otherwise a hub or worker thread
    that allocates may collect a cycle holding a widget and Qt deletes it off the GUI thread,
    a segmentation fault. Other tests keep the automatic collector. With the collector off
    every object the test made is still in the young generation, so collecting the young
    generations finds all of its garbage without walking the whole (large) test process."""
    names = getattr(item, "fixturenames", ())
    if "qtbot" not in names and "qapp" not in names:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.collect(1)
        gc.enable()


HALL_ZONE = ZoneInfo("Asia/Shanghai")
WEDNESDAY_0930 = datetime(2025, 3, 12, 9, 30, tzinfo=HALL_ZONE)
"""An ordinary working Wednesday, no holiday near it, inside the morning service period."""


def queue_hall_data() -> dict[str, Any]:
    """The sample hall as data, with ``service.require_sign_in`` off: the queue rules' tests
    (calling order, skips, transfers, ratings, events …) are about the queue, not about who is
    signed in, so they call without a clerk; tests of sign-in and of the figures turn it on."""
    data = sample_hall_data()
    data["service"] = {**data.get("service", {}), "require_sign_in": False}
    return data


@cache
def queue_hall() -> HallConfig:
    """:func:`queue_hall_data` as a configuration (the sample hall, calling without sign-in)."""
    return config_from_dict(queue_hall_data())


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing still at Wednesday 2025-03-12 09:30 in Asia/Shanghai."""
    return FixedClock(WEDNESDAY_0930)


@pytest.fixture
def secret() -> bytes:
    return b"test-hall-secret-0123456789abcdef0123"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "hub.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    """The hub's store (all hub migrations) in a temporary file."""
    opened = Store(store_path, ALL_MIGRATIONS)
    yield opened
    opened.close()


@pytest.fixture
def hall_with() -> Callable[..., HallConfig]:
    """The sample hall (calling without sign-in, as :func:`queue_hall`) with some sections
    changed: ``hall_with(queue={"requeue_behind": 1})``."""

    def make(**sections: Any) -> HallConfig:
        data = queue_hall_data()
        for key, value in sections.items():
            data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
        return config_from_dict(data)

    return make


@pytest.fixture
def make_engine(store: Store, clock: FixedClock, secret: bytes) -> Callable[..., QueueEngine]:
    """Build an engine on the shared store and clock, for :func:`queue_hall` or a given config."""

    def make(config: HallConfig | None = None, **kwargs: Any) -> QueueEngine:
        return QueueEngine(store, config or queue_hall(), clock, secret, **kwargs)

    return make


@pytest.fixture
def engine(make_engine: Callable[..., QueueEngine]) -> QueueEngine:
    """A queue engine on the sample hall (hours enforced, as the sample configures; calling
    without sign-in, see :func:`queue_hall`)."""
    return make_engine()


@pytest.fixture
def id_number() -> Callable[..., str]:
    """Distinct valid resident ID numbers for a birth date (YYYYMMDD)."""
    serials = itertools.count(1)

    def make(birth: str = "19850615", region: str = "320402") -> str:
        first17 = f"{region}{birth}{next(serials):03d}"
        return first17 + check_digit(first17)

    return make


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL server for the whole session (tests/pgcluster.py).

    Made in a fresh folder under /tmp (not pytest's, which the ``postgres`` user may not
    enter when the suite runs as root) and removed at the end. PostgreSQL is installed by
    ``make test``; without it, tests that need it fail saying so.
    """
    cluster = PgCluster(tempfile.mkdtemp(prefix="hallkit-pg-")).start()
    try:
        yield cluster
    finally:
        cluster.remove()


_databases = itertools.count(1)


@pytest.fixture
def pg_database(pg_cluster: PgCluster) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return pg_cluster.database(f"test_{next(_databases)}")
