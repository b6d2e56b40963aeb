"""A rating reaches the service it was asked for: the counter names the finished ticket, so the
clerk may call (and even finish) the next number, or sign out, while the citizen still rates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config import sample_hall
from config.sample import DEMO_STAFF_PIN
from hub.engine import QueueEngine
from hub.errors import Conflict
from hub.server import Hub, open_hub
from sync.clock import FixedClock


def serve(engine: QueueEngine, clock: FixedClock, window: int = 1) -> str:
    """Issue, call and finish one ticket at ``window``; returns its id."""
    engine.issue_ticket(category="A")
    called = engine.call_next(window)
    assert called is not None
    clock.advance(120)
    engine.finish(window)
    return called.id


def rated_levels(engine: QueueEngine) -> dict[str, int]:
    db = engine.store.reader()
    return {row[0]: row[1] for row in db.execute("SELECT ticket_id, level FROM ratings")}


def test_a_rating_named_by_ticket_lands_on_it_after_the_next_number_was_finished(
    engine: QueueEngine, clock: FixedClock
) -> None:
    first = serve(engine, clock)
    second = serve(engine, clock)  # the clerk went on while the first citizen still stood there
    rating = engine.rate(1, 5, "等候时间过长", ticket_id=first)
    assert rating.ticket_id == first
    assert rated_levels(engine) == {first: 5}
    # The second service's own rating is still open, and goes to the second ticket.
    assert engine.rate(1, 2, ticket_id=second).ticket_id == second
    assert rated_levels(engine) == {first: 5, second: 2}


def test_without_a_ticket_the_windows_latest_finished_service_is_rated(
    engine: QueueEngine, clock: FixedClock
) -> None:
    serve(engine, clock)
    second = serve(engine, clock)
    assert engine.rate(1, 1).ticket_id == second


def test_a_ticket_of_another_window_or_not_finished_cannot_be_rated_here(
    engine: QueueEngine, clock: FixedClock
) -> None:
    other = serve(engine, clock, window=2)
    engine.issue_ticket(category="A")
    serving = engine.call_next(1)
    assert serving is not None
    for ticket_id in (other, serving.id, "no-such-ticket"):
        with pytest.raises(Conflict) as caught:
            engine.rate(1, 1, ticket_id=ticket_id)
        assert caught.value.code == "no_rating_pending"
    assert rated_levels(engine) == {}


def test_a_named_rating_keeps_the_time_limit_of_its_own_service(
    engine: QueueEngine, clock: FixedClock
) -> None:
    first = serve(engine, clock)
    serve(engine, clock)  # 120 s later: the first request (30 s) has long expired
    with pytest.raises(Conflict) as caught:
        engine.rate(1, 1, ticket_id=first)
    assert caught.value.code == "rating_expired"


def test_the_rating_belongs_to_the_clerk_who_finished_even_after_sign_out(
    make_engine: Callable[..., QueueEngine], clock: FixedClock
) -> None:
    engine = make_engine(sample_hall())  # clerks must sign in to call, as in a real hall
    engine.sign_in(1, "1001", DEMO_STAFF_PIN)
    finished = serve(engine, clock)
    engine.sign_out(1)
    engine.sign_in(1, "1002", DEMO_STAFF_PIN)  # an AB-post clerk takes the window over
    clock.advance(10)
    engine.rate(1, 4, "办事效率低", ticket_id=finished)
    db = engine.store.reader()
    assert db.execute("SELECT clerk_id FROM ratings").fetchone()[0] == "1001"
    followup = dict(next(db.query("SELECT * FROM followups")))
    assert followup["clerk_id"] == "1001"
    # The figures count the 差评 for the finishing clerk, not for the one signed in now.
    bad = dict(db.execute("SELECT key, r4 FROM figures_counts WHERE dim = 'c' AND r4 > 0"))
    assert bad == {"1001": 1}


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    from tests.conftest import queue_hall

    opened = open_hub(tmp_path / "hub", clock=clock, config=queue_hall())
    yield opened
    opened.store.close()


def test_the_api_takes_the_ticket_id_and_older_counters_still_work(
    hub: Hub, clock: FixedClock
) -> None:
    api = TestClient(hub.app, raise_server_exceptions=False)
    admin = {"Authorization": f"Bearer {hub.admin_token_path.read_text().strip()}"}
    made = api.post(
        "/api/v1/devices", json={"role": "counter", "name": "c1", "window": 1}, headers=admin
    )
    counter = {"Authorization": f"Bearer {made.json()['token']}"}
    first = serve(hub.engine, clock)
    second = serve(hub.engine, clock)
    named = api.post(
        "/api/v1/windows/1/rating",
        json={"level": 4, "reason": "其他", "ticket_id": first},
        headers=counter,
    )
    assert named.status_code == 201, named.text
    assert named.json()["ticket_id"] == first
    plain = api.post("/api/v1/windows/1/rating", json={"level": 1}, headers=counter)
    assert plain.status_code == 201
    assert plain.json()["ticket_id"] == second
