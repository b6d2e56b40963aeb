"""``hall central serve`` as a real process: what the hub side's fault tests start."""

from __future__ import annotations

from pathlib import Path

import requests

from sync.central.process import CentralProcess
from sync.credential import Credential
from sync.http import CentralClient
from tests.sync.central.centralapp import event


def _enroll(central: CentralProcess, name: str) -> CentralClient:
    _, code = central.add_hall(name)
    answer = requests.post(
        central.base_url + "/api/central/v1/enroll", json={"code": code}, timeout=10
    )
    assert answer.status_code == 201
    assert len(answer.raw.headers.getlist("Date")) == 1  # ours only, not uvicorn's as well
    data = answer.json()
    return CentralClient(
        Credential(
            central.base_url, data["hall"], data["hall_name"], data["key_id"], data["secret"]
        )
    )


def test_a_central_process_keeps_answered_batches_through_a_kill(tmp_path: Path) -> None:
    central = CentralProcess(tmp_path / "central").start()
    client = _enroll(central, "进程测试大厅")
    hall = client.credential.hall
    batch = {"hall": hall, "hub_last_seq": 2, "sent_at": "now", "events": [event(1), event(2)]}
    answer = client.request(
        "POST", f"/api/central/v1/halls/{hall}/events", body=batch, compress=True
    )
    assert answer.json()["acked_seq"] == 2
    client.close()
    central.kill()
    with central:
        status = client.request("GET", f"/api/central/v1/halls/{hall}/status").json()
        assert status["acked_seq"] == 2
        client.close()
    assert "central listening on http://127.0.0.1" in central.output()


def test_a_central_process_with_fail_rate_one_refuses_everything(tmp_path: Path) -> None:
    with CentralProcess(tmp_path / "central", fail_rate=1.0, seed=3) as central:
        _, code = central.add_hall("故障大厅")
        answer = requests.post(
            central.base_url + "/api/central/v1/enroll", json={"code": code}, timeout=10
        )
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "1")
        assert "FAULT INJECTION" in central.output()
