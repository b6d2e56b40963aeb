"""Enrollment against the real reference central: one code, one credential, clear refusals."""

from __future__ import annotations

import dataclasses
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.credential import load_credential
from sync.enroll import EnrollError, enroll
from sync.http import CentralClient, CentralRefused
from sync.wire import API_PREFIX
from tests.sync.central_thread import RunningCentral, central_in_thread


@pytest.fixture
def central(tmp_path: Path) -> Iterator[RunningCentral]:
    with central_in_thread(tmp_path / "central") as running:
        yield running


def test_enrolling_saves_a_private_credential_that_signs_for_the_hall(
    central: RunningCentral, tmp_path: Path
) -> None:
    hall, code = central.store.add_hall("示例镇便民服务中心", "reverse")
    data = tmp_path / "hub"
    credential = enroll(central.base_url + "/", code.lower(), data, "hub-1")

    assert credential.hall == hall.id and credential.hall_name == "示例镇便民服务中心"
    assert credential.central_url == central.base_url  # no trailing slash
    assert credential.rating_scale == "reverse" and credential.ca_file is None
    path = data / "central.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_credential(data) == credential
    assert json.loads(path.read_text())["key_id"] == credential.key_id

    answer = CentralClient(credential).request("GET", f"{API_PREFIX}/halls/{hall.id}/status")
    assert answer.json()["hall"] == hall.id


def test_a_used_code_is_refused_and_the_saved_credential_is_kept(
    central: RunningCentral, tmp_path: Path
) -> None:
    _, code = central.store.add_hall("示例镇")
    data = tmp_path / "hub"
    first = enroll(central.base_url, code, data)
    with pytest.raises(EnrollError, match="already used") as caught:
        enroll(central.base_url, code, data)
    assert caught.value.code == "code_used"
    assert load_credential(data) == first


def test_an_unknown_code_says_so(central: RunningCentral, tmp_path: Path) -> None:
    with pytest.raises(EnrollError, match="does not know this code") as caught:
        enroll(central.base_url, "2345-6789-ABCD", tmp_path / "hub")
    assert caught.value.code == "unknown_code"
    assert not (tmp_path / "hub" / "central.json").exists()


def test_a_malformed_code_is_refused_before_asking_central(tmp_path: Path) -> None:
    # Port 9 has nobody listening: the code's form is checked first, so this never connects.
    with pytest.raises(EnrollError, match="never uses 0, 1, I, L or O") as caught:
        enroll("http://127.0.0.1:9", "0000-1111-IIII", tmp_path)
    assert caught.value.code == "bad_code"


def test_an_unreachable_central_and_bad_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(EnrollError, match="cannot reach central") as caught:
        enroll("http://127.0.0.1:9", "2345-6789-ABCD", tmp_path, timeout=2)
    assert caught.value.code == "unreachable"
    with pytest.raises(EnrollError, match="http"):
        enroll("ftp://central", "2345-6789-ABCD", tmp_path)
    with pytest.raises(EnrollError, match="does not exist"):
        enroll("https://central", "2345-6789-ABCD", tmp_path, ca_file=tmp_path / "none.pem")


def test_enrolling_again_replaces_the_credential_and_central_drops_the_old_key(
    central: RunningCentral, tmp_path: Path
) -> None:
    hall, code = central.store.add_hall("示例镇")
    data = tmp_path / "hub"
    old = enroll(central.base_url, code, data)
    new = enroll(central.base_url, central.store.new_code(hall.id), data)
    assert new.key_id != old.key_id and load_credential(data) == new
    with pytest.raises(CentralRefused) as caught:
        CentralClient(old).request("GET", f"{API_PREFIX}/halls/{hall.id}/status")
    assert caught.value.code == "unknown_key"


def test_enrolling_over_tls_pins_the_ca_and_the_hub_then_syncs_only_with_it(
    tmp_path: Path,
) -> None:
    from sync.central.process import CentralProcess
    from sync.central.tls import make_test_certificates
    from sync.http import CentralUnreachable

    certs = make_test_certificates(tmp_path / "tls")
    tls = (str(certs.cert_file), str(certs.key_file))
    with CentralProcess(tmp_path / "central", tls=tls) as central:
        _, code = central.add_hall("示例镇")
        # Without the CA the system store does not know central's certificate.
        with pytest.raises(EnrollError) as caught:
            enroll(central.base_url, code, tmp_path / "hub", ca_file=None)
        assert caught.value.code == "unreachable"
        credential = enroll(central.base_url, code, tmp_path / "hub", ca_file=certs.ca_file)
        assert credential.ca_file == str(certs.ca_file.resolve())
        path = f"{API_PREFIX}/halls/{credential.hall}/status"
        assert CentralClient(credential).request("GET", path).status == 200
        other = make_test_certificates(tmp_path / "other")
        wrong = dataclasses.replace(credential, ca_file=str(other.ca_file))
        with pytest.raises(CentralUnreachable):
            CentralClient(wrong).request("GET", path)
