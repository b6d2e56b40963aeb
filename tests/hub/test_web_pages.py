"""The web board and display pages: who may open which page, what the page carries, and that
the JavaScript's texts are the boards' text catalog."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.board_texts import TEXTS
from hub.server import Hub, open_hub
from hub.web import BAD_TOKEN, NO_TOKEN, STATIC, install_web


def mount_web(hub: Hub) -> None:
    """Mount the pages unless hub/api.py create_app already does."""
    if not any(getattr(r, "path", "") == "/display" for r in hub.app.routes):
        install_web(hub.app, hub.engine, hub.registry)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    opened = open_hub(tmp_path / "hub", always_open=True)
    mount_web(opened)
    yield opened
    opened.store.close()


@pytest.fixture
def web(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False)


def _token(hub: Hub, role: str, window: int | None = None) -> str:
    return hub.registry.add(role, f"{role}-{window}", window)[1]


def _config(page: str) -> dict[str, object]:
    match = re.search(r"window\.HALL = (\{.*?\});</script>", page)
    assert match, page[:300]
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_a_board_token_opens_its_own_windows_board(hub: Hub, web: TestClient) -> None:
    token = _token(hub, "board", 3)
    answer = web.get(f"/board/3?token={token}")
    assert answer.status_code == 200
    assert "text/html" in answer.headers["content-type"]
    config = _config(answer.text)
    assert (config["mode"], config["window"], config["token"]) == ("board", 3, token)
    assert config["name"] == "综合窗口"
    assert "/web/board.js" in answer.text


@pytest.mark.parametrize(("role", "window"), [("counter", 3), ("admin", None)])
def test_the_windows_counter_token_and_the_admin_token_open_the_board_too(
    hub: Hub, web: TestClient, role: str, window: int | None
) -> None:
    token = _token(hub, role, window)
    assert web.get(f"/board/3?token={token}").status_code == 200


@pytest.mark.parametrize(
    ("role", "window"), [("board", 4), ("counter", 4), ("kiosk", None), ("display", None)]
)
def test_another_windows_or_roles_token_gets_a_plain_403_page(
    hub: Hub, web: TestClient, role: str, window: int | None
) -> None:
    token = _token(hub, role, window)
    answer = web.get(f"/board/3?token={token}")
    assert answer.status_code == 403
    assert "3号窗口" in answer.text and "window.HALL" not in answer.text


def test_a_wrong_or_missing_token_says_so_in_chinese_with_403(web: TestClient) -> None:
    wrong = web.get("/board/3?token=nonsense")
    assert wrong.status_code == 403 and BAD_TOKEN in wrong.text
    missing = web.get("/display")
    assert missing.status_code == 403 and NO_TOKEN in missing.text


def test_the_display_opens_with_a_display_or_admin_token_only(hub: Hub, web: TestClient) -> None:
    for role in ("display", "admin"):
        answer = web.get(f"/display?token={_token(hub, role)}")
        assert answer.status_code == 200
        config = _config(answer.text)
        assert config["mode"] == "display"
        assert config["notice"] == hub.engine.config.hall.notice
    assert web.get(f"/display?token={_token(hub, 'board', 1)}").status_code == 403


def test_a_window_the_hall_does_not_have_is_404(hub: Hub, web: TestClient) -> None:
    answer = web.get(f"/board/99?token={_token(hub, 'admin')}")
    assert answer.status_code == 404 and "99号窗口" in answer.text


def test_assets_are_served_and_nothing_else_under_web(web: TestClient) -> None:
    assert web.get("/web/board.js").headers["content-type"].startswith("application/javascript")
    assert web.get("/web/board.css").status_code == 200
    assert web.get("/web/board.html").status_code == 404
    assert web.get("/web/..%2Fweb.py").status_code == 404


def test_both_pages_get_the_qt_boards_text_catalog_and_the_script_has_no_copy(
    hub: Hub, web: TestClient
) -> None:
    script = (STATIC / "board.js").read_text(encoding="utf-8")
    assert "var TEXTS = C.texts;" in script
    board = web.get(f"/board/3?token={_token(hub, 'board', 3)}").text
    display = web.get(f"/display?token={_token(hub, 'display')}").text
    assert _config(board)["texts"] == _config(display)["texts"] == TEXTS


def test_the_display_page_knows_the_halls_offset_from_utc(hub: Hub, web: TestClient) -> None:
    display = web.get(f"/display?token={_token(hub, 'display')}").text
    assert _config(display)["utc_offset_minutes"] == 480  # Asia/Shanghai, the sample hall


def test_the_javascript_is_es5_for_old_tv_browsers() -> None:
    script = (STATIC / "board.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)
    for modern in ("=>", "const ", "let ", "fetch(", "class ", "`", "import ", "async "):
        assert modern not in code, modern
