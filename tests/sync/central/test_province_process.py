"""好差评 up to the province from a real ``hall central serve``: through a kill -9 mid-send,
with several workers, and the commands (``province-status``, ``province-send``, bad options)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hall.cli import main
from sync.central.process import CentralProcess
from sync.central.province import province_status
from sync.central.store import CentralStore
from tests.sync.central.centralapp import FakeNow, SignedHub, enroll
from tests.sync.central.conftest import db_args
from tests.sync.central.fakeprovince import FakeProvince
from tests.sync.central.provincedata import rating, set_region
from tests.timing import wait_for


class RealNow(FakeNow):
    """The machine's clock, for a hub that signs requests to a central in another process."""

    def __call__(self) -> float:
        return time.time()


class ProvinceCentral(CentralProcess):
    """``hall central serve`` sending to ``province`` (its lease short, so a test need not
    wait a minute for a killed sender's hall)."""

    def __init__(self, folder: Path, province: FakeProvince, **kwargs: Any) -> None:
        super().__init__(folder, **kwargs)
        self.province = province

    def command(self) -> list[str]:
        return [
            *super().command(),
            "--province-url",
            self.province.url,
            "--province-token-file",
            str(self.province.token_file),
            "--province-lease",
            "5",
        ]


@pytest.fixture
def province(tmp_path: Path) -> Iterator[FakeProvince]:
    fake = FakeProvince(tmp_path / "province").start()
    yield fake
    fake.stop()


def _hub(process: CentralProcess, client: httpx.Client) -> SignedHub:
    hall, code = process.add_hall("示例镇便民服务中心")
    store = process.store()
    try:
        set_region(store, hall)
    finally:
        store.close()
    return enroll(client, code, RealNow())  # type: ignore[arg-type]


def _kill_all(process: CentralProcess) -> None:
    """kill -9 of the server and its workers (as a crash of the box or the unit would)."""
    workers = process.worker_pids() if process.workers > 1 else []
    process.kill()
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_central_killed_mid_send_sends_every_record_once_after_its_restart(
    engine: str, tmp_path: Path, province: FakeProvince, request: pytest.FixtureRequest
) -> None:
    db = request.getfixturevalue("pg_database") if engine == "postgresql" else None
    workers = 2 if engine == "postgresql" else 1
    folder = tmp_path / "central"
    process = ProvinceCentral(folder, province, db=db, workers=workers).start()
    try:
        with httpx.Client(base_url=process.base_url) as client:
            hub = _hub(process, client)
            province.control(delay=30)  # records arrive; the answer never comes in time
            assert hub.send([rating(seq, 1 + seq % 5) for seq in range(1, 9)]).status_code == 200
            wait_for(lambda: province.state()["requests"] >= 1, "central's first request")
    finally:
        _kill_all(process)
    province.control(delay=0)
    arrived = province.state()["records"]
    assert len(arrived) == 8  # the province has them, central does not know it
    restarted = ProvinceCentral(folder, province, db=db, workers=workers, port=process.port)
    with restarted:
        store = restarted.store()
        try:
            wait_for(lambda: province_status(store).sent == 8, "every record marked sent")
            assert province_status(store).pending == 0
        finally:
            store.close()
    state = province.state()
    assert [r["record_id"] for r in state["records"]] == [f"{hub.hall}:{s}" for s in range(1, 9)]
    assert state["duplicates"] >= 8  # sent again after the restart, kept once


def test_province_status_shows_counts_and_held_halls_and_province_send_sends_them(
    central: CentralStore,
    hub: SignedHub,
    province: FakeProvince,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub.send([rating(1, 4, "态度不好"), rating(2, 1)])
    where = db_args(central, tmp_path)
    assert main(["central", "province-status", *where]) == 0
    out = capsys.readouterr().out
    assert "2 pending" in out and hub.hall in out and "no region" in out
    send = [
        "central",
        "province-send",
        *where,
        "--province-url",
        province.url,
        "--province-token-file",
        str(province.token_file),
    ]
    assert main(send) == 0
    assert "sent 0" in capsys.readouterr().out  # held: no region yet
    set_region(central, hub.hall)
    assert main(send) == 0
    assert "sent 2" in capsys.readouterr().out
    assert main(["central", "province-status", *where, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["pending"], status["sent"], status["waiting_for_region"]) == (0, 2, [])
    assert province.record_ids() == [f"{hub.hall}:1", f"{hub.hall}:2"]


def test_province_send_through_an_outage_fails_with_the_error_and_keeps_the_records(
    central: CentralStore,
    hub: SignedHub,
    province: FakeProvince,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_region(central, hub.hall)
    hub.send([rating(1, 2)])
    province.stop()
    where = db_args(central, tmp_path)
    token = ["--province-token-file", str(province.token_file)]
    assert main(["central", "province-send", *where, "--province-url", province.url, *token]) == 1
    assert "failed for 1 halls" in capsys.readouterr().out
    assert main(["central", "province-status", *where]) == 0
    out = capsys.readouterr().out
    assert "1 pending" in out and "cannot reach the province" in out


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--province-url", "ftp://province.example"], "must be an http:// or https:// URL"),
        (["--province-url", "https://province.example/api"], "needs --province-token-file"),
        (["--province-token-file", "x"], "needs --province-url"),
        (
            ["--province-url", "https://p.example", "--province-token-file", "/nonexistent/t"],
            "/nonexistent/t",
        ),
        (
            [
                "--province-url",
                "https://p.example",
                "--province-token-file",
                "TOKEN",
                "--province-scale",
                "up",
            ],
            "--province-scale must be one of",
        ),
    ],
)
def test_bad_province_options_are_refused_naming_what_is_wrong(
    options: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tmp_path / "token"
    token.write_text("secret\n")
    options = [str(token) if o == "TOKEN" else o for o in options]
    data = ["--data", str(tmp_path / "central")]
    assert main(["central", "serve", *data, *options]) == 2
    assert says in capsys.readouterr().err
    assert main(["central", "province-send", *data, *options]) == 2
    assert says in capsys.readouterr().err


def test_province_retry_sends_a_refused_record_again_once_the_province_takes_it(
    central: CentralStore,
    hub: SignedHub,
    province: FakeProvince,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_region(central, hub.hall)
    hub.send([rating(1, 1), rating(2, 2)])
    refused = f"{hub.hall}:2"
    province.control(refuse=[refused])
    where = db_args(central, tmp_path)
    send = ["central", "province-send", *where, "--province-url", province.url]
    send += ["--province-token-file", str(province.token_file)]
    assert main(send) == 0
    assert "sent 1, held 1" in capsys.readouterr().out
    assert main(["central", "province-retry", *where]) == 2  # neither ids nor --all
    assert main(["central", "province-retry", *where, "h-x"]) == 2
    assert "HALL:SEQ" in capsys.readouterr().err
    province.control(refuse=[])
    assert main(["central", "province-retry", *where, refused]) == 0
    assert "1 refused records" in capsys.readouterr().out
    assert main(send) == 0
    assert province.record_ids() == [f"{hub.hall}:1", refused]
    assert (province_status(central).held, province_status(central).sent) == (0, 2)
