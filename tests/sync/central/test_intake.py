"""Event intake: each (hall, seq) stored and applied once, acked_seq contiguous, gaps answered."""

from __future__ import annotations

import gzip

from sync.central.store import CentralStore
from tests.sync.central.centralapp import SignedHub, event


def _events(first: int, last: int) -> list[dict[str, object]]:
    return [event(seq) for seq in range(first, last + 1)]


def _applied(central: CentralStore, hub: SignedHub) -> int:
    return sum(central.applied_counts(hub.hall).values())


def test_a_batch_is_stored_and_acknowledged_up_to_its_last_seq(
    hub: SignedHub, central: CentralStore
) -> None:
    answer = hub.send(_events(1, 50))
    assert answer.status_code == 200
    body = answer.json()
    assert body["acked_seq"] == 50
    assert body["stored"] == 50
    assert body["duplicates"] == 0
    assert body["rejected"] == []
    assert body["resend_from"] is None
    assert body["server_time"]
    assert _applied(central, hub) == 50


def test_the_same_batch_sent_twice_is_stored_once(hub: SignedHub, central: CentralStore) -> None:
    events = _events(1, 20)
    key = f"{hub.hall}:1-20:abcdef0123456789"
    hub.send(events, idempotency_key=key)
    again = hub.send(events, idempotency_key=key).json()
    assert again["acked_seq"] == 20
    assert again["stored"] == 0
    assert again["duplicates"] == 20
    assert _applied(central, hub) == 20
    assert central.hall(hub.hall).held == 20
    with central.db.read() as db:
        times = db.execute(
            "SELECT times FROM idempotency_keys WHERE hall = ? AND key = ?", (hub.hall, key)
        ).fetchone()
    assert times[0] == 2


def test_overlapping_batches_store_only_the_new_events(
    hub: SignedHub, central: CentralStore
) -> None:
    events = _events(1, 30)
    hub.send(events[:20])
    answer = hub.send(events[10:]).json()
    assert (answer["stored"], answer["duplicates"], answer["acked_seq"]) == (10, 10, 30)
    assert _applied(central, hub) == 30
    assert [e["seq"] for e in central.iter_events(hub.hall)] == list(range(1, 31))


def test_a_batch_above_a_gap_is_held_and_answered_with_resend_from(
    hub: SignedHub, central: CentralStore
) -> None:
    hub.send(_events(1, 10))
    answer = hub.send(_events(21, 30)).json()
    assert answer["acked_seq"] == 10
    assert answer["resend_from"] == 11
    assert answer["stored"] == 10
    # The hub resends from 11 on: once the hole is filled, the mark jumps over what was held.
    filled = hub.send(_events(11, 20)).json()
    assert filled["acked_seq"] == 30
    assert filled["resend_from"] is None


def test_resend_from_stays_set_while_central_holds_events_above_the_gap(
    hub: SignedHub,
) -> None:
    hub.send(_events(5, 8))
    answer = hub.send(_events(1, 3)).json()
    assert answer["acked_seq"] == 3
    assert answer["resend_from"] == 4


def test_a_lost_answer_resend_gets_a_current_answer(hub: SignedHub, central: CentralStore) -> None:
    events = _events(1, 40)
    hub.send(events[:20])  # committed; pretend its answer never arrived
    hub.send(events[20:])
    resent = hub.send(events[:20]).json()
    assert resent["duplicates"] == 20
    assert resent["acked_seq"] == 40  # current, not what it was when the batch first came
    assert _applied(central, hub) == 40


def test_a_different_event_under_a_held_seq_is_a_conflict_and_not_stored(
    hub: SignedHub, central: CentralStore
) -> None:
    first = event(1)
    hub.send([first])
    other = event(1)
    answer = hub.send([other]).json()
    assert answer["rejected"] == [{"seq": 1, "event_id": other["event_id"], "reason": "conflict"}]
    assert answer["acked_seq"] == 1
    stored = list(central.iter_events(hub.hall))
    assert [e["event_id"] for e in stored] == [first["event_id"]]
    assert central.hall(hub.hall).conflicts == 1
    assert _applied(central, hub) == 1


def test_a_rejected_event_counts_as_held_and_does_not_block_the_rest(
    hub: SignedHub, central: CentralStore
) -> None:
    events = _events(1, 5)
    events[2] = event(3, "rating.recorded", {"level": 9})
    answer = hub.send(events).json()
    assert answer["acked_seq"] == 5
    assert answer["stored"] == 5
    assert answer["rejected"] == [
        {"seq": 3, "event_id": events[2]["event_id"], "reason": "payload.level: must be 1–5"}
    ]
    assert central.applied_counts(hub.hall) == {"ticket.issued": 4}
    hall = central.hall(hub.hall)
    assert (hall.held, hall.applied, hall.rejected) == (5, 4, 1)
    dumped = {e["seq"]: e["status"] for e in central.iter_events(hub.hall)}
    assert dumped[3] == "rejected"


