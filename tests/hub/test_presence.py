"""The hub-presence tracker every app reports to: changes only, listeners told once each."""

from __future__ import annotations

import logging

import pytest

from hub.presence import HubPresence


def test_only_changes_are_reported_logged_and_heard(caplog: pytest.LogCaptureFixture) -> None:
    heard: list[bool] = []
    presence = HubPresence("window 3")
    presence.add_listener(heard.append)
    with caplog.at_level(logging.INFO, logger="hub.presence"):
        assert presence.report(True) is False  # it was there already
        assert presence.report(False, "timed out") is True
        assert presence.report(False) is False  # still away: no second line, no second call
        assert presence.report(True) is True
    assert heard == [False, True]
    assert [r.getMessage() for r in caplog.records] == [
        "window 3: hub away (timed out)",
        "window 3: hub back",
    ]
    assert presence.present


def test_a_failing_listener_does_not_stop_the_others() -> None:
    heard: list[bool] = []

    def broken(_: bool) -> None:
        raise RuntimeError("boom")

    presence = HubPresence("board feed", present=False)
    presence.add_listener(broken)
    presence.add_listener(heard.append)
    assert presence.report(True)
    assert heard == [True]
