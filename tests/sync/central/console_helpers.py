"""Helpers for the tests of central's console: accounts, regions, signing in over a TestClient."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from sync.central.console.accounts import ConsoleAccounts
from sync.central.console.regions import add_region, set_hall_region
from sync.central.store import CentralStore

PASSWORD = "zhongxin-2580"


def add_account(
    central: CentralStore, user: str, role: str = "admin", region: str | None = None
) -> None:
    ConsoleAccounts(central).add("tests", user, role, PASSWORD, region)


def two_districts(central: CentralStore) -> dict[str, str]:
    """梅州市 with 梅江区 (one town, one hall) and 梅县区 (one hall); the halls' ids by name."""
    add_region(central, "tests", "441400", "梅州市", "city", None)
    add_region(central, "tests", "441402", "梅江区", "district", "441400")
    add_region(central, "tests", "441402001", "西郊街道", "town", "441402")
    add_region(central, "tests", "441403", "梅县区", "district", "441400")
    halls = {}
    for name, region in (("西郊街道便民服务中心", "441402001"), ("程江镇便民服务中心", "441403")):
        hall, _ = central.add_hall(name)
        set_hall_region(central, "tests", hall.id, region)
        halls[name] = hall.id
    return halls


def token_in(page: str, name: str = "csrf") -> str:
    """The value of the hidden field ``name`` (or the csrf-token meta) in an HTML page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    assert found, f"no {name} in the page"
    return found.group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> httpx.Response:
    """Post the login form as a browser would (its own token first); the answer, unfollowed."""
    page = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"csrf": token_in(page.text), "user": user, "password": password},
        follow_redirects=False,
    )


def signed_in(client: TestClient, user: str) -> str:
    """Sign ``user`` in; the session's CSRF token (from a page's meta tag)."""
    assert sign_in(client, user).status_code == 303
    page = client.get("/console/regions")
    assert page.status_code == 200
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found
    return found.group(1)


def field_error(page: str, form: str, field: str) -> str | None:
    """The error shown next to ``field`` of ``form`` on a regions page, if any."""
    found = re.search(rf'id="{form}-{field}-error"[^>]*>([^<]+)<', page)
    return found.group(1) if found else None
