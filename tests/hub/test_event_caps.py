"""The event broker's caps: so many streams per owner, so many in all, each freed when it ends."""

from __future__ import annotations

import asyncio

import pytest

from hub.errors import Busy
from hub.events import EventBroker


def test_streams_past_the_owners_share_get_429_and_past_the_hubs_503() -> None:
    async def scenario() -> None:
        broker = EventBroker(max_streams=3, per_owner=2)
        first = broker.subscribe("board-1")
        broker.subscribe("board-1")
        with pytest.raises(Busy) as mine:
            broker.subscribe("board-1")
        assert (mine.value.status, mine.value.code) == (429, "too_many_streams")
        assert mine.value.retry_after > 0
        broker.subscribe(None)  # a stream with no owner counts only towards the hub's cap
        with pytest.raises(Busy) as full:
            broker.subscribe("display-1")
        assert (full.value.status, full.value.code) == (503, "streams_full")
        broker.unsubscribe(first)
        broker.unsubscribe(first)  # twice frees it once
        broker.subscribe("board-1")
        assert broker.subscriber_count == 3

    asyncio.run(scenario())
