"""Catalog and appointments going down: versions, ETags, 304 and 204."""

from __future__ import annotations

from typing import Any

import pytest

from sync.central.downlink import (
    add_appointment,
    cancel_appointment,
    check_catalog_content,
    publish_catalog,
)
from sync.central.errors import BadInput
from sync.central.store import CentralStore
from sync.wire import CatalogAnswer, WireAppointment, catalog_etag, check_catalog
from tests.sync.central.centralapp import SignedHub


def _catalog(item_name: str = "居民身份证换领") -> dict[str, Any]:
    return {
        "categories": [{"code": "A", "name": "综合业务"}],
        "items": [{"id": "jjb-001", "name": item_name, "department": "公安", "category": "A"}],
    }


def test_no_catalog_yet_is_204(hub: SignedHub) -> None:
    answer = hub.request("GET", f"/halls/{hub.hall}/catalog")
    assert answer.status_code == 204
    assert answer.content == b""


def test_a_published_catalog_comes_down_with_a_matching_checksum_and_etag(
    hub: SignedHub, central: CentralStore
) -> None:
    published = publish_catalog(central, hub.hall, _catalog())
    answer = hub.request("GET", f"/halls/{hub.hall}/catalog")
    assert answer.status_code == 200
    body = CatalogAnswer.model_validate(answer.json())
    check_catalog(body)
    assert body.version == published.version == 1
    assert answer.headers["ETag"] == catalog_etag(1, body.checksum)
    assert body.catalog["items"][0]["fees"] == "不收费"  # normalised by the config model


def test_the_same_etag_gets_304_and_a_new_version_gets_200(
    hub: SignedHub, central: CentralStore
) -> None:
    publish_catalog(central, hub.hall, _catalog())
    etag = hub.request("GET", f"/halls/{hub.hall}/catalog").headers["ETag"]
    unchanged = hub.request("GET", f"/halls/{hub.hall}/catalog", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == etag
    publish_catalog(central, hub.hall, _catalog("户口迁移"))
    changed = hub.request("GET", f"/halls/{hub.hall}/catalog", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    status = hub.request("GET", f"/halls/{hub.hall}/status").json()
    assert status["catalog_version"] == 2


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"categories": []}, "at least one category"),
        ({"categories": [{"code": "a", "name": "x"}]}, "categories[0].code"),
        ({"items": [{"id": "x", "name": "y", "department": "z", "category": "B"}]}, "no category"),
        ({"extra": 1}, "not extra"),
    ],
)
def test_a_bad_catalog_is_refused_naming_the_field(change: dict[str, Any], complaint: str) -> None:
    with pytest.raises(BadInput, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        check_catalog_content({**_catalog(), **change})


def _booking(code: str, start: str = "09:00", end: str = "09:30") -> WireAppointment:
    return WireAppointment(
        code=code, slot_start=start, slot_end=end, category="A", item_id="jjb-001"
    )


def test_a_day_without_appointments_is_version_zero(hub: SignedHub) -> None:
    answer = hub.request("GET", f"/halls/{hub.hall}/appointments?date=2026-11-22")
    assert answer.status_code == 200
    assert answer.json() == {"date": "2026-11-22", "version": 0, "appointments": []}
    assert answer.headers["ETag"] == '"0"'


def test_each_booking_and_cancellation_bumps_the_days_version(
    hub: SignedHub, central: CentralStore
) -> None:
    assert add_appointment(central, hub.hall, "2026-11-22", _booking("Y1")) == 1
    assert add_appointment(central, hub.hall, "2026-11-22", _booking("Y2", "10:00", "10:30")) == 2
    assert cancel_appointment(central, hub.hall, "Y1") == 3
    answer = hub.request("GET", f"/halls/{hub.hall}/appointments?date=2026-11-22")
    body = answer.json()
    assert body["version"] == 3
    assert answer.headers["ETag"] == '"3"'
    assert [(a["code"], a["status"]) for a in body["appointments"]] == [
        ("Y1", "cancelled"),
        ("Y2", "booked"),
    ]
    same = hub.request(
        "GET", f"/halls/{hub.hall}/appointments?date=2026-11-22", headers={"If-None-Match": '"3"'}
    )
    assert same.status_code == 304


def test_moving_a_booking_to_another_day_changes_both_days(
    hub: SignedHub, central: CentralStore
) -> None:
    add_appointment(central, hub.hall, "2026-11-22", _booking("Y1"))
    add_appointment(central, hub.hall, "2026-11-23", _booking("Y1"))
    first = hub.request("GET", f"/halls/{hub.hall}/appointments?date=2026-11-22").json()
    assert (first["version"], first["appointments"]) == (2, [])


@pytest.mark.parametrize("day", ["22.11.2026", "20261122", "2026-W47-7", "2026-11-22T00"])
def test_a_date_not_written_yyyy_mm_dd_is_a_bad_request(hub: SignedHub, day: str) -> None:
    # Python reads 20261122 and 2026-W47-7 as dates; the protocol (and the OpenAPI's
    # format: date) says YYYY-MM-DD only.
    answer = hub.request("GET", f"/halls/{hub.hall}/appointments?date={day}")
    assert (answer.status_code, answer.json()["error"]) == (400, "bad_input")


def test_bad_slots_are_refused(central: CentralStore, hub: SignedHub) -> None:
    with pytest.raises(BadInput, match="slot_end"):
        add_appointment(central, hub.hall, "2026-11-22", _booking("Y1", "10:00", "09:00"))
    with pytest.raises(BadInput, match="slot_start"):
        add_appointment(central, hub.hall, "2026-11-22", _booking("Y1", "9:00", "09:30"))
