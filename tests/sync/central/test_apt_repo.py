"""Central's signed apt repository: made with reprepro and gnupg, served at /apt/ to hubs only."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hall.cli import main
from sync.apt_login import apt_password
from sync.central.apt_repo import (
    AptRepoError,
    add_packages,
    init_repo,
    list_packages,
    repo_of,
)
from sync.central.apt_routes import content_type, served_file
from sync.central.server import Central, open_central
from tests.sync.central.aptrepo import build_deb, needs_apt_tools, short_folder

pytestmark = needs_apt_tools


@pytest.fixture
def data() -> Iterator[Path]:
    with short_folder() as folder:
        yield folder / "central"


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_init_makes_one_signing_key_in_a_private_folder_and_an_empty_signed_repository(
    data: Path,
) -> None:
    repo, key, made = init_repo(data)
    assert made and len(key) == 40
    assert stat.S_IMODE(repo.gnupg.stat().st_mode) == 0o700
    assert stat.S_IMODE(repo.root.stat().st_mode) == 0o700
    assert repo.key_file.read_bytes()[:1] in (b"\x98", b"\x99", b"\xc6")  # a public-key packet
    assert (repo.public / "hallkit.asc").read_text().startswith("-----BEGIN PGP PUBLIC KEY")
    # The suite apt asks for is there before any package, signed.
    assert (repo.public / "dists/stable/InRelease").is_file()
    assert (repo.public / "dists/hallkit/Release.gpg").is_file()
    again = init_repo(data)
    assert (again[1], again[2]) == (key, False)  # idempotent: the same key, none made
    secret_listing = subprocess.run(
        ["gpg", "--batch", "--homedir", str(repo.gnupg), "--list-secret-keys", "--with-colons"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert secret_listing.count("\nsec:") + secret_listing.startswith("sec:") == 1
    assert ":ed25519:" in secret_listing


def test_added_packages_are_listed_and_their_index_verifies_with_the_exported_key(
    data: Path,
) -> None:
    with short_folder() as work:
        added = add_packages(data, [build_deb(work, version="1.0")])
        assert [(a.package, a.version, a.architecture) for a in added] == [
            ("hallkit-probe", "1.0", "all")
        ]
        assert list_packages(data) == ["hallkit-probe 1.0 all"]
        add_packages(data, [build_deb(work, version="1.1")])
        assert list_packages(data) == ["hallkit-probe 1.1 all"]  # the newer replaces the older
    repo = repo_of(data)
    release = repo.public / "dists/stable/Release"
    signature = repo.public / "dists/stable/Release.gpg"
    ok = subprocess.run(
        ["gpgv", "--keyring", str(repo.key_file), str(signature), str(release)],
        capture_output=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    packages = (repo.public / "dists/stable/main/binary-amd64/Packages").read_text()
    assert "Filename: pool/main/h/hallkit-probe/hallkit-probe_1.1_all.deb" in packages


def test_something_that_is_not_a_package_is_refused_and_nothing_is_published(data: Path) -> None:
    bogus = data.parent / "bogus.deb"
    bogus.write_bytes(b"not an ar archive")
    with pytest.raises(AptRepoError, match="not a Debian package"):
        add_packages(data, [bogus])
    assert list_packages(data) == []


def test_the_repo_commands(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["central", "repo", "list", "--data", str(data)]) == 1
    assert "hall central repo init" in capsys.readouterr().err
    assert main(["central", "repo", "init", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "made" in out and "signing key fingerprint:" in out
    with short_folder() as work:
        deb = build_deb(work, version="2.0")
        assert main(["central", "repo", "add", "--data", str(data), str(deb)]) == 0
    assert "published hallkit-probe 2.0 (all)" in capsys.readouterr().out
    assert main(["central", "repo", "list", "--data", str(data)]) == 0
    assert capsys.readouterr().out == "hallkit-probe 2.0 all\n"
    assert main(["central", "repo", "init", "--data", str(data)]) == 0
    assert "already there" in capsys.readouterr().out


@pytest.fixture
def served(data: Path) -> Iterator[tuple[Central, TestClient, tuple[str, str]]]:
    """Central with a repository holding one package, as `hall central serve` builds it; a
    TestClient and an enrolled hub's apt login."""
    with short_folder() as work:
        add_packages(data, [build_deb(work)])
    central = open_central(data)
    _, code = central.store.add_hall("测试大厅")
    done = central.store.enroll(code, "127.0.0.1")
    secret = base64.b64decode(done.secret_b64)
    with TestClient(central.app) as client:
        yield central, client, (done.key_id, apt_password(secret))
    central.store.close()


def test_an_enrolled_hubs_login_reads_the_repository_with_the_right_types(
    served: tuple[Central, TestClient, tuple[str, str]],
) -> None:
    _, client, login = served
    for path, media in [
        ("/apt/hallkit.gpg", "application/pgp-keys"),
        ("/apt/dists/stable/InRelease", "text/plain; charset=utf-8"),
        ("/apt/dists/stable/Release.gpg", "application/pgp-signature"),
        ("/apt/dists/stable/main/binary-amd64/Packages.gz", "application/gzip"),
        (
            "/apt/pool/main/h/hallkit-probe/hallkit-probe_1.0_all.deb",
            "application/vnd.debian.binary-package",
        ),
    ]:
        answer = client.get(path, headers=_basic(*login))
        assert (answer.status_code, answer.headers["content-type"]) == (200, media), path
        assert "date" in answer.headers
    head = client.head("/apt/hallkit.gpg", headers=_basic(*login))
    assert head.status_code == 200 and head.content == b""
    whole = client.get("/apt/hallkit.gpg", headers={**_basic(*login), "Range": "bytes=10-"})
    assert whole.status_code == 200 and whole.content[:1] in (b"\x98", b"\x99", b"\xc6")


