"""好差评 up to the province: records made at intake, sent in order, once, through outages.

Every test runs on SQLite and on PostgreSQL (the ``central`` fixture) against the fake
province in its own process (tests/sync/central/fakeprovince.py), on central's fake clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.engine import QueueEngine
from sync.batches import read_batch
from sync.central.forwarder import Forwarder
from sync.central.province import ProvinceConfig, province_status
from sync.central.store import CentralStore
from sync.clock import FixedClock
from sync.store import Store
from tests.conftest import HALL_ZONE
from tests.hub.followup_helpers import CLERK, MANAGER, STEP_BODIES, rated, the_followup
from tests.sync.central.centralapp import FakeNow, SignedHub, enroll, event
from tests.sync.central.fakeprovince import FakeProvince
from tests.sync.central.provincedata import (
    REGION,
    followup_opened,
    followup_step,
    outbox,
    rating,
    set_region,
)
from tests.timing import wait_for


@pytest.fixture
def province(tmp_path: Path) -> Iterator[FakeProvince]:
    fake = FakeProvince(tmp_path / "province").start()
    yield fake
    fake.stop()


def forwarder(central: CentralStore, province: FakeProvince, **settings: object) -> Forwarder:
    config = ProvinceConfig(
        url=province.url, token=province.token_file.read_text().strip(), timeout=5.0
    )
    return Forwarder(central, ProvinceConfig(**{**config.__dict__, **settings}))


def _sent_ids(hub: SignedHub, seqs: range) -> list[str]:
    return [f"{hub.hall}:{seq}" for seq in seqs]


def test_every_rating_and_step_reaches_the_province_once_in_order_with_its_record(
    central: CentralStore, hub: SignedHub, province: FakeProvince
) -> None:
    set_region(central, hub.hall)
    events = [
        event(1),
        rating(2, 5, "等候时间长"),
        followup_opened(3),
        rating(4, 1),
        followup_step(5, 3, "verify"),
        followup_step(6, 3, "revisit"),
    ]
    assert hub.send(events).status_code == 200
    sender = forwarder(central, province, scale="reverse")
    try:
        assert sender.run_once().sent == 5
        assert sender.run_once().sent == 0  # nothing twice
    finally:
        sender.stop()
    records = province.state()["records"]
    assert [r["record_id"] for r in records] == _sent_ids(hub, range(2, 7))
    bad = records[0]
    assert bad["kind"] == "rating"
    assert bad["division_code"] == REGION  # the hall's region, not what the hub was told
    assert (bad["level"], bad["satisfaction"], bad["scale"]) == (5, 1, "reverse")
    assert bad["satisfaction_name"] == "非常不满意"
    assert bad["evaluated_at"] == "20261122T093512"
    assert bad["case_no"] == "20261122-A002"
    assert bad["text"] == "等候时间长"
    assert bad["object"] == {
        "hall": hub.hall,
        "hall_name": "示例镇便民服务中心",
        "window": 3,
        "clerk": "0107",
        "item_id": "jjb-001",
    }
    assert records[2]["satisfaction"] == 5  # 非常满意 in the reverse direction
    opened, step = records[1], records[3]
    assert opened["kind"] == "followup.opened"
    assert opened["followup"]["id"] == "f-1"
    assert step["step"]["name"] == "verify" and step["step"]["text"] == "已核实，属实"
    assert records[4]["step"]["satisfied"] is True
    # Privacy: the citizen's masked phone and the clerk's name never leave central.
    text = str(records)
    assert "138****5678" not in text and "王小明" not in text and "manager1" not in text


def test_through_503s_and_a_refused_connection_records_wait_and_arrive_once(
    central: CentralStore, hub: SignedHub, province: FakeProvince, now: FakeNow
) -> None:
    set_region(central, hub.hall)
    hub.send([rating(1, 2), rating(2, 3)])
    sender = forwarder(central, province)
    try:
        province.control(fail=1, status=503)
        result = sender.run_once()
        assert (result.sent, result.failed) == (0, [hub.hall])
        assert outbox(central)[f"{hub.hall}:1"][:2] == ("pending", 1)
        assert "503" in (province_status(central).last_error or "")
        assert sender.run_once().sent == 0  # backing off: not due yet
        province.stop()  # the province is away: connection refused
        now.t += 3600
        assert sender.run_once().failed == [hub.hall]
        assert "cannot reach the province" in (province_status(central).last_error or "")
        hub.send([rating(3, 1)])
        province.start()
        now.t += 3600
        assert sender.run_once().sent == 3
    finally:
        sender.stop()
    assert province.record_ids() == _sent_ids(hub, range(1, 4))
    status = province_status(central)
    assert (status.pending, status.sent, status.held) == (0, 3, 0)


def test_a_hall_without_a_region_is_held_with_the_reason_and_sent_once_it_has_one(
    central: CentralStore, hub: SignedHub, province: FakeProvince
) -> None:
    hub.send([rating(1, 4, "态度不好")])
    sender = forwarder(central, province)
    try:
        assert sender.run_once().sent == 0
        status = province_status(central)
        assert status.pending == 1
        assert [(hall, count) for hall, _, count in status.waiting_for_region] == [(hub.hall, 1)]
        assert "no region" in status.to_dict()["waiting_for_region"][0]["reason"]
        set_region(central, hub.hall)
        assert sender.run_once().sent == 1
    finally:
        sender.stop()
    assert province.record_ids() == [f"{hub.hall}:1"]
    assert province_status(central).waiting_for_region == []


def test_a_record_the_province_refuses_is_held_with_its_reason_and_the_rest_go_on(
    central: CentralStore, hub: SignedHub, province: FakeProvince
) -> None:
    set_region(central, hub.hall)
    hub.send([rating(1, 1), rating(2, 2), rating(3, 3)])
    province.control(refuse=[f"{hub.hall}:2"])
    sender = forwarder(central, province)
    try:
        result = sender.run_once()
    finally:
        sender.stop()
    assert (result.sent, result.held) == (2, 1)
    assert province.record_ids() == [f"{hub.hall}:1", f"{hub.hall}:3"]
    status = province_status(central)
    assert status.held == 1
    assert status.held_records[0][0] == f"{hub.hall}:2"
    assert "told to refuse" in status.held_records[0][1]


def test_records_behind_a_gap_wait_until_the_gap_is_filled(
    central: CentralStore, hub: SignedHub, province: FakeProvince
) -> None:
    set_region(central, hub.hall)
    hub.send([rating(1, 1), rating(3, 3)], hub_last_seq=3)
    sender = forwarder(central, province)
    try:
        assert sender.run_once().sent == 1
        hub.send([rating(2, 2)], hub_last_seq=3)
        assert sender.run_once().sent == 2
    finally:
        sender.stop()
    assert province.record_ids() == _sent_ids(hub, range(1, 4))


def test_a_payload_that_cannot_make_a_record_is_held_and_its_batch_still_stored(
    central: CentralStore, hub: SignedHub
) -> None:
    broken = event(2, "followup.step", {"step": "verify"})  # no followup_id
    answer = hub.send([rating(1, 1), broken])
    assert answer.json()["acked_seq"] == 2
    rows = outbox(central)
    assert rows[f"{hub.hall}:1"][0] == "pending"
    status, _, _, reason = rows[f"{hub.hall}:2"]
    assert status == "held" and reason is not None and "followup_id" in reason


def test_two_senders_never_send_one_halls_records_at_once(
    central: CentralStore, hub: SignedHub, province: FakeProvince
) -> None:
    set_region(central, hub.hall)
    hub.send([rating(seq, 1 + seq % 5) for seq in range(1, 31)])
    province.control(delay=0.5)  # a slow province: the first sender is mid-request
    first, second = forwarder(central, province, batch=10), forwarder(central, province, batch=10)
    results = []
    try:
        thread = threading.Thread(target=lambda: results.append(first.run_once()))
        thread.start()
        # wait until the first request reached the province, then try alongside it
        wait_for(lambda: province.state()["requests"] >= 1, "the first sender's request")
        results.append(second.run_once())
        thread.join()
    finally:
        first.stop()
        second.stop()
    assert sorted(r.sent for r in results) == [0, 30]
    state = province.state()
    assert state["duplicates"] == 0
    assert [r["record_id"] for r in state["records"]] == _sent_ids(hub, range(1, 31))


def test_a_real_hubs_bad_rating_and_its_follow_up_reach_the_province_as_records(
    central: CentralStore,
    hub: SignedHub,
    province: FakeProvince,
    engine: QueueEngine,
    clock: FixedClock,
    store: Store,
) -> None:
    rating_ = rated(engine, clock, level=5, reason="等候时间过长")
    followup = the_followup(engine)
    for name in ("verify", "rectify", "revisit"):
        engine.followup_step(MANAGER, followup["id"], name, STEP_BODIES[name])
    last = engine.events_after(0)[-1].seq
    batch = read_batch(
        store.reader(),
        0,
        hall=hub.hall,
        hub_last_seq=last,
        max_events=1000,
        max_bytes=10**7,
        scale="gbt39046",
        zone=HALL_ZONE,
        sent_at="now",
    )
    assert batch is not None
    answer = hub.request(
        "POST", f"/halls/{hub.hall}/events", batch.body, {"Content-Type": "application/json"}
    )
    assert answer.json()["acked_seq"] == last
    set_region(central, hub.hall)
    sender = forwarder(central, province)
    try:
        assert sender.run_once().sent == 5
    finally:
        sender.stop()
    records = province.state()["records"]
    kinds = [r["kind"] for r in records]
    assert kinds == ["rating", "followup.opened", *["followup.step"] * 3]
    assert [r["step"]["name"] for r in records[2:]] == ["verify", "rectify", "revisit"]
    first = records[0]
    assert first["rating_id"] == rating_.id
    assert (first["level"], first["satisfaction"], first["text"]) == (5, 5, "等候时间过长")
    assert first["object"]["clerk"] == CLERK[0] and first["object"]["window"] == 1
    assert all(r["rating_id"] == rating_.id for r in records)
    assert all(r["case_no"] == first["case_no"] for r in records)
    assert records[-1]["step"]["satisfied"] is True
    assert CLERK[1] not in str(records)  # the clerk's name stays at the hall and central


def test_the_provinces_code_direction_does_not_depend_on_the_halls(
    central: CentralStore, client: TestClient, now: FakeNow, province: FakeProvince
) -> None:
    _, code = central.add_hall("反向评价镇", rating_scale="reverse")
    reverse_hub = enroll(client, code, now)
    very_good = rating(1, 1)
    very_good["payload"]["gbt39046"]["satisfaction"] = 5  # the hall's reverse code of 1
    assert reverse_hub.send([very_good]).json()["rejected"] == []
    set_region(central, reverse_hub.hall)
    sender = forwarder(central, province)  # the province counts in the standard's order
    try:
        assert sender.run_once().sent == 1
    finally:
        sender.stop()
    [record] = province.state()["records"]
    assert (record["level"], record["satisfaction"], record["satisfaction_name"]) == (
        1,
        1,
        "非常满意",
    )