def test_a_rejected_event_sent_again_is_reported_again(hub: SignedHub) -> None:
    bad = event(1, "nodot")
    hub.send([bad])
    again = hub.send([bad]).json()
    assert again["duplicates"] == 1
    assert again["rejected"][0]["reason"].startswith("type: unknown event type")


def test_applied_counts_are_per_type_and_only_on_first_insertion(
    hub: SignedHub, central: CentralStore
) -> None:
    events = [event(1), event(2, "ticket.called"), event(3, "window.status", {"number": 3})]
    hub.send(events)
    hub.send(events)
    assert central.applied_counts(hub.hall) == {
        "ticket.called": 1,
        "ticket.issued": 1,
        "window.status": 1,
    }


def test_acked_seq_walks_over_events_held_out_of_order(
    hub: SignedHub, central: CentralStore
) -> None:
    for first in (7, 4, 10, 1):
        hub.send(_events(first, first + 2))
    hall = central.hall(hub.hall)
    assert hall.acked_seq == 12
    assert hall.max_seq == 12
    hub.send(_events(20, 20))
    assert central.hall(hub.hall).acked_seq == 12


def test_an_uncompressed_body_is_accepted_too(hub: SignedHub) -> None:
    answer = hub.send(_events(1, 3), compress=False)
    assert answer.json()["acked_seq"] == 3


def test_the_hubs_last_seq_is_remembered_for_the_lag(hub: SignedHub, central: CentralStore) -> None:
    hub.send(_events(1, 10), hub_last_seq=250)
    hall = central.hall(hub.hall)
    assert (hall.hub_last_seq, hall.lag) == (250, 240)


def test_batches_with_seq_out_of_order_are_refused_whole(
    hub: SignedHub, central: CentralStore
) -> None:
    events = _events(1, 3)
    events[1], events[2] = events[2], events[1]
    answer = hub.send(events)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_batch"
    assert central.hall(hub.hall).held == 0


def test_a_batch_naming_another_hall_is_refused(hub: SignedHub) -> None:
    body = hub.batch_body(_events(1, 1)).replace(hub.hall.encode(), b"h-00000000")
    answer = hub.request("POST", f"/halls/{hub.hall}/events", body)
    assert (answer.status_code, answer.json()["error"]) == (400, "bad_batch")


def test_a_body_that_is_not_json_or_not_gzip_is_a_bad_batch(hub: SignedHub) -> None:
    not_json = hub.request("POST", f"/halls/{hub.hall}/events", b"{nope")
    assert (not_json.status_code, not_json.json()["error"]) == (400, "bad_batch")
    not_gzip = hub.request(
        "POST", f"/halls/{hub.hall}/events", b"plain", {"Content-Encoding": "gzip"}
    )
    assert (not_gzip.status_code, not_gzip.json()["error"]) == (400, "bad_batch")


def test_a_batch_over_ten_thousand_events_is_too_large(hub: SignedHub) -> None:
    answer = hub.send(_events(1, 10_001))
    assert (answer.status_code, answer.json()["error"]) == (413, "too_large")


def test_a_body_inflating_past_eight_mib_is_too_large(hub: SignedHub) -> None:
    padding = "x" * (9 * 1024 * 1024)
    body = gzip.compress(hub.batch_body([event(1, "window.status", {"pad": padding})]))
    answer = hub.request("POST", f"/halls/{hub.hall}/events", body, {"Content-Encoding": "gzip"})
    assert (answer.status_code, answer.json()["error"]) == (413, "too_large")


def test_an_empty_batch_is_answered_with_the_current_mark(hub: SignedHub) -> None:
    hub.send(_events(1, 4))
    answer = hub.send([], hub_last_seq=4).json()
    assert (answer["acked_seq"], answer["stored"], answer["resend_from"]) == (4, 0, None)


def test_status_reports_what_central_holds(hub: SignedHub) -> None:
    hub.send(_events(1, 7))
    status = hub.request("GET", f"/halls/{hub.hall}/status").json()
    assert status["hall"] == hub.hall
    assert status["acked_seq"] == 7
    assert status["catalog_version"] == 0
    assert status["rating_scale"] == "gbt39046"


def test_a_body_declared_over_eight_mib_is_refused_before_it_is_read(hub: SignedHub) -> None:
    body = b" " * (8 * 1024 * 1024 + 1)
    answer = hub.request("POST", f"/halls/{hub.hall}/events", body)
    assert (answer.status_code, answer.json()["error"]) == (413, "too_large")
