"""A real central on loopback (uvicorn in a thread) spoken to by the hub's CentralClient:
TLS with a pinned self-signed CA, clock correction from Date, injected faults."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.central.app import create_central_app
from sync.central.faults import Faults
from sync.central.server import Central
from sync.central.store import CentralStore
from sync.central.tls import TestCertificates, make_test_certificates
from sync.http import CentralClient, CentralRefused, CentralUnreachable
from tests.sync.central.centralapp import credential_for, event, live_central


def _central(folder: Path, now: Any = time.time, faults: Faults | None = None) -> Central:
    store = CentralStore(folder / "central.db", now=now)
    return Central(folder, store, create_central_app(store, faults=faults), "t", False)


@pytest.fixture
def certificates(tmp_path: Path) -> TestCertificates:
    return make_test_certificates(tmp_path / "tls")


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[Central]:
    central = _central(tmp_path)
    yield central
    central.store.close()


def _batch(hall: str, first: int, last: int) -> dict[str, Any]:
    return {
        "hall": hall,
        "hub_last_seq": last,
        "sent_at": "now",
        "events": [event(seq) for seq in range(first, last + 1)],
    }


def test_the_hub_client_uploads_gzip_batches_to_a_live_central(plain: Central) -> None:
    with live_central(plain) as url:
        client = CentralClient(credential_for(plain, url))
        hall = client.credential.hall
        answer = client.request(
            "POST", f"/api/central/v1/halls/{hall}/events", body=_batch(hall, 1, 100), compress=True
        )
        assert answer.json()["acked_seq"] == 100
        status = client.request("GET", f"/api/central/v1/halls/{hall}/status").json()
        assert status["acked_seq"] == 100
        assert client.offset.seconds is not None and abs(client.offset.seconds) < 2
        client.close()


def test_a_hub_whose_clock_is_off_is_corrected_from_the_refusal_and_retries(
    tmp_path: Path,
) -> None:
    central = _central(tmp_path, now=lambda: time.time() + 3600)
    try:
        with live_central(central) as url:
            client = CentralClient(credential_for(central, url))
            hall = client.credential.hall
            status = client.request("GET", f"/api/central/v1/halls/{hall}/status")
            assert status.status == 200
            assert client.offset.seconds is not None and 3590 < client.offset.seconds < 3610
    finally:
        central.store.close()


def test_tls_with_the_pinned_ca_works(plain: Central, certificates: TestCertificates) -> None:
    tls = (str(certificates.cert_file), str(certificates.key_file))
    with live_central(plain, tls) as url:
        assert url.startswith("https://")
        credential = credential_for(plain, url, ca_file=str(certificates.ca_file))
        client = CentralClient(credential)
        status = client.request("GET", f"/api/central/v1/halls/{credential.hall}/status")
        assert status.status == 200
        client.close()


def test_tls_without_the_pinned_ca_is_unreachable(
    plain: Central, certificates: TestCertificates, tmp_path: Path
) -> None:
    other_ca = make_test_certificates(tmp_path / "other").ca_file
    tls = (str(certificates.cert_file), str(certificates.key_file))
    with live_central(plain, tls) as url:
        credential = credential_for(plain, url)
        for ca_file in (None, str(other_ca)):
            client = CentralClient(dataclasses.replace(credential, ca_file=ca_file), timeout=5)
            with pytest.raises(CentralUnreachable):
                client.request("GET", f"/api/central/v1/halls/{credential.hall}/status")
            client.close()


def test_an_injected_refusal_is_a_503_with_retry_after(tmp_path: Path) -> None:
    central = _central(tmp_path, faults=Faults(fail_rate=1.0, seed=1))
    try:
        with live_central(central) as url:
            client = CentralClient(credential_for(central, url))
            with pytest.raises(CentralRefused) as refused:
                client.request("GET", f"/api/central/v1/halls/{client.credential.hall}/status")
            assert refused.value.status == 503
            assert refused.value.retry_after == 1.0
    finally:
        central.store.close()


def test_an_injected_lost_answer_breaks_the_connection_after_the_commit(tmp_path: Path) -> None:
    faults = Faults(lose_answer_rate=1.0, seed=1)
    central = _central(tmp_path, faults=faults)
    try:
        with live_central(central) as url:
            client = CentralClient(credential_for(central, url), timeout=10)
            hall = client.credential.hall
            batch = _batch(hall, 1, 10)
            with pytest.raises(CentralUnreachable):
                client.request(
                    "POST", f"/api/central/v1/halls/{hall}/events", body=batch, compress=True
                )
            assert central.store.hall(hall).acked_seq == 10  # committed all the same
            faults.lose_answer_rate = 0.0
            again = client.request(
                "POST", f"/api/central/v1/halls/{hall}/events", body=batch, compress=True
            ).json()
            assert (again["acked_seq"], again["duplicates"]) == (10, 10)
            assert central.store.hall(hall).applied == 10
    finally:
        central.store.close()


def test_faults_with_the_same_seed_fall_on_the_same_requests() -> None:
    first, second = Faults(fail_rate=0.3, seed=7), Faults(fail_rate=0.3, seed=7)
    assert [first.refuse_now() for _ in range(50)] == [second.refuse_now() for _ in range(50)]
    with pytest.raises(ValueError, match="fail_rate"):
        Faults(fail_rate=1.5)
