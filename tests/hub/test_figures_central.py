"""A hall's figures at central equal its hub's: the report day of tests/hub/report_day.py is
sent by the uplink (events, then each day's figures) and reported on both sides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config import HallConfig
from sync.central.figures import central_report
from sync.central.store import CentralStore
from sync.credential import Credential
from sync.figure_uplink import FigureUplink
from sync.http import CentralClient
from sync.uplink import Uplink
from tests.hub.report_day import DAY, ZONE, Hall, open_hall, play_day, write_hall
from tests.sync.central_thread import central_in_thread

GROUPINGS = ("window", "clerk", "category", "item", "hour", "day")


@pytest.fixture(params=["sqlite", "postgresql"])
def central_db(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture
def hall_config(tmp_path: Path) -> HallConfig:
    return write_hall(tmp_path / "hall.toml")


def hub_report(hall: Hall, by: str) -> dict[str, Any]:
    answer = hall.get("/reports", **{"from": DAY, "to": DAY, "by": by})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@dataclass
class Both:
    hall: Hall
    central: CentralStore
    hall_id: str
    figures: FigureUplink
    uplink: Uplink


def send_everything(hall: Hall, store: CentralStore, base_url: str) -> Both:
    """Enroll the hub at central and let an uplink send its events and figures."""
    _, code = store.add_hall("示例镇便民服务中心")
    granted = store.enroll(code, "127.0.0.1", hub_name="hub-test")
    credential = Credential(
        central_url=base_url,
        hall=granted.hall,
        hall_name=granted.hall_name,
        key_id=granted.key_id,
        secret_b64=granted.secret_b64,
    )
    figures = FigureUplink(
        hall.hub.store, lambda: hall.hub.engine.calendar, hall.clock.now, every=0, check_every=0
    )
    uplink = Uplink(
        hall.hub.store,
        hall.hub.config.sync,
        CentralClient(credential),
        hall.clock,
        zone=ZONE,
        figures=figures,
        purge_every=None,
    )
    status = uplink.drain(give_up_after=30)
    assert status.backlog == 0, status
    return Both(hall, store, granted.hall, figures, uplink)


@pytest.fixture
def both(tmp_path: Path, hall_config: HallConfig, central_db: str | None) -> Iterator[Both]:
    with (
        open_hall(tmp_path / "hub", hall_config) as hall,
        central_in_thread(tmp_path / "central", db=central_db) as central,
    ):
        play_day(hall)
        yield send_everything(hall, central.store, central.base_url)


FIGURES = (
    "issued", "called", "served", "missed", "transferred", "wait_p50_s", "wait_p90_s",
    "wait_max_s", "service_p50_s", "service_p90_s", "service_max_s", "ratings", "rated",
    "unrated", "satisfaction_rate", "bad", "rating_rate", "followups_overdue",
    "signed_in_seconds", "pauses", "pause_seconds",
)  # fmt: skip


def figures_of(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in FIGURES}


def test_every_grouping_at_central_has_the_hubs_numbers(both: Both) -> None:
    hall, central, hall_id = both.hall, both.central, both.hall_id
    assert both.figures.days_sent == 1
    today = date.fromisoformat(DAY)
    for by in GROUPINGS:
        at_hub = hub_report(hall, by)
        at_central = central_report(central, today, today, by, halls=[hall_id], today=today)
        hub_rows = {row["key"]: row for row in at_hub["rows"]}
        central_rows = {row["key"]: row for row in at_central["rows"]}
        assert central_rows, by
        for key, row in central_rows.items():
            assert figures_of(row) == figures_of(hub_rows[key]), (by, key)
        for key in set(hub_rows) - set(central_rows):  # listed by the hub, empty all day
            assert hub_rows[key]["called"] == hub_rows[key]["served"] == 0, (by, key)
        assert figures_of(at_central["total"]) == figures_of(at_hub["total"]), by
    assert at_central["total"]["served"] == 7


def test_follow_ups_turn_overdue_at_central_as_on_the_hub(both: Both) -> None:
    hall, central, hall_id = both.hall, both.central, both.hall_id
    later = datetime.fromisoformat(f"{DAY}T10:30:00").replace(tzinfo=ZONE) + timedelta(days=40)
    hall.at(later.strftime("%H:%M:%S"), later.date().isoformat())
    day = date.fromisoformat(DAY)
    for by in ("window", "clerk"):
        at_hub = {r["key"]: r["followups_overdue"] for r in hub_report(hall, by)["rows"]}
        at_central = central_report(central, day, day, by, halls=[hall_id], today=later.date())
        found = {r["key"]: r["followups_overdue"] for r in at_central["rows"]}
        assert found == {k: at_hub[k] for k in found}
        assert sum(found.values()) == 2
        assert at_central["total"]["followups_overdue"] == 2


def test_an_unchanged_day_is_not_sent_again_and_a_changed_one_is(both: Both) -> None:
    def issued_at_central() -> int:
        with both.central.db.read() as db:
            row = db.execute(
                "SELECT issued FROM hall_figures_counts WHERE hall = ? AND dim = 't'",
                (both.hall_id,),
            ).fetchone()
        return int(row[0])

    assert issued_at_central() == 8
    both.uplink.drain(give_up_after=30)
    assert both.figures.days_sent == 1  # nothing changed: nothing sent
    both.hall.at("10:35:00")
    both.hall.issue("A")
    both.uplink.drain(give_up_after=30)
    assert both.figures.days_sent == 2
    assert issued_at_central() == 9
