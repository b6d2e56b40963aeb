"""The console's pages over HTTP against a real hub: the vendored chart library and its licence,
static files without traversal, the Content-Security-Policy, no inline script or style, the
refusal of a POST without a session, local-only ``next`` paths, and the audit log's pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hub.accounts import CLI_ACTOR
from hub.actors import Actor
from hub.manage import guard
from hub.server import Hub
from tests.hub.hubapp import served

PASSWORD = "correct horse 1"
VENDOR = Path(__file__).parents[2] / "hub" / "manage" / "static" / "vendor"


@pytest.fixture
def hub_url(tmp_path: Path) -> Iterator[tuple[Hub, str]]:
    with served(tmp_path / "hub") as (hub, url):
        hub.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
        yield hub, url


def signed_in(url: str, user: str = "zhang.san") -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{url}/manage/login", timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    answer = browser.post(
        f"{url}/manage/login",
        data={"user": user, "password": PASSWORD, "csrf": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303
    return browser


def test_echarts_is_served_by_the_hub_with_a_long_cache_and_its_licence(
    hub_url: tuple[Hub, str],
) -> None:
    _hub, url = hub_url
    script = requests.get(f"{url}/manage/static/vendor/echarts.min.js", timeout=30)
    assert script.status_code == 200
    assert len(script.content) > 500_000
    assert "javascript" in script.headers["content-type"]
    assert "max-age=31536000" in script.headers["cache-control"]
    assert b"Licensed to the Apache Software Foundation" in script.content[:1000]
    licence = requests.get(f"{url}/manage/static/vendor/LICENSE-echarts", timeout=30)
    assert licence.status_code == 200 and "Apache License" in licence.text
    notice = requests.get(f"{url}/manage/static/vendor/NOTICE-echarts", timeout=30)
    assert "Apache ECharts" in notice.text
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert "6.1.0" in readme and "Apache-2.0" in readme and "LICENSE-d3" in readme
    assert (VENDOR / "LICENSE-d3").read_text(encoding="utf-8").strip()


def test_only_known_static_files_are_served(hub_url: tuple[Hub, str]) -> None:
    _hub, url = hub_url
    assert requests.get(f"{url}/manage/static/console.css", timeout=30).status_code == 200
    for path in (
        "/manage/static/nothing.css",
        "/manage/static/../routes.py",
        "/manage/static/%2e%2e/routes.py",
        "/manage/static/..%2fconsole.py",
        "/manage/static/vendor/../../routes.py",
        "/manage/static//etc/passwd",
    ):
        answer = requests.get(f"{url}{path}", timeout=30)
        assert answer.status_code == 404, path
        assert "def " not in answer.text and "root:" not in answer.text


def test_every_console_answer_forbids_loading_from_elsewhere(hub_url: tuple[Hub, str]) -> None:
    _hub, url = hub_url
    browser = signed_in(url)
    for path in ("/manage/", "/manage/login", "/manage/audit", "/manage/devices", "/manage/x",
                 "/manage/static/console.js"):  # fmt: skip
        answer = browser.get(f"{url}{path}", allow_redirects=False, timeout=30)
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy and answer.headers["x-frame-options"] == "DENY"
    page = browser.get(f"{url}/manage/audit", timeout=30)
    assert page.headers["cache-control"] == "no-store"
    assert "default-src" not in requests.get(f"{url}/api/v1/health", timeout=30).headers.get(
        "content-security-policy", "default-src-absent"
    ).replace("default-src-absent", "")


def test_pages_have_no_inline_script_or_style(hub_url: tuple[Hub, str]) -> None:
    _hub, url = hub_url
    browser = signed_in(url)
    pages = [requests.get(f"{url}/manage/login", timeout=30).text]
    pages += [browser.get(f"{url}{p}", timeout=30).text for p in ("/manage/", "/manage/audit",
                                                                  "/manage/devices", "/manage/x")]  # fmt: skip
    for html in pages:
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert " style=" not in html and "<style" not in html
        assert "http://" not in html and "https://" not in html


def test_a_post_without_a_session_is_refused_before_any_route(hub_url: tuple[Hub, str]) -> None:
    _hub, url = hub_url
    for path in ("/manage/", "/manage/audit", "/manage/anything"):
        answer = requests.post(f"{url}{path}", data={"csrf": "guess"}, timeout=30)
        assert answer.status_code == 403, path
        assert "重新登录" in answer.text
    logout = requests.post(f"{url}/manage/logout", allow_redirects=False, timeout=30)
    assert (logout.status_code, logout.headers["location"]) == (303, "/manage/login")


def test_a_post_with_the_session_token_in_the_header_or_the_form_passes(
    hub_url: tuple[Hub, str],
) -> None:
    _hub, url = hub_url
    browser = signed_in(url)
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get(f"{url}/manage/").text)
    assert token is not None
    header = browser.post(f"{url}/manage/x", headers={"X-CSRF-Token": token.group(1)}, timeout=30)
    assert header.status_code == 404  # past the guard: no such page
    wrong = browser.post(f"{url}/manage/x", headers={"X-CSRF-Token": "nope"}, timeout=30)
    assert wrong.status_code == 403
    too_big = browser.post(
        f"{url}/manage/x",
        data={"csrf": token.group(1), "x": "y" * (guard.MAX_BODY + 1)},
        timeout=30,
    )
    assert too_big.status_code == 413
    out = browser.post(f"{url}/manage/logout", data={"csrf": token.group(1)}, allow_redirects=False, timeout=30)  # fmt: skip
    assert out.headers["location"] == "/manage/login"


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/manage/audit", "/manage/audit"),
        ("//elsewhere.example/manage/", "/manage/"),
        ("https://elsewhere.example/manage/", "/manage/"),
        ("/manage/\\\\elsewhere.example", "/manage/"),
        ("/api/v1/health", "/manage/"),
    ],
)
def test_after_login_only_a_console_path_is_followed(
    hub_url: tuple[Hub, str], asked: str, lands: str
) -> None:
    _hub, url = hub_url
    browser = requests.Session()
    page = browser.get(f"{url}/manage/login", params={"next": asked}, timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    answer = browser.post(
        f"{url}/manage/login",
        data={"user": "zhang.san", "password": PASSWORD, "csrf": token.group(1), "next": asked},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.headers["location"] == lands


def test_the_audit_log_is_paged_newest_first(hub_url: tuple[Hub, str]) -> None:
    hub, url = hub_url
    browser = signed_in(url)
    actor = Actor("li.si", "supervisor", "session")
    for n in range(60):
        hub.accounts.record(actor, "test.step", f"thing:{n}", {"n": n})
    first = browser.get(f"{url}/manage/audit", timeout=30).text
    assert first.count("thing:") == 50
    assert first.index("thing:59") < first.index("thing:58")
    older = re.search(r'id="older" href="([^"]+)"', first)
    assert older is not None
    second = browser.get(f"{url}{older.group(1).replace('&amp;', '&')}", timeout=30).text
    assert "thing:9<" in second and "thing:0<" in second and "thing:10<" not in second
    assert "新增账号" in second and "登录管理后台" in second  # the oldest rows
    assert 'id="older"' not in second
    one = browser.get(f"{url}/manage/audit", params={"target": "thing:7"}, timeout=30).text
    assert one.count("thing:7<") == 1 and "thing:8<" not in one and "督查" in one
