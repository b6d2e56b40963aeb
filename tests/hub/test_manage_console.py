"""The console's pages over the hall's data, over HTTP against a real hub on a fixed clock: the
live floor and its event stream, follow-ups worked through their forms, feedback and alerts
answered, the phone revealed only to a supervisor, reports that show the API's figures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.accounts import CLI_ACTOR
from hub.server import Hub
from sync.clock import FixedClock
from tests.hub.followup_helpers import rated
from tests.hub.hubapp import served
from tests.hub.test_manage_pages import PASSWORD, signed_in

MINUTE = 60


@pytest.fixture
def hall(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[Hub, str]]:
    """A served hub at Wednesday 2025-03-12 09:30 with a manager, a supervisor and a
    technician."""
    with served(tmp_path / "hub", clock=clock) as (hub, url):
        for user, role in (
            ("zhang.san", "manager"),
            ("li.si", "supervisor"),
            ("wang.wu", "technician"),
        ):
            hub.accounts.add(CLI_ACTOR, user, role, PASSWORD)
        yield hub, url


def row(html: str, element_id: str) -> str:
    """The HTML of the table row with ``id``."""
    found = re.search(rf'<tr id="{element_id}".*?</tr>', html, re.S)
    assert found is not None, f"no row {element_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def csrf(page: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def post_form(
    browser: requests.Session, url: str, page_url: str, fields: dict[str, Any]
) -> requests.Response:
    """Submit a form of the page at ``page_url`` (its CSRF token included)."""
    token = csrf(browser.get(page_url, timeout=30).text)
    return browser.post(url, data={**fields, "csrf": token}, allow_redirects=False, timeout=30)


# -- the live floor ------------------------------------------------------------------------


def test_the_floor_shows_queues_windows_alerts_and_feedback(
    hall: tuple[Hub, str], clock: FixedClock
) -> None:
    hub, url = hall
    engine = hub.engine
    engine.sign_in(1, "1001", "2580")
    for category in ("A", "A", "B"):
        engine.issue_ticket(category=category)
    engine.call_next(1)
    engine.pause(2, "业务咨询")
    engine.alert(source="ticket-1", device="printer", problem="打印机缺纸，请更换纸卷")
    engine.add_feedback(kind="suggestion", reason="建议增设老年人休息座椅", source="kiosk-1")
    clock.advance(31 * MINUTE)
    engine.check_alerts()

    page = signed_in(url, "zhang.san").get(f"{url}/manage/", timeout=30).text

    assert "2025-03-12 周三" in page and 'id="floor-clock">10:01<' in page
    assert re.search(r'id="floor-waiting">2<small>人', page)
    assert row(page, "window-1").split() == [
        "1号",
        "综合窗口",
        "办理中",
        "王丽华（1001）",
        "A001",
        "办理",
        "31分钟",
    ]
    assert "暂停" in row(page, "window-2") and "业务咨询" in row(page, "window-2")
    assert "31分钟" in row(page, "window-2")
    assert "打印机缺纸，请更换纸卷" in page
    assert "户籍业务有1人等候超过30分钟，最长的A002号已等31分钟" in page
    assert "建议增设老年人休息座椅" in page


def test_the_floor_stream_and_fragment_need_a_reader_session(hall: tuple[Hub, str]) -> None:
    hub, url = hall
    for path in ("/manage/floor", "/manage/events"):
        answer = requests.get(f"{url}{path}", allow_redirects=False, timeout=30)
        assert answer.status_code == 303 and "/manage/login" in answer.headers["location"]
    technician = signed_in(url, "wang.wu")
    assert technician.get(f"{url}/manage/floor", timeout=30).status_code == 403
    manager = signed_in(url, "zhang.san")
    seq = hub.engine.last_seq()
    hub.engine.issue_ticket(category="C")
    # From a known event on (Last-Event-ID, as a reconnecting page sends it): the ticket above.
    headers = {"Last-Event-ID": str(seq)}
    with manager.get(f"{url}/manage/events", headers=headers, stream=True, timeout=30) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        seen = b""
        for chunk in stream.iter_content(256):
            seen += chunk
            if b"ticket.issued" in seen:
                break
    assert f"id: {seq + 1}".encode() in seen
    fragment = manager.get(f"{url}/manage/floor", timeout=30).text
    assert "<html" not in fragment and 'id="categories"' in fragment


def test_the_floors_own_refreshes_do_not_keep_an_idle_session_alive(
    hall: tuple[Hub, str], clock: FixedClock
) -> None:
    _hub, url = hall
    manager = signed_in(url, "zhang.san")
    clock.advance(20 * MINUTE)
    assert manager.get(f"{url}/manage/floor", timeout=30).status_code == 200
    clock.advance(11 * MINUTE)  # 31 minutes since the person last did anything
    answer = manager.get(f"{url}/manage/", allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["location"] == "/manage/login"


def test_an_alert_is_acknowledged_from_the_floor(hall: tuple[Hub, str]) -> None:
    hub, url = hall
    sent = hub.engine.alert(source="kiosk-1", device="help", problem="有群众呼叫", kind="help")
    manager = signed_in(url, "zhang.san")
    answer = post_form(
        manager, f"{url}/manage/alerts/{sent['id']}/ack", f"{url}/manage/", {"back": "/manage/"}
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/manage/")
    assert hub.engine.alerts(open_only=True) == []
    assert "有群众呼叫" not in manager.get(f"{url}/manage/", timeout=30).text
    listed = manager.get(f"{url}/manage/alerts", timeout=30).text
    assert "有群众呼叫" in listed and "已处理" in listed and "zhang.san" in listed


# -- follow-ups ----------------------------------------------------------------------------


def test_a_bad_rating_is_verified_rectified_revisited_and_closed_through_the_forms(
    hall: tuple[Hub, str], clock: FixedClock
) -> None:
    hub, url = hall
    rating = rated(hub.engine, clock, level=5, reason="办事效率低")
    [followup] = hub.engine.followups()
    page_url = f"{url}/manage/followups/{followup['id']}"
    manager = signed_in(url, "zhang.san")
    listed = manager.get(f"{url}/manage/followups", timeout=30).text
    assert "办事效率低" in listed and "待核实" in listed and rating.number in listed

    missing = post_form(
        manager, f"{page_url}/verify", page_url, {"assignee": "王丽华", "note": " "}
    )
    assert missing.status_code == 422
    assert "请填写核实情况" in missing.text and 'value="王丽华"' in missing.text  # typed text kept

    steps = [
        ("verify", {"assignee": "王丽华", "note": "已电话核实，情况属实"}, "整改中"),
        ("rectify", {"measures": "高峰时段增开窗口"}, "回访"),
        ("revisit", {"method": "电话回访", "answer": "群众表示满意", "satisfied": "yes"}, "办结"),
    ]
    for step, fields, status in steps:
        answer = post_form(manager, f"{page_url}/{step}", page_url, fields)
        assert (answer.status_code, answer.headers["location"]) == (
            303,
            f"/manage/followups/{followup['id']}",
        )
        page = manager.get(page_url, timeout=30).text
        assert f'id="followup-status">{status}<' in page
    assert "高峰时段增开窗口" in page and "群众表示满意" in page and "满意" in page
    assert hub.engine.followup(followup["id"])["steps"][-1]["fields"]["satisfied"] is True

    late = manager.post(
        f"{page_url}/verify",
        data={"assignee": "x", "note": "y", "csrf": csrf(page)},
        allow_redirects=False,
        timeout=30,
    )
    assert late.status_code == 409 and "办结" in late.text
    audit = manager.get(f"{url}/manage/audit", timeout=30).text
    assert audit.count(f"followup:{followup['id']}") >= 3


def test_only_a_supervisor_finds_a_bad_rating_invalid(
    hall: tuple[Hub, str], clock: FixedClock
) -> None:
    hub, url = hall
    rated(hub.engine, clock, level=4, reason="其他")
    [followup] = hub.engine.followups()
    page_url = f"{url}/manage/followups/{followup['id']}"
    manager = signed_in(url, "zhang.san")
    assert 'id="form-invalid"' not in manager.get(page_url, timeout=30).text
    refused = post_form(manager, f"{page_url}/invalid", page_url, {"reason": "误按"})
    assert refused.status_code == 403
    supervisor = signed_in(url, "li.si")
    assert 'id="form-invalid"' in supervisor.get(page_url, timeout=30).text
    done = post_form(supervisor, f"{page_url}/invalid", page_url, {"reason": "经核实为误按评价器"})
    assert done.status_code == 303
    assert hub.engine.followup(followup["id"])["status"] == "invalid"


def test_the_citizens_phone_is_masked_and_revealed_only_to_a_supervisor_with_an_audit_row(
    hall: tuple[Hub, str],
) -> None:
    hub, url = hall
    hub.engine.add_feedback(kind="unresolved", reason="材料不全被退回", phone="13812345678")
    [followup] = hub.engine.followups()
    page_url = f"{url}/manage/followups/{followup['id']}"
    manager = signed_in(url, "zhang.san")
    page = manager.get(page_url, timeout=30).text
    assert "138****5678" in page and "13812345678" not in page and "reveal-phone" not in page
    assert post_form(manager, f"{page_url}/phone", page_url, {}).status_code == 403
    supervisor = signed_in(url, "li.si")
    shown = post_form(supervisor, f"{page_url}/phone", page_url, {})
    assert shown.status_code == 200 and 'id="phone-clear">13812345678<' in shown.text
    reads = [e for e in hub_audit(hub) if e["action"] == "phone.read"]
    assert [(e["actor"], e["target"]) for e in reads] == [("li.si", f"followup:{followup['id']}")]


def hub_audit(hub: Hub) -> list[dict[str, Any]]:
    from hub import audit

    return [e.to_dict() for e in audit.entries(hub.store.reader())]


# -- feedback ------------------------------------------------------------------------------


def test_feedback_is_read_assigned_answered_and_closed_from_its_page(hall: tuple[Hub, str]) -> None:
    hub, url = hall
    sent = hub.engine.add_feedback(kind="suggestion", reason="建议增加周六服务", source="kiosk-1")
    page_url = f"{url}/manage/feedback/{sent['id']}"
    manager = signed_in(url, "zhang.san")
    assert "建议增加周六服务" in manager.get(f"{url}/manage/feedback", timeout=30).text
    for action, fields, status in (
        ("read", {}, "已读"),
        ("assign", {"assignee": "综合科"}, "已交办"),
        ("reply", {"note": "已研究，下月起试行周六上午服务"}, "已交办"),
        ("close", {"note": ""}, "已办结"),
    ):
        answer = post_form(manager, f"{page_url}/{action}", page_url, fields)
        assert answer.status_code == 303, (action, answer.text[:300])
        assert f'id="feedback-status">{status}<' in manager.get(page_url, timeout=30).text
    page = manager.get(page_url, timeout=30).text
    assert "综合科" in page and "下月起试行周六上午服务" in page and 'id="form-assign"' not in page
    assert "建议增加周六服务" not in manager.get(f"{url}/manage/feedback", timeout=30).text
    again = post_form(
        manager, f"{page_url}/assign", f"{url}/manage/feedback/{sent['id']}", {"assignee": "x"}
    )
    assert again.status_code == 409


# -- reports -------------------------------------------------------------------------------


def test_the_reports_page_shows_the_figures_of_the_reports_api(
    hall: tuple[Hub, str], clock: FixedClock
) -> None:
    hub, url = hall
    rated(hub.engine, clock, level=1)
    rated(hub.engine, clock, level=5, reason="等候时间过长", window=2)
    manager = signed_in(url, "zhang.san")
    page = manager.get(f"{url}/manage/reports?period=day&by=window", timeout=30).text
    api = manager.get(
        f"{url}/api/v1/reports?from=2025-03-12&to=2025-03-12&by=window", timeout=30
    ).json()
    total = api["total"]
    assert f'id="total-served">{total["served"]}<' in page and total["served"] == 2
    assert 'id="total-satisfaction">50.0%<' in page and total["satisfaction_rate"] == 0.5
    assert "2025年3月12日" in page
    xlsx = re.search(r'id="export-xlsx" href="([^"]+)"', page)
    assert xlsx is not None
    exported = manager.get(f"{url}{xlsx.group(1).replace('&amp;', '&')}", timeout=30)
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    week = manager.get(f"{url}/manage/reports?period=week&day=2025-03-12&by=clerk", timeout=30).text
    assert "3月10日–3月16日（第11周）" in week and "王丽华（1001）" in week
    bad = manager.get(
        f"{url}/manage/reports?period=custom&from=2025-03-20&to=2025-03-01", timeout=30
    )
    assert bad.status_code == 422 and "不能晚于" in bad.text


def test_the_monthly_report_lists_windows_clerks_the_ranking_and_the_bad_ratings(
    hall: tuple[Hub, str], clock: FixedClock
) -> None:
    hub, url = hall
    rated(hub.engine, clock, level=2)
    rated(hub.engine, clock, level=4, reason="服务态度不好", window=3)
    manager = signed_in(url, "zhang.san")
    page = manager.get(f"{url}/manage/reports/monthly?month=2025-03", timeout=30).text
    assert "2025年3月政务服务情况通报" in page
    assert "统计期间：2025-03-01 至 2025-03-31" in page
    assert 'id="monthly-window"' in page and 'id="monthly-clerk"' in page
    assert re.search(r"1号窗口 综合窗口：满意率 100.0%", page)
    assert "服务态度不好" in page and "待核实" in page
    refused = manager.get(f"{url}/manage/reports/monthly?month=2025-13", timeout=30)
    assert refused.status_code == 422 and "YYYY-MM" in refused.text


def test_a_technician_sees_none_of_the_halls_figures(hall: tuple[Hub, str]) -> None:
    _hub, url = hall
    technician = signed_in(url, "wang.wu")
    for path in ("/manage/reports", "/manage/followups", "/manage/feedback", "/manage/alerts"):
        assert technician.get(f"{url}{path}", timeout=30).status_code == 403, path
    assert (
        technician.get(f"{url}/manage/", allow_redirects=False, timeout=30).headers["location"]
        == "/manage/devices"
    )
