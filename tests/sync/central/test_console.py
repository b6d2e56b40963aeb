"""Central's console over HTTP: sign-in, CSRF, lockout, roles and region scoping, on both stores."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient

from sync.central.console.regions import region_tree
from sync.central.store import CentralStore
from tests.sync.central.centralapp import T0, FakeNow
from tests.sync.central.console_helpers import (
    PASSWORD,
    add_account,
    field_error,
    sign_in,
    signed_in,
    token_in,
    two_districts,
)


def test_without_a_session_every_page_goes_to_the_login_page_and_comes_back(
    central: CentralStore, client: TestClient
) -> None:
    add_account(central, "wang.wu")
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/"
    home = client.get("/console/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/console/login")
    regions = client.get("/console/regions", follow_redirects=False)
    assert regions.headers["location"] == "/console/login?next=/console/regions"
    page = client.get(regions.headers["location"])
    assert "<h1>登录</h1>" in page.text and 'value="/console/regions"' in page.text
    answer = client.post(
        "/console/login",
        data={"csrf": token_in(page.text), "user": "Wang.Wu", "password": PASSWORD,
              "next": "/console/regions"},
        follow_redirects=False,
    )  # fmt: skip
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/regions")
    for elsewhere in ("//evil.example/console/", "https://evil.example/", "/console/logout"):
        page = client.get("/console/login", params={"next": elsewhere}, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/console/", elsewhere


def test_the_session_cookie_is_httponly_samesite_strict_and_logout_ends_the_session(
    central: CentralStore, client: TestClient
) -> None:
    add_account(central, "wang.wu")
    answer = sign_in(client, "wang.wu")
    cookie = answer.headers["set-cookie"]
    assert "hallkit_central_session=" in cookie
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    home = client.get("/console/")
    assert home.status_code == 200 and 'id="me-name">wang.wu<' in home.text
    assert "default-src 'self'" in home.headers["content-security-policy"]
    assert home.headers["cache-control"] == "no-store"
    missing = client.get("/console/no-such-page")
    assert (
        missing.status_code == 404 and "没有这个页面" in missing.text and 'id="nav"' in missing.text
    )
    csrf = token_in(home.text)
    out = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.headers["location"] == "/console/login"
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_the_login_form_is_refused_without_its_own_token(
    central: CentralStore, client: TestClient
) -> None:
    add_account(central, "wang.wu")
    answer = client.post(
        "/console/login", data={"csrf": "forged", "user": "wang.wu", "password": PASSWORD}
    )
    assert answer.status_code == 403 and "页面已过期" in answer.text
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_five_wrong_passwords_lock_the_user_for_five_minutes(
    central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    add_account(central, "wang.wu")
    for left in (4, 3, 2, 1):
        wrong = sign_in(client, "wang.wu", "not-the-password")
        assert wrong.status_code == 401 and f"还可以再试{left}次" in wrong.text
    locked = sign_in(client, "wang.wu", "not-the-password")
    assert locked.status_code == 423 and "已锁定" in locked.text
    assert sign_in(client, "wang.wu").status_code == 423  # even the right password, for now
    assert sign_in(client, "nobody", "not-the-password").status_code == 401  # names not probed
    now.t += 301
    assert sign_in(client, "wang.wu").status_code == 303


def test_a_post_without_the_sessions_csrf_token_runs_nothing(
    central: CentralStore, client: TestClient
) -> None:
    add_account(central, "wang.wu")
    csrf = signed_in(client, "wang.wu")
    form = {"code": "441400", "name": "梅州市", "level": "city", "parent": ""}
    for sent in ({}, {"csrf": "forged"}):
        refused = client.post("/console/regions/add", data={**form, **sent})
        assert refused.status_code == 403
    assert region_tree(central).by_code == {}
    done = client.post("/console/regions/add", data={**form, "csrf": csrf}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/console/regions?saved=1")
    assert region_tree(central).by_code["441400"].name == "梅州市"


def test_a_supervisor_reads_every_hall_but_changes_nothing(
    central: CentralStore, client: TestClient
) -> None:
    halls = two_districts(central)
    add_account(central, "du.cha", "supervisor")
    csrf = signed_in(client, "du.cha")
    home = client.get("/console/")
    assert all(hall in home.text for hall in halls.values())
    assert 'href="/console/accounts"' not in home.text and 'id="add-form"' not in home.text
    assert client.get("/console/accounts").status_code == 403
    moved = client.post(
        "/console/regions/hall",
        data={"csrf": csrf, "hall": halls["程江镇便民服务中心"], "region": "441402"},
    )
    assert moved.status_code == 403 and "督查无权" in moved.text
    assert central.hall(halls["程江镇便民服务中心"]).region == "441403"


def test_an_account_scoped_to_a_region_sees_and_changes_only_its_subtree(
    central: CentralStore, client: TestClient
) -> None:
    halls = two_districts(central)
    add_account(central, "meijiang", "admin", region="441402")
    csrf = signed_in(client, "meijiang")
    for path in ("/console/", "/console/?region=441403", "/console/regions"):
        page = client.get(path).text
        assert halls["西郊街道便民服务中心"] in page, path
        assert halls["程江镇便民服务中心"] not in page, path
    assert 'data-code="441403"' not in client.get("/console/regions").text
    outside = client.post(
        "/console/regions/add",
        data={"csrf": csrf, "code": "441403100", "name": "程江镇", "level": "town",
              "parent": "441403"},
    )  # fmt: skip
    assert outside.status_code == 422
    assert field_error(outside.text, "add", "parent") == "只能在本账号所属区域之内操作"
    assert "441403100" not in region_tree(central).by_code


def test_bad_region_input_is_answered_next_to_its_field_and_stores_nothing(
    central: CentralStore, client: TestClient
) -> None:
    two_districts(central)
    add_account(central, "wang.wu")
    csrf = signed_in(client, "wang.wu")
    before = {c: (r.name, r.parent) for c, r in region_tree(central).by_code.items()}
    cases = [
        ("add", {"code": "12a", "name": "甲", "level": "town", "parent": "441402"}, "code",
         "区划代码须为2到12位数字"),
        ("add", {"code": "441402001", "name": "甲", "level": "town", "parent": "441402"}, "code",
         "区划代码“441402001”已存在"),
        ("add", {"code": "4414", "name": "甲", "level": "city", "parent": "441402"}, "parent",
         "市的上级区域须比市高（“441402”是区县）"),
        ("edit", {"code": "441400", "name": "梅州", "parent": "441402001"}, "parent",
         "市的上级区域须比市高（“441402001”是镇街）"),
        ("edit", {"code": "441402", "name": "梅江", "parent": "999999"}, "parent",
         "没有代码为“999999”的上级区域"),
        ("edit", {"code": "441402", "name": "", "parent": "441400"}, "name", "名称须为1到40个字符"),
        ("hall", {"hall": "", "region": "441402"}, "hall", "请选择一个大厅"),
    ]  # fmt: skip
    for form, values, field, message in cases:
        answer = client.post(f"/console/regions/{form}", data={"csrf": csrf, **values})
        assert answer.status_code == 422, values
        assert field_error(answer.text, form, field) == message
        assert f'value="{values.get("name", "")}"' in answer.text or form == "hall"
    after = {c: (r.name, r.parent) for c, r in region_tree(central).by_code.items()}
    assert after == before


def test_the_halls_page_shows_contact_lag_and_clock_offset_with_trouble_first(
    central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    from tests.sync.central.centralapp import enroll, event

    two_districts(central)
    _, code = central.add_hall("白渡镇便民服务中心")
    hub = enroll(client, code, now)
    body = hub.batch_body([event(1), event(2)], hub_last_seq=40)
    sent_at = "2026-09-21T22:18:20+08:00"  # the hub's clock: 5 minutes ahead of central's (T0)
    assert datetime.fromisoformat(sent_at).timestamp() == T0 + 300
    body = body.replace(b'"sent_at": "now"', f'"sent_at": "{sent_at}"'.encode())
    assert hub.request("POST", f"/halls/{hub.hall}/events", body).status_code == 200
    now.t += 180
    add_account(central, "wang.wu")
    signed_in(client, "wang.wu")
    rows = _rows(client.get("/console/").text)
    assert rows[-1][0] == hub.hall  # halls never heard from come before a backlog
    _, cells = rows[-1]
    assert "3 分钟前" in cells[2] and "38" in cells[3] and "快 5 分钟" in cells[4]
    assert "积压" in cells[8] and "时钟偏差" in cells[8]
    never = [cells for hall, cells in rows if hall != hub.hall]
    assert all('class="late"' in cells[2] and "从未联系" in cells[2] for cells in never)
    now.t += 20 * 60
    rows = _rows(client.get("/console/").text)
    assert rows[0][0] == hub.hall  # now late as well: the most troubled hall comes first
    assert 'class="late"' in rows[0][1][2] and "23 分钟前" in rows[0][1][2]


def _rows(page: str) -> list[tuple[str, list[str]]]:
    rows = re.findall(r'<tr data-hall="([^"]+)">(.*?)</tr>', page, re.S)
    return [(hall, re.findall(r"<td[^>]*>.*?</td>", body, re.S)) for hall, body in rows]


def test_console_changes_are_audited_with_who_when_and_what(
    central: CentralStore, client: TestClient
) -> None:
    halls = two_districts(central)
    add_account(central, "wang.wu")
    csrf = signed_in(client, "wang.wu")
    hall = halls["程江镇便民服务中心"]
    client.post("/console/regions/hall", data={"csrf": csrf, "hall": hall, "region": "441402"})
    assert central.hall(hall).region == "441402"
    audit = client.get("/console/audit").text
    row = re.search(rf"<tr><td>[^<]+</td><td>wang.wu</td><td>设置大厅所属区域</td><td>hall:{hall}</td>"
                    r"\s*<td><small>after: 441402<br>before: 441403<br>", audit)  # fmt: skip
    assert row, audit
    assert "<td>wang.wu</td><td>登录</td>" in audit


def test_an_idle_session_ends_after_thirty_minutes_and_a_disabled_account_at_once(
    central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    from sync.central.console.accounts import ConsoleAccounts

    add_account(central, "wang.wu")
    signed_in(client, "wang.wu")
    now.t += 29 * 60
    assert client.get("/console/", follow_redirects=False).status_code == 200
    now.t += 30 * 60
    assert client.get("/console/", follow_redirects=False).status_code == 303
    signed_in(client, "wang.wu")
    ConsoleAccounts(central).disable("tests", "wang.wu")
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert sign_in(client, "wang.wu").status_code == 401


def test_sessions_and_wrong_password_counts_hold_across_worker_processes(
    central: CentralStore, client: TestClient, central_db: str, now: FakeNow
) -> None:
    from sync.central.app import create_central_app

    add_account(central, "wang.wu")
    other_store = CentralStore(central_db, now=now)  # another worker: nothing shared in memory
    try:
        with TestClient(create_central_app(other_store)) as other:
            assert sign_in(client, "wang.wu").status_code == 303
            other.cookies.update(client.cookies)
            page = other.get("/console/", follow_redirects=False)
            assert page.status_code == 200 and 'id="me-name">wang.wu<' in page.text
            logout = other.post("/console/logout", data={"csrf": token_in(page.text)})
            assert logout.status_code == 200  # the login page, after the redirect
            assert client.get("/console/", follow_redirects=False).status_code == 303

            for worker in (client, other, client, other):
                assert sign_in(worker, "wang.wu", "wrong-password").status_code == 401
            assert sign_in(other, "wang.wu", "wrong-password").status_code == 423
            assert sign_in(client, "wang.wu").status_code == 423
    finally:
        other_store.close()
