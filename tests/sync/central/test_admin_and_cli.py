"""The admin page, ``hall central dump`` and the other operator commands."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hall.cli import main
from sync.central.server import open_central
from sync.central.store import CentralStore
from tests.sync.central.centralapp import FakeNow, SignedHub, event
from tests.sync.central.conftest import ADMIN, db_args


def test_the_admin_page_needs_the_token(client: TestClient) -> None:
    assert client.get("/admin").status_code == 401
    assert client.get("/admin?token=wrong").status_code == 401
    assert client.get(f"/admin?token={ADMIN}").status_code == 200


def test_the_admin_page_lists_halls_with_their_lag_and_last_contact(
    hub: SignedHub, central: CentralStore, client: TestClient, now: FakeNow
) -> None:
    central.add_hall("<script>青山</script>")
    hub.send([event(1), event(2, "rating.recorded", {"level": 0})], hub_last_seq=9)
    now.t += 125
    page = client.get(f"/admin?token={ADMIN}").text
    row = next(line for line in page.splitlines() if hub.hall in line)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:5] == ["示例镇便民服务中心", hub.hall, "2", "9", "7"]
    assert "2 分钟前" in cells[5]
    assert cells[6] == "1"  # the rejected rating
    assert "从未联系" in page
    assert "&lt;script&gt;青山" in page
    assert "<script>青山" not in page


def test_add_hall_prints_the_code_as_the_last_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["central", "add-hall", "--data", str(tmp_path), "--name", "示例镇"]) == 0
    words = capsys.readouterr().out.split()
    code = words[-1]
    assert len(code) == 14 and code.count("-") == 2
    central = CentralStore(tmp_path / "central.db")
    try:
        assert central.enroll(code, "127.0.0.1").hall_name == "示例镇"
    finally:
        central.close()


def test_every_command_works_on_a_postgresql_database_named_by_db(
    pg_database: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["central", "add-hall", "--db", pg_database, "--name", "青山镇"]) == 0
    hall = capsys.readouterr().out.split()[1]
    assert main(["central", "halls", "--db", pg_database, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "青山镇"
    monkeypatch.setenv("HALLKIT_CENTRAL_DB", pg_database)  # as systemd's EnvironmentFile gives it
    assert main(["central", "new-code", "--hall", hall]) == 0
    assert hall in capsys.readouterr().out
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"categories": [{"code": "A", "name": "综合"}]}), "utf-8")
    assert main(["central", "publish-catalog", "--hall", hall, str(catalog)]) == 0
    assert "catalog version 1" in capsys.readouterr().out
    assert main(["central", "dump", "--hall", hall]) == 0
    assert capsys.readouterr().out == ""


def test_a_database_that_cannot_be_reached_is_named_without_its_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql://hallkit:s3cret@127.0.0.1:1/nowhere"
    assert main(["central", "halls", "--db", url]) != 0
    err = capsys.readouterr().err
    assert "127.0.0.1:1/nowhere" in err
    assert "s3cret" not in err


def test_the_data_folder_and_admin_token_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "central"
    central = open_central(folder)
    central.store.close()
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    assert oct(os.stat(central.admin_token_path).st_mode & 0o777) == "0o600"
    again = open_central(folder)
    again.store.close()
    assert again.admin_token == central.admin_token
    assert not again.new_admin_token


def test_dump_prints_every_event_as_one_json_line(
    hub: SignedHub, central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.send([event(1), event(2, "nodot"), event(3, "window.status", {"number": 1})])
    assert main(["central", "dump", *db_args(central, tmp_path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["hall"], e["seq"], e["type"], e["status"]) for e in lines] == [
        (hub.hall, 1, "ticket.issued", "applied"),
        (hub.hall, 2, "nodot", "rejected"),
        (hub.hall, 3, "window.status", "applied"),
    ]
    assert lines[0]["payload"] == {"ticket": {"id": "t-1", "number": "A001"}}
    assert all(e["event_id"] for e in lines)


def test_dump_of_one_hall_leaves_the_others_out(
    hub: SignedHub, central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.send([event(1)])
    other, _ = central.add_hall("另一个")
    assert main(["central", "dump", *db_args(central, tmp_path), "--hall", other.id]) == 0
    assert capsys.readouterr().out == ""


def test_halls_json_shows_applied_counts_per_type(
    hub: SignedHub, central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.send([event(1), event(2), event(3, "ticket.called")], hub_last_seq=5)
    assert main(["central", "halls", *db_args(central, tmp_path), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["applied_by_type"] == {"ticket.issued": 2, "ticket.called": 1}
    assert (row["acked_seq"], row["hub_last_seq"], row["held"]) == (3, 5, 3)


def test_publish_catalog_from_toml_makes_a_new_version(
    hub: SignedHub, central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(
        '[[categories]]\ncode = "A"\nname = "综合"\n\n'
        '[[items]]\nid = "i1"\nname = "社保卡补办"\ndepartment = "人社"\ncategory = "A"\n',
        encoding="utf-8",
    )
    argv = [
        "central",
        "publish-catalog",
        *db_args(central, tmp_path),
        "--hall",
        hub.hall,
        str(path),
    ]
    assert main(argv) == 0
    assert main(argv) == 0
    assert "catalog version 2" in capsys.readouterr().out
    assert central.hall(hub.hall).catalog_version == 2


def test_publish_catalog_refuses_a_bad_file_and_keeps_the_version(
    hub: SignedHub, central: CentralStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"categories": [{"code": "AA", "name": "x"}]}), encoding="utf-8")
    argv = [
        "central",
        "publish-catalog",
        *db_args(central, tmp_path),
        "--hall",
        hub.hall,
        str(path),
    ]
    assert main(argv) == 1
    assert "categories[0].code" in capsys.readouterr().err
    assert central.hall(hub.hall).catalog_version == 0


def test_appointments_are_booked_and_cancelled_from_the_command_line(
    hub: SignedHub,
    central: CentralStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    id_number: object,
) -> None:
    number = id_number()  # type: ignore[operator]
    base = [*db_args(central, tmp_path), "--hall", hub.hall]
    book = ["central", "add-appointment", *base, "--date", "2026-11-22"]
    assert main([*book, "--start", "09:00", "--end", "09:30", "--category", "A"]) == 0
    assert main([*book, "--start", "09:30", "--end", "10:00", "--category", "A",
                 "--id-number", number]) == 0  # fmt: skip
    assert main(["central", "cancel-appointment", *base, "--code", "Y20261122001"]) == 0
    day = hub.request("GET", f"/halls/{hub.hall}/appointments?date=2026-11-22").json()
    assert day["version"] == 3
    assert [(a["code"], a["status"], a["id_number"]) for a in day["appointments"]] == [
        ("Y20261122001", "cancelled", None),
        ("Y20261122002", "booked", number),
    ]
    capsys.readouterr()
    assert main([*book, "--start", "09:00", "--end", "09:30", "--category", "A",
                 "--id-number", "110101199001011234"]) == 1  # fmt: skip
    assert "校验位" in capsys.readouterr().err


def test_central_without_a_subcommand_needs_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["central", "--bind", "127.0.0.1:1"]) == 2
    assert "--data" in capsys.readouterr().err