def test_no_login_a_wrong_one_or_the_hubs_raw_secret_is_answered_401(
    served: tuple[Central, TestClient, tuple[str, str]],
) -> None:
    central, client, (user, password) = served
    key = central.store.key(user)
    assert key is not None
    raw_secret = base64.b64encode(key.secret).decode()
    for headers in [
        {},
        _basic(user, password + "x"),
        _basic(user, raw_secret),  # the signing secret itself never opens the repository
        _basic("k-nobody", password),
        {"Authorization": "Basic !!!"},
        {"Authorization": f"Bearer {password}"},
    ]:
        answer = client.get("/apt/dists/stable/InRelease", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"].startswith('Basic realm="hallkit packages"')
        assert answer.json()["error"] == "bad_login"


def test_a_replaced_hubs_old_login_is_refused(
    served: tuple[Central, TestClient, tuple[str, str]],
) -> None:
    central, client, login = served
    hall = central.store.key(login[0])
    assert hall is not None
    central.store.enroll(central.store.new_code(hall.hall), "127.0.0.2")  # revokes the old key
    assert client.get("/apt/hallkit.gpg", headers=_basic(*login)).status_code == 401


def _asgi_get(app: Any, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """GET ``path`` exactly as given (a client would normalise ``..``; a hostile one need not,
    and the server percent-decodes ``%2e%2e`` and ``%2f`` into the path): status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8800),
    }
    sent: list[dict[str, Any]] = []
    asked = [0]

    async def run() -> None:
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            asked[0] += 1
            if asked[0] == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # the client goes once the answer is complete
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await app(scope, receive, send)

    asyncio.run(run())
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.mark.parametrize(
    "path",
    [
        "/apt/",
        "/apt",
        "/apt/dists",
        "/apt/dists/",
        "/apt/../central.db",
        "/apt/../admin.token",
        "/apt/./hallkit.gpg",
        "/apt/dists/../../gnupg/pubring.kbx",
        "/apt/dists/stable/../../../conf/distributions",
        "/apt/conf/distributions",
        "/apt/db/packages.db",
        "/apt//etc/passwd",
        "/apt/dists\\..\\..\\admin.token",
        "/apt/hallkit.gpg\x00.txt",
        "/apt/nothing-here",
    ],
)
def test_nothing_outside_the_public_files_is_served(
    served: tuple[Central, TestClient, tuple[str, str]], path: str
) -> None:
    central, _, login = served
    status, body = _asgi_get(central.app, path, _basic(*login))
    assert status == 404, body
    assert json.loads(body)["error"] == "not_found"
    # The same request without a login learns nothing: 401 before any path is looked at.
    assert _asgi_get(central.app, path, {})[0] == (401 if path.startswith("/apt") else 404)


def test_the_same_client_request_for_a_public_file_is_served(
    served: tuple[Central, TestClient, tuple[str, str]],
) -> None:
    central, _, login = served
    status, body = _asgi_get(central.app, "/apt/hallkit.gpg", _basic(*login))
    assert (status, body) == (200, repo_of(central.data_dir).key_file.read_bytes())


def test_a_link_leading_out_of_the_public_folder_is_not_followed(
    served: tuple[Central, TestClient, tuple[str, str]],
) -> None:
    central, client, login = served
    public = repo_of(central.data_dir).public
    os.symlink(central.data_dir / "admin.token", public / "token")
    assert client.get("/apt/token", headers=_basic(*login)).status_code == 404
    assert served_file(public, "token") is None
    assert served_file(public, "dists/stable/InRelease") is not None  # a link inside is fine


def test_the_repository_is_read_only_and_the_rest_of_central_is_unchanged(
    served: tuple[Central, TestClient, tuple[str, str]],
) -> None:
    central, client, login = served
    answer = client.put("/apt/hallkit.gpg", headers=_basic(*login), content=b"x")
    assert (answer.status_code, answer.headers["allow"]) == (405, "GET, HEAD")
    assert client.get(f"/admin?token={central.admin_token}").status_code == 200
    status = client.get("/api/central/v1/halls/h-x/status")
    assert status.status_code == 401 and "error" in status.json()


def test_without_a_repository_central_serves_no_apt_folder_until_one_is_made(
    data: Path,
) -> None:
    central = open_central(data)
    _, code = central.store.add_hall("测试大厅")
    done = central.store.enroll(code, "127.0.0.1")
    login = _basic(done.key_id, apt_password(base64.b64decode(done.secret_b64)))
    with TestClient(central.app) as client:
        answer = client.get("/apt/hallkit.gpg", headers=login)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"
        init_repo(data)  # while central runs: no restart needed
        assert client.get("/apt/hallkit.gpg", headers=login).status_code == 200
    central.store.close()


def test_content_types_by_name() -> None:
    assert content_type("Packages.xz") == "application/x-xz"
    assert content_type("Release") == "text/plain; charset=utf-8"
    assert content_type("something") == "application/octet-stream"
