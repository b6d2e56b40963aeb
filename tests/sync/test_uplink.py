"""The uplink against a scripted central: order, batching, acknowledgement, retries, rejections."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config import sample_hall
from config.schema import SyncSettings
from hub.engine import QueueEngine
from sync.clock import SYSTEM_WAIT_CLOCK, FixedClock, WaitClock
from sync.credential import Credential
from sync.http import CentralClient
from sync.outbox import Event, Outbox
from sync.store import Store
from sync.uplink import CLOCK_TRUST_SECONDS, Uplink
from sync.uplink_records import rejected_events, state_value
from sync.uplink_status import UplinkState
from tests.conftest import WEDNESDAY_0930
from tests.sync.uplink_central import HALL, ScriptedCentral, scripted_central
from tests.timing import PATIENCE, SteppedWaits, wait_for

ZONE = ZoneInfo("Asia/Shanghai")
MakeUplink = Callable[..., Uplink]


@pytest.fixture
def central() -> Iterator[ScriptedCentral]:
    with scripted_central() as running:
        yield running


@pytest.fixture
def make_uplink(store: Store, clock: FixedClock, central: ScriptedCentral) -> Iterator[MakeUplink]:
    made: list[Uplink] = []

    def make(
        credential: Credential | None = None,
        *,
        on_events: Callable[[list[Event]], None] | None = None,
        backoff_base: float = 0.01,
        linger: float = 0.05,
        waits: WaitClock = SYSTEM_WAIT_CLOCK,
        **settings: Any,
    ) -> Uplink:
        client = CentralClient(credential or central.credential(), timeout=5.0)
        uplink = Uplink(
            store,
            SyncSettings().model_copy(update=settings),
            client,
            clock,
            zone=ZONE,
            on_events=on_events,
            rng=random.Random(7),
            backoff_base=backoff_base,
            linger=linger,
            purge_every=None,
            waits=waits,
        )
        made.append(uplink)
        return uplink

    yield make
    for uplink in made:
        uplink.stop()


def add_events(store: Store, clock: FixedClock, count: int, type_: str = "ticket.issued") -> None:
    outbox = Outbox(clock)
    with store.write() as db:
        for i in range(count):
            outbox.append(db, type_, {"ticket": {"id": f"t{i}", "number": f"A{i:03d}"}, "n": i})


def stored_ids(store: Store) -> dict[int, str]:
    return {e.seq: e.event_id for e in Outbox.iter_all(store.db)}


# -- order, batches, acknowledgement -----------------------------------------------------------


def test_drain_sends_every_event_once_in_seq_order_in_batches_bounded_by_count(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 2500)
    status = make_uplink(batch_max_events=1000).drain()
    assert [(b.seqs[0], b.seqs[-1]) for b in central.batches] == [
        (1, 1000),
        (1001, 2000),
        (2001, 2500),
    ]
    assert central.sent_seqs() == list(range(1, 2501))
    assert central.held == stored_ids(store)
    assert status.acked_seq == Outbox.acked_seq(store.db) == 2500
    assert status.backlog == 0 and status.state is UplinkState.IDLE


def test_batches_stay_under_the_byte_bound_of_uncompressed_json(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 400)
    make_uplink(batch_max_bytes=16_384).drain()
    assert len(central.batches) > 3
    assert all(batch.raw_bytes <= 16_384 for batch in central.batches)
    assert max(batch.raw_bytes for batch in central.batches) > 15_000  # filled, not tiny
    assert central.sent_seqs() == list(range(1, 401))


def test_a_batch_is_gzip_with_an_idempotency_key_over_its_uncompressed_body(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 10)
    make_uplink().drain()
    (batch,) = central.batches
    assert batch.encoding == "gzip"
    hall, span, digest = batch.key.split(":")
    assert (hall, span) == (HALL, "1-10")
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert batch.hub_last_seq == 10


def test_the_mark_follows_centrals_answer_not_what_was_sent_and_resends_from_the_gap(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 30)
    central.drop_once.update(range(6, 11))  # central loses 6..10 of the first batch
    uplink = make_uplink(batch_max_events=10)
    uplink.step()  # the check-in
    uplink.step()  # batch 1..10, answered acked 5
    assert Outbox.acked_seq(store.db) == 5
    uplink.drain()
    # 11..20 shows central the gap (it holds events above its mark): it names 6; after
    # resending 6..15 its mark is 20, so the hub goes on at 21, not at 16.
    assert [b.seqs[0] for b in central.batches] == [1, 11, 6, 21]
    assert central.held == stored_ids(store)
    assert Outbox.acked_seq(store.db) == 30


def test_the_mark_never_passes_what_the_batch_said_the_hub_holds(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 4)
    central.answers.append((200, {"acked_seq": 900, "rejected": []}, {}))
    uplink = make_uplink()
    uplink.step()
    uplink.step()
    assert Outbox.acked_seq(store.db) == 4


def test_a_restarted_uplink_asks_central_first_and_does_not_resend_what_it_holds(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 50)
    central.held.update({seq: eid for seq, eid in stored_ids(store).items() if seq <= 40})
    make_uplink().drain()
    assert central.status_calls == 1
    assert central.sent_seqs() == list(range(41, 51))
    assert Outbox.acked_seq(store.db) == 50


def test_the_mark_only_moves_forward_so_two_uplinks_on_one_store_never_conflict(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 3000)
    first, second = make_uplink(batch_max_events=100), make_uplink(batch_max_events=70)
    threads = [threading.Thread(target=u.drain) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert central.held == stored_ids(store)
    assert Outbox.acked_seq(store.db) == 3000
    # A late answer with a lower mark (the slower uplink) left the stored mark alone.
    central.answers.append((200, {"acked_seq": 10, "rejected": []}, {}))
    add_events(store, clock, 1)
    first.drain()
    assert Outbox.acked_seq(store.db) == 3000


# -- failures and retries ----------------------------------------------------------------------


def test_a_503_with_retry_after_waits_at_least_that_long_then_sends_again(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 5)
    central.answers.append((503, {"error": "busy"}, {"Retry-After": "1"}))
    uplink = make_uplink()
    uplink.drain()
    first, second = central.batches
    assert second.at - first.at >= 1.0
    assert second.key == first.key  # the very same batch
    assert Outbox.acked_seq(store.db) == 5


def test_a_lost_answer_is_retried_with_the_same_key_and_central_counts_it_once(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 20)
    central.lose_answers = 1
    make_uplink(batch_max_events=20).drain()
    first, second = central.batches
    assert first.key == second.key and first.seqs == second.seqs
    assert central.held == stored_ids(store)
    assert Outbox.acked_seq(store.db) == 20


def test_unreachable_central_is_a_state_with_the_error_and_next_retry(
    store: Store, clock: FixedClock, make_uplink: MakeUplink, central: ScriptedCentral
) -> None:
    add_events(store, clock, 3)
    gone = dataclasses.replace(central.credential(), central_url="http://127.0.0.1:9")
    uplink = make_uplink(gone)
    status = uplink.drain(give_up_after=0.2)
    assert status.state is UplinkState.UNREACHABLE
    assert status.backlog == 3 and status.acked_seq == 0
    assert status.last_error and "127.0.0.1:9" in status.last_error
    assert status.next_retry_at is not None
    assert state_value(store.db, "last_error") == status.last_error


def test_a_413_halves_the_batch_until_central_takes_it(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 100)
    central.max_events = 30
    make_uplink(batch_max_events=100).drain()
    refused = [len(b.seqs) for b in central.batches if len(b.seqs) > 30]
    assert refused == [100, 50]
    assert central.held == stored_ids(store)


def test_stop_returns_while_a_request_hangs(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 5)
    central.gate.clear()  # central takes the batch and never answers
    uplink = make_uplink()
    uplink.start()
    wait_for(lambda: central.in_flight == 1, "the batch waiting at central")
    uplink.stop(timeout=1.0)
    assert central.in_flight == 1, "stop() waited for central's answer"
    assert uplink.status().state is UplinkState.STOPPED
    assert Outbox.acked_seq(store.db) == 0  # nothing lost: the batch is simply sent again
    central.gate.set()


# -- rejections --------------------------------------------------------------------------------


def test_a_rejected_event_is_recorded_reported_not_resent_and_does_not_block_the_rest(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 10)
    central.reject[4] = "payload.level: must be 1–5"
    heard: list[Event] = []
    make_uplink(batch_max_events=5, on_events=heard.extend).drain()

    (record,) = rejected_events(store.db)
    assert (record.seq, record.type, record.reason) == (4, "ticket.issued", central.reject[4])
    assert [e.type for e in heard] == ["sync.rejected"]
    assert heard[0].payload == {
        "seq": 4,
        "event_id": central.held[4],
        "type": "ticket.issued",
        "reason": "payload.level: must be 1–5",
    }
    # The report itself went up, behind the others; seq 4 went exactly once.
    assert central.sent_seqs().count(4) == 1
    assert central.events[11]["type"] == "sync.rejected"
    assert Outbox.acked_seq(store.db) == 11


def test_a_rejection_heard_again_after_a_lost_answer_is_recorded_once(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 3)
    central.reject[2] = "bad"
    uplink = make_uplink()
    uplink.drain()
    # Central says it again (as after a lost answer): no second record, no second report.
    central.answers.append(
        (200, {"acked_seq": 4, "rejected": [{"seq": 2, "event_id": "x", "reason": "bad"}]}, {})
    )
    add_events(store, clock, 1)
    uplink.drain()
    assert len(rejected_events(store.db)) == 1
    assert [e.type for e in Outbox.iter_all(store.db)].count("sync.rejected") == 1


# -- the hall never waits, and a busy hall is batched ------------------------------------------


def test_issuing_a_ticket_never_waits_for_centrals_answer(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    engine = QueueEngine(store, sample_hall(), clock, b"s" * 32, enforce_hours=False)
    add_events(store, clock, 3000)
    central.gate.clear()  # central holds its answer to the first batch until told
    uplink = make_uplink(batch_max_events=200)
    engine.subscribe(lambda _: uplink.wake())
    uplink.start()
    wait_for(lambda: central.in_flight == 1, "the uplink waiting for central's answer")
    numbers: list[str] = []

    def issue() -> None:
        numbers.extend(engine.issue_ticket(category="A").number for _ in range(40))

    # Had the uplink held the writer lock across its request, these would wait for central.
    issuer = threading.Thread(target=issue)
    issuer.start()
    issuer.join(PATIENCE)
    assert not issuer.is_alive(), "issuing a ticket waited for central's answer"
    assert len(set(numbers)) == 40
    assert central.in_flight == 1 and central.batches == []  # still unanswered all along
    central.gate.set()
    wait_for(lambda: Outbox.acked_seq(store.db) == Outbox.last_seq(store.db), "the drain")
    assert central.held == stored_ids(store)


def test_events_committed_while_a_woken_uplink_lingers_go_up_in_one_request(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    waits = SteppedWaits()
    uplink = make_uplink(linger=0.2, heartbeat_seconds=60, waits=waits)
    uplink.start()
    wait_for(lambda: central.status_calls == 1, "the check-in")
    waits.wait_for_a_wait(60)  # idle until woken or the heartbeat
    add_events(store, clock, 1)
    uplink.wake()
    waits.wait_for_a_wait(0.2)  # woken, it lingers; the hall's clock stands still meanwhile
    for _ in range(49):
        add_events(store, clock, 1)
        uplink.wake()
    assert central.batches == []
    waits.advance(0.2)
    wait_for(lambda: Outbox.acked_seq(store.db) == 50, "the batch acknowledged")
    assert [b.seqs for b in central.batches] == [list(range(1, 51))]


def test_an_idle_uplink_checks_in_once_every_heartbeat_and_sends_nothing(
    store: Store, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    waits = SteppedWaits()
    uplink = make_uplink(heartbeat_seconds=60, waits=waits)
    uplink.start()
    wait_for(lambda: central.status_calls == 1, "the first check-in")
    for beat in range(2, 5):
        waits.wait_for_a_wait(60)  # a whole heartbeat until the next check-in
        assert central.status_calls == beat - 1
        waits.advance(60)
        wait_for(lambda b=beat: central.status_calls == b, f"check-in {beat}")  # type: ignore[misc]
    waits.wait_for_a_wait(60)
    uplink.stop()
    assert central.status_calls == 4
    assert central.batches == []


# -- clock and ratings -------------------------------------------------------------------------


def test_the_hub_clock_is_untrusted_while_central_is_more_than_30_s_away(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    central.skew = CLOCK_TRUST_SECONDS + 60
    uplink = make_uplink()
    uplink.step()
    assert clock.trusted is False
    assert uplink.status().clock_offset_seconds == pytest.approx(90, abs=2)
    with store.write() as db:
        assert Outbox(clock).append(db, "e.x", {}).clock_trusted is False
    central.skew = 3
    uplink.step()
    uplink.step()
    assert clock.trusted is True


@pytest.mark.parametrize(("scale", "sent"), [("gbt39046", 4), ("reverse", 2)])
def test_a_rating_goes_up_with_its_gbt39046_record_in_centrals_scale_and_stays_gb_at_home(
    store: Store,
    clock: FixedClock,
    central: ScriptedCentral,
    make_uplink: MakeUplink,
    scale: str,
    sent: int,
) -> None:
    central.scale = scale
    payload = {
        "level": 4,
        "reason": "等候时间长",
        "rated_at": "2025-03-12T09:35:12.000+08:00",
        "number": "A001",
        "service_day": "2025-03-12",
        "division_code": "320411100",
    }
    with store.write() as db:
        Outbox(clock).append(db, "rating.recorded", payload)
    make_uplink(credential=central.credential(scale="gbt39046")).drain()
    record = central.events[1]["payload"]["gbt39046"]
    assert record == {
        "case_no": "20250312-A001",
        "channel": "5",
        "rater": "",
        "rated_at": "20250312T093512",
        "rating_no": 1,
        "satisfaction": sent,
        "text": "等候时间长",
        "division_code": "320411100",
    }
    assert central.events[1]["payload"]["level"] == 4
    assert Outbox.after(store.db, 0)[0].payload == payload


def test_the_body_is_what_the_outbox_holds(
    store: Store, clock: FixedClock, central: ScriptedCentral, make_uplink: MakeUplink
) -> None:
    add_events(store, clock, 3)
    make_uplink().drain()
    sent = central.batches[0].events
    assert sent == [e.to_dict() for e in Outbox.after(store.db, 0)]


def test_the_key_digest_is_over_the_uncompressed_body(tmp_path: Path) -> None:
    from sync.batches import read_batch
    from sync.outbox import OUTBOX_MIGRATIONS

    store = Store(tmp_path / "k.db", OUTBOX_MIGRATIONS)
    add_events(store, FixedClock(WEDNESDAY_0930), 3)
    batch = read_batch(
        store.db,
        0,
        hall=HALL,
        hub_last_seq=3,
        max_events=10,
        max_bytes=1 << 20,
        scale="gbt39046",
        zone=ZONE,
        sent_at="2025-03-12T09:30:00+08:00",
    )
    assert batch is not None
    assert batch.key.endswith(hashlib.sha256(batch.body).hexdigest()[:16])
    assert json.loads(batch.body)["hub_last_seq"] == 3
    store.close()


def test_not_enrolled_is_a_state_and_starting_does_nothing(store: Store, clock: FixedClock) -> None:
    uplink = Uplink(store, SyncSettings(), None, clock, zone=ZONE)
    uplink.start()
    status = uplink.status()
    assert status.state is UplinkState.NOT_ENROLLED and not status.enrolled
    assert "uplink" not in {t.name for t in threading.enumerate()}
