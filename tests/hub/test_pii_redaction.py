"""ID numbers and phone numbers typed into free text never reach the stream, the store or central
in clear: the hub puts "[已隐去]" in their place before it keeps or sends the text."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from hub.client import HubClient, StreamEvent
from hub.redact import REDACTED, redact
from sync.outbox import Outbox
from tests.boards.board_fakes import ID_NUMBER
from tests.hub.hubapp import served
from tests.timing import PATIENCE

MOBILE = "13912345678"
OLD_ID = "320402800101123"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"我的身份证{ID_NUMBER}办不了", "我的身份证[已隐去]办不了"),
        ("证号11010519491231002X，请回电", "证号[已隐去]，请回电"),
        ("证号110105 19491231 002x", "证号[已隐去]"),
        (f"老证{OLD_ID}", "老证[已隐去]"),
        (f"电话{MOBILE}谢谢", "电话[已隐去]谢谢"),
        ("手机 139 1234 5678", "手机 [已隐去]"),
        ("手机+86 139-1234-5678", "手机[已隐去]"),
        ("手机１３９１２３４５６７８", "手机[已隐去]"),
        ("座机010-12345678或(0755)87654321", "座机[已隐去]或[已隐去]"),
        ("座机0571 8888 8888", "座机[已隐去]"),
        ("A001号等了40分钟，3号窗口", "A001号等了40分钟，3号窗口"),
        ("2026-12-07 09:30 打印机卡纸 errno 13", "2026-12-07 09:30 打印机卡纸 errno 13"),
        ("订单12345678901234567890", "订单12345678901234567890"),
        ("", ""),
    ],
)
def test_redact_takes_out_id_and_phone_numbers_and_nothing_else(text: str, kept: str) -> None:
    assert redact(text) == kept


def _numbers_gone(text: str) -> None:
    for secret in (ID_NUMBER, MOBILE, "010-12345678", OLD_ID):
        assert secret not in text


def test_free_text_reaches_store_stream_and_outbox_redacted(tmp_path: Path) -> None:
    typed = f"身份证{ID_NUMBER}，手机{MOBILE}，老证{OLD_ID}"
    with served(tmp_path / "hub") as (hub, url):
        admin = HubClient(url, hub.admin_token_path.read_text().strip())
        kiosk = HubClient(url, admin.add_device("kiosk", "kiosk-1")["token"])
        counter = HubClient(url, admin.add_device("counter", "c1", 1)["token"])
        display = HubClient(url, admin.add_device("display", "d1")["token"])

        kiosk.request("POST", "/feedback", {"kind": "unresolved", "reason": typed})
        kiosk.request("POST", "/feedback", {"kind": "suggestion", "reason": typed})
        kiosk.alert(source="kiosk-1", device="printer", problem=typed, detail=typed, kind="help")
        kiosk.issue_ticket(category="A")
        counter.call_next(1)
        counter.transfer(1, category="B", reason=f"转B，电话010-12345678 {MOBILE}")
        counter.call_next(1)
        counter.finish(1)
        counter.rate(1, 5, typed)
        counter.pause(1, f"回电{MOBILE}")
        followups = admin.request("GET", "/followups")["followups"]
        assert followups
        admin.request(
            "POST",
            f"/followups/{followups[0]['id']}/verify",
            {"assignee": "王科长", "note": typed},
        )
        feedback = admin.request("GET", "/feedback")["feedback"]
        admin.request("POST", f"/feedback/{feedback[0]['id']}/reply", {"note": typed})

        last = admin.health().last_seq
        seen: list[StreamEvent] = []

        def follow() -> None:
            for event in display.events(last_event_id=0, read_timeout=PATIENCE):
                seen.append(event)
                if event.seq >= last:
                    return

        reader = threading.Thread(target=follow)
        reader.start()
        reader.join(PATIENCE)
        stream = json.dumps([e.data for e in seen], ensure_ascii=False)
        _numbers_gone(stream)
        assert REDACTED in stream
        assert {"feedback.received", "staff.alert", "rating.recorded", "window.paused"} <= {
            e.type for e in seen
        }

        db = hub.store.reader()
        outbox = json.dumps([e.payload for e in Outbox.after(db, 0, 10_000)], ensure_ascii=False)
        _numbers_gone(outbox)
        assert REDACTED in outbox
        for table in ("feedback", "alerts", "ratings", "followups", "followup_steps", "windows"):
            rows = json.dumps([dict(r) for r in db.query(f"SELECT * FROM {table}")])
            _numbers_gone(rows)
        stored = json.dumps([dict(r) for r in db.query("SELECT reason FROM feedback")])
        assert "[已隐去]" in json.loads(stored)[0]["reason"]
