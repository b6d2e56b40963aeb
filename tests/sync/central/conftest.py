"""Fixtures for central tests: a central on a temp folder with a settable clock, one enrolled hub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync.central.app import create_central_app
from sync.central.store import CentralStore
from tests.sync.central.centralapp import FakeNow, SignedHub, enroll

ADMIN = "admin-token-for-tests"


@pytest.fixture
def now() -> FakeNow:
    return FakeNow()


@pytest.fixture(params=["sqlite", "postgresql"])
def central_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where central's store lives: each central test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "central.db")
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture
def central(central_db: str, now: FakeNow) -> Iterator[CentralStore]:
    """Central's store (a temp file, or a fresh PostgreSQL database), on the fake clock."""
    store = CentralStore(central_db, now=now)
    yield store
    store.close()


def db_args(central: CentralStore, data: Path) -> list[str]:
    """The ``hall central`` options naming ``central``'s database (``--db`` or ``--data``)."""
    if central.db.dialect == "postgresql":
        return ["--db", central.location]
    return ["--data", str(Path(central.db.location).parent)]


@pytest.fixture
def client(central: CentralStore) -> Iterator[TestClient]:
    with TestClient(create_central_app(central, admin_token=ADMIN)) as test_client:
        yield test_client


@pytest.fixture
def hub(central: CentralStore, client: TestClient, now: FakeNow) -> SignedHub:
    """A hub enrolled for the hall 示例镇便民服务中心 (GB/T 39046 rating scale)."""
    _, code = central.add_hall("示例镇便民服务中心")
    return enroll(client, code, now)
