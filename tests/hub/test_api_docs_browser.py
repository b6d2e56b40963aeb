"""The API documentation page works with no internet: Swagger UI and its style come from the hub,
and the page shows the hub's operations in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hub.server import open_hub
from sync.clock import FixedClock
from tests.browser import DESKTOP, chromium, needs_chromium
from tests.conftest import queue_hall
from tests.hub.hubapp import served


def test_the_docs_page_names_only_the_hubs_own_files(tmp_path: Path, clock: FixedClock) -> None:
    hub = open_hub(tmp_path / "hub", clock=clock, config=queue_hall())
    try:
        api = TestClient(hub.app)
        page = api.get("/api/v1/docs")
        assert page.status_code == 200
        assert "/web/swagger/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower() and "https://" not in page.text
        for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
            assert api.get(f"/web/swagger/{name}").status_code == 200, name
        assert api.get("/web/swagger/LICENSE").status_code == 404  # only what the page loads
    finally:
        hub.store.close()


@needs_chromium
def test_the_docs_page_renders_the_operations_offline(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (_, url), chromium(tmp_path / "profile") as browser:
        browser.open(f"{url}/api/v1/docs", DESKTOP)
        browser.wait_until(
            "document.querySelectorAll('.opblock-summary-path').length > 20",
            "Swagger UI listing the hub's operations",
        )
        assert "/api/v1/tickets" in browser.text(".swagger-ui")
        assert browser.left_origin(url) == []
