"""A staff photo uploaded from the 工作人员 page in real headless Chromium (a plain form, no
script): a JPEG of several hundred kilobytes, larger than any other request to the hub may be,
is stored and then shown on the page and served to the window boards; a file over 2 MB is
refused."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PIL import Image

from hub.accounts import CLI_ACTOR
from hub.limits import MAX_BODY_BYTES
from hub.server import Hub
from tests.browser import Browser, chromium, needs_chromium
from tests.hub.hubapp import served

pytestmark = needs_chromium

PASSWORD = "correct horse 1"


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Hub, str, Browser]]:
    with served(tmp_path / "hub") as (hub, url), chromium() as browser:
        hub.accounts.add(CLI_ACTOR, "zhang.san", "manager", PASSWORD)
        yield hub, url, browser


def noisy_jpeg(path: Path) -> bytes:
    """A 3:4 JPEG of random pixels: several hundred kilobytes."""
    image = Image.frombytes("RGB", (480, 640), os.urandom(480 * 640 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    path.write_bytes(out.getvalue())
    return out.getvalue()


def choose_file(browser: Browser, selector: str, path: Path) -> None:
    root = browser.send("DOM.getDocument")["root"]["nodeId"]
    node = browser.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    browser.send("DOM.setFileInputFiles", {"nodeId": node, "files": [str(path)]})


def test_a_photo_uploaded_from_the_page_reaches_the_boards(
    console: tuple[Hub, str, Browser], tmp_path: Path
) -> None:
    hub, url, browser = console
    photo = noisy_jpeg(tmp_path / "wang.jpg")
    assert len(photo) > MAX_BODY_BYTES
    browser.open(f"{url}/manage/login")
    browser.fill("#user", "zhang.san")
    browser.fill("#password", PASSWORD)
    browser.submit("#login-form")
    browser.open(f"{url}/manage/staff/1001")

    choose_file(browser, "#photo-file", tmp_path / "wang.jpg")
    browser.submit("#photo-form")

    assert browser.status() == 200
    assert browser.text("#done").startswith("照片已更新")
    assert browser.wait_until("document.getElementById('staff-photo').naturalWidth", "the photo")
    _, token = hub.registry.add("board", "board-1", 1)
    served_photo = requests.get(
        f"{url}/api/v1/staff/1001/photo", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert served_photo.content == photo

    (tmp_path / "big.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(2 * 1024 * 1024))
    choose_file(browser, "#photo-file", tmp_path / "big.jpg")
    browser.submit("#photo-form")
    assert browser.status() == 422
    assert browser.text("#error-photo").startswith("照片文件过大")
