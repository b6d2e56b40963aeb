"""A web board in a real headless browser stays live when its hub comes back restored from an
older backup: the browser resumes from a seq the hub never reached, the hub answers ``reset``,
and the page takes a fresh snapshot and shows the next call."""

from __future__ import annotations

import shutil
from pathlib import Path

from appkit.net import free_port
from hall.hubprocess import HubProcess
from hub.client import HubClient
from tests.browser import chromium, needs_chromium
from tests.timing import wait_for

pytestmark = needs_chromium


def test_a_web_board_recovers_after_its_hub_is_restored_from_an_older_backup(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hub"
    backup = tmp_path / "backup"
    hub = HubProcess(data, bind=f"127.0.0.1:{free_port()}", log_path=tmp_path / "hub.log")
    with hub:
        admin = hub.client()
        kiosk = HubClient(hub.base_url, admin.add_device("kiosk", "k")["token"])
        counter = HubClient(hub.base_url, admin.add_device("counter", "c1", 1)["token"])
        board = admin.add_device("board", "b1", 1)["token"]
        kiosk.issue_ticket(category="A")
    shutil.copytree(data, backup)  # the nightly backup: seq 1

    with chromium(tmp_path / "profile") as browser:
        with hub:
            for _ in range(5):  # the day goes on after the backup
                kiosk.issue_ticket(category="A")
            browser.open(f"{hub.base_url}/board/1?token={board}")
            wait_for(lambda: admin.health().subscribers >= 1, "the board live")
            counter.sign_in(1, "1001", "2580")  # the sample hall's clerk and PIN
            assert counter.call_next(1) is not None
            counter.finish(1)
            second = counter.call_next(1)  # A002: after the restore A001 is called again
            assert second is not None
            browser.wait_until(
                f"document.getElementById('number').textContent === {second.number!r}",
                "the board showing the call before the restore",
            )
        shutil.rmtree(data)  # the disk failed; the technician restores last night's backup
        shutil.copytree(backup, data)
        with hub:
            assert admin.health().last_seq < 5
            wait_for(lambda: admin.health().subscribers >= 1, "the board back on the stream")
            counter.sign_in(1, "1001", "2580")  # the backup is from before the sign-in
            again = counter.call_next(1)
            assert again is not None
            browser.wait_until(
                f"document.getElementById('number').textContent === {again.number!r}",
                "the board showing the call made after the restore",
            )
