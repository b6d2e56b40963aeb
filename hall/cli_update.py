"""``hall update …``: how a box gets hallkit's packages from central's signed apt repository.

``hall update enroll --data HUBDATA`` (as root, on a box whose hub is enrolled with central)
fetches the repository's public key from ``CENTRAL/apt/hallkit.gpg`` with the hub's apt login
and writes apt's three files:

- ``/etc/apt/keyrings/hallkit.gpg``: the key (0644); apt trusts it for this source only;
- ``/etc/apt/sources.list.d/hallkit.sources``: the source, deb822, ``Signed-By`` that key;
- ``/etc/apt/auth.conf.d/hallkit.conf`` (0600): ``machine … login KEYID password …``, the apt
  login derived from the hub's secret (``sync.apt_login``: it opens the repository and signs
  nothing);

and, when the hub pins central's CA, ``/etc/apt/hallkit-central-ca.pem`` with
``/etc/apt/apt.conf.d/60hallkit-central`` so apt checks central's certificate against it.
``--apt-root DIR`` writes under DIR instead of ``/`` (tests), the files naming each other by
their paths there. After it, ``apt-get update`` sees the ``hallkit`` packages.

On the hub box it also notes central's address and the key's fingerprint in
``DATA/update/repository.json``, which the hub serves to the hall's other boxes.

A screen box has no hub credential. ``hall update enroll --hub URL`` (its device token from
``DATA/device.token`` or ``--token-file``) asks its hub (``GET /api/v1/update/apt-login``) for
central's address, the key's fingerprint, the hall's apt login and central's CA, and writes the
same files, the key checked against that fingerprint. Without a hub at hand, ``hall update
login`` on the hub box prints the hall's apt login (``KEYID:LOGIN``, which opens the repository
and signs nothing), and ``hall update enroll --login-stdin --central URL`` on the box reads it
from standard input (never an option: the process list would show it).

``hall update run`` (``hall/update_run.py``) then updates the box in the maintenance window,
checks it and rolls it back by itself when the check fails. The hub box (its data folder holds
``central.json``) takes the release central names for the hall (``CENTRAL/apt/release``, with its
apt login) and goes first; every other box of the hall asks its hub (``GET
/api/v1/update/plan``) whether the hub box has updated and is healthy, takes the version it
runs, and reports its ``update.json`` back (``PUT /api/v1/update/state``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE

KEYRING = "etc/apt/keyrings/hallkit.gpg"
SOURCES = "etc/apt/sources.list.d/hallkit.sources"
AUTH = "etc/apt/auth.conf.d/hallkit.conf"
CA_COPY = "etc/apt/hallkit-central-ca.pem"
CA_CONF = "etc/apt/apt.conf.d/60hallkit-central"
SUITE = "stable"
COMPONENT = "main"
MAX_KEY_BYTES = 64 * 1024
KEY_SECONDS = 30.0


class EnrollError(Exception):
    """The box could not be enrolled; the message says why and what to do."""


def key_fingerprint(key: bytes) -> str:
    """The fingerprint of the first (primary) key of a binary OpenPGP public key (v4).

    Raises EnrollError when ``key`` does not start with a version 4 public-key packet.
    """
    if len(key) < 3 or not key[0] & 0x80:
        raise EnrollError("central's key is not an OpenPGP key")
    if key[0] & 0x40:  # new packet format: tag in the low 6 bits, then a length
        tag, first = key[0] & 0x3F, key[1]
        if first < 192:
            length, start = first, 2
        elif first < 224:
            length, start = ((first - 192) << 8) + key[2] + 192, 3
        elif first == 255:
            length, start = int.from_bytes(key[2:6], "big"), 6
        else:
            raise EnrollError("central's key uses a partial length: not a public key")
    else:  # old format: tag in bits 5-2, length type in bits 1-0
        tag, kind = (key[0] >> 2) & 0x0F, key[0] & 0x03
        size = {0: 1, 1: 2, 2: 4}.get(kind)
        if size is None:
            raise EnrollError("central's key has an indeterminate length: not a public key")
        length, start = int.from_bytes(key[1 : 1 + size], "big"), 1 + size
    body = key[start : start + length]
    if tag != 6 or len(body) != length or not body or body[0] != 4:
        raise EnrollError("central's key is not a version 4 OpenPGP public key")
    return hashlib.sha1(b"\x99" + length.to_bytes(2, "big") + body).hexdigest().upper()  # noqa: S324 - OpenPGP v4 fingerprints are SHA-1 by definition


@dataclass(frozen=True)
class Enrolled:
    """What ``enroll`` wrote."""

    fingerprint: str
    repository: str
    files: list[Path]


def fetch_key(repository: str, login: tuple[str, str], ca_file: str | None) -> bytes:
    """The repository's public key (``REPOSITORY/hallkit.gpg``), fetched with the apt login."""
    import requests

    try:
        answer = requests.get(
            repository + "hallkit.gpg",
            auth=login,
            timeout=KEY_SECONDS,
            verify=ca_file or True,
            stream=True,
            allow_redirects=False,
        )
        data = answer.raw.read(MAX_KEY_BYTES + 1, decode_content=True)
        answer.close()
    except (requests.RequestException, OSError) as err:
        raise EnrollError(f"cannot reach central at {repository}: {err}") from err
    if answer.status_code == 401:
        raise EnrollError(
            "central refused this hub's login (its key revoked? enroll the hub again: hall enroll)"
        )
    if answer.status_code == 404:
        raise EnrollError(
            "central publishes no package repository (on central: hall central repo init)"
        )
    if answer.status_code != 200:
        raise EnrollError(f"central answered {answer.status_code} for {repository}hallkit.gpg")
    if len(data) > MAX_KEY_BYTES:
        raise EnrollError("central's key is larger than any OpenPGP public key")
    return bytes(data)


def _write(path: Path, data: bytes, mode: int) -> Path:
    """Write ``path`` atomically with ``mode`` (its folders made 0755 if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temp, mode)  # whatever the umask
    os.replace(temp, path)
    return path


def apt_machine(repository: str) -> str:
    """auth.conf's ``machine`` for the repository URL: with its scheme, so it matches http too."""
    parts = urlsplit(repository)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def enroll(
    central_url: str,
    login: tuple[str, str],
    apt_root: Path,
    *,
    ca_file: str | None = None,
    expect_fingerprint: str | None = None,
) -> Enrolled:
    """Fetch central's key and write apt's source, keyring and login under ``apt_root``."""
    base = central_url.rstrip("/")
    if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
        raise EnrollError(f"--central must be http(s)://HOST[:PORT], not {central_url!r}")
    repository = base + "/apt/"
    key = fetch_key(repository, login, ca_file)
    fingerprint = key_fingerprint(key)
    wanted = (expect_fingerprint or "").replace(" ", "").upper()
    if wanted and wanted != fingerprint:
        raise EnrollError(
            f"central's key is {fingerprint}, not the expected {wanted}: nothing written"
        )
    keyring = apt_root / KEYRING
    files = [_write(keyring, key, 0o644)]
    sources = (
        "# hallkit's packages from central, written by `hall update enroll`.\n"
        "Types: deb\n"
        f"URIs: {repository}\n"
        f"Suites: {SUITE}\n"
        f"Components: {COMPONENT}\n"
        f"Signed-By: {keyring}\n"
    )
    files.append(_write(apt_root / SOURCES, sources.encode("utf-8"), 0o644))
    user, password = login
    auth = (
        "# The hub's apt login for central's repository (hall update enroll).\n"
        f"machine {apt_machine(repository)} login {user} password {password}\n"
    )
    files.append(_write(apt_root / AUTH, auth.encode("utf-8"), 0o600))
    if ca_file:
        ca_copy = _write(apt_root / CA_COPY, Path(ca_file).read_bytes(), 0o644)
        host = urlsplit(base).hostname or ""
        conf = f'Acquire::https::{host}::CaInfo "{ca_copy}";\n'
        files += [ca_copy, _write(apt_root / CA_CONF, conf.encode("utf-8"), 0o644)]
    return Enrolled(fingerprint, repository, files)


def _hub_credential(args: argparse.Namespace, command: str) -> Any:
    """The hub's credential in ``--data``, or None (the reason printed)."""
    from sync.credential import CredentialError, load_credential

    try:
        credential = load_credential(args.data)
    except CredentialError as err:
        print(f"hall update {command}: {err}", file=sys.stderr)
        return None
    if credential is None:
        print(
            f"hall update {command}: no hub credential in {args.data} (central.json): enroll "
            "the hub with central first (hall enroll), or give the hub's data folder with "
            "--data; on a screen box, use the hub's `hall update login` with --login-stdin",
            file=sys.stderr,
        )
    return credential


HUB_SECONDS = 15.0


def hub_apt_login(hub_url: str, token: str) -> dict[str, Any]:
    """What the hub answers at ``GET /api/v1/update/apt-login``; raises EnrollError."""
    import requests

    url = hub_url.rstrip("/") + "/api/v1/update/apt-login"
    try:
        answer = requests.get(
            url, headers={"Authorization": f"Bearer {token}"}, timeout=HUB_SECONDS
        )
        body = answer.json()
    except (requests.RequestException, ValueError) as err:
        raise EnrollError(f"cannot ask the hub at {hub_url}: {err}") from err
    if answer.status_code != 200 or not isinstance(body, dict):
        said = body.get("message", "") if isinstance(body, dict) else ""
        raise EnrollError(f"the hub answered {answer.status_code}: {said}".rstrip(": "))
    user, sep, password = str(body.get("login", "")).partition(":")
    if not sep or not user or not password or not body.get("central"):
        raise EnrollError("the hub's answer names no central and apt login")
    return body


def note_repository(data_dir: Path, done: Enrolled) -> Path:
    """On the hub box: note central's repository and key (``DATA/update/repository.json``) for
    the hub to tell the hall's other boxes."""
    central = done.repository.removesuffix("/apt/")
    noted = {"central": central, "fingerprint": done.fingerprint}
    folder = data_dir / "update"
    folder.mkdir(parents=True, exist_ok=True, mode=0o755)
    return _write(folder / "repository.json", (json.dumps(noted) + "\n").encode(), 0o644)


def _token(args: argparse.Namespace) -> str | None:
    path = Path(args.token_file) if args.token_file else Path(args.data) / "device.token"
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _login_from_stdin() -> tuple[str, str] | None:
    """``KEYID:PASSWORD`` (what ``hall update login`` prints) from one line of standard input."""
    user, sep, password = sys.stdin.readline().strip().partition(":")
    if not sep or not user or not password or any(c.isspace() for c in user + password):
        return None
    return user, password


def _cmd_enroll(args: argparse.Namespace) -> int:
    from sync.apt_login import apt_password

    root = Path(args.apt_root)
    if not root.is_dir():
        print(f"hall update enroll: --apt-root {root} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    temp_ca = None
    hub_fingerprint = None
    login: tuple[str, str] | None
    if args.hub:
        token = _token(args)
        if token is None:
            print(
                "hall update enroll: --hub needs this box's device token (DATA/device.token or "
                "--token-file)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        try:
            told = hub_apt_login(args.hub, token)
        except EnrollError as err:
            print(f"hall update enroll: {err}", file=sys.stderr)
            return EXIT_FAIL
        user, _, password = told["login"].partition(":")
        login = (user, password)
        central_url, ca_file = args.central or told["central"], args.ca_file
        hub_fingerprint = told.get("fingerprint")
        if told.get("ca_pem") and not ca_file:
            import tempfile

            handle, name = tempfile.mkstemp(suffix=".pem")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(told["ca_pem"])
            temp_ca = ca_file = name
    elif args.login_stdin:
        login = _login_from_stdin()
        if login is None or not args.central:
            print(
                "hall update enroll: --login-stdin needs --central URL and one line KEYID:LOGIN "
                "on standard input (from `hall update login` on the hub box)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        central_url, ca_file = args.central, args.ca_file
    else:
        credential = _hub_credential(args, "enroll")
        if credential is None:
            return EXIT_USAGE
        login = (credential.key_id, apt_password(credential.secret))
        central_url = args.central or credential.central_url
        ca_file = args.ca_file or credential.ca_file
    try:
        done = enroll(
            central_url,
            login,
            root,
            ca_file=ca_file,
            expect_fingerprint=args.fingerprint or hub_fingerprint,
        )
        noted = None if args.hub or args.login_stdin else note_repository(Path(args.data), done)
    except (EnrollError, OSError) as err:
        print(f"hall update enroll: {err}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        if temp_ca is not None:
            os.unlink(temp_ca)
    print(f"central's package repository: {done.repository}")
    print(f"signing key fingerprint: {done.fingerprint} (compare: hall central repo init)")
    for path in done.files:
        print(f"wrote {path}")
    if noted is not None:
        print(f"noted for the hall's other boxes: {noted}")
    if shutil.which("apt-get") and root == Path("/"):
        print("next: apt-get update && apt-cache policy hallkit")
    return EXIT_OK


def _cmd_login(args: argparse.Namespace) -> int:
    from sync.apt_login import apt_password

    credential = _hub_credential(args, "login")
    if credential is None:
        return EXIT_USAGE
    print(f"{credential.key_id}:{apt_password(credential.secret)}")
    print(
        "on each other box of the hall, as root:\n"
        f"  echo 'THE LINE ABOVE' | hall update enroll --login-stdin --central "
        f"{credential.central_url} [--fingerprint FPR]",
        file=sys.stderr,
    )
    return EXIT_OK


class AskError(Exception):
    """The hub or central could not be asked; the message says why."""


def _ask(method: str, url: str, **options: Any) -> Any:
    import requests

    try:
        answer = requests.request(method, url, timeout=HUB_SECONDS, **options)
        body = answer.json()
    except (requests.RequestException, ValueError) as err:
        raise AskError(f"{url}: {err}") from err
    if answer.status_code != 200:
        said = body.get("message", "") if isinstance(body, dict) else ""
        raise AskError(f"{url} answered {answer.status_code} {said}".rstrip())
    return body


def hub_plan(hub_url: str, token: str) -> dict[str, Any]:
    """The hub's ``GET /api/v1/update/plan``; raises AskError."""
    body = _ask(
        "GET",
        hub_url.rstrip("/") + "/api/v1/update/plan",
        headers={"Authorization": f"Bearer {token}"},
    )
    if not isinstance(body, dict) or not isinstance(body.get("go"), bool):
        raise AskError("the hub's plan has no go")
    return body


def report_to_hub(hub_url: str, token: str, state: dict[str, Any]) -> None:
    """Send this box's ``update.json`` to its hub (``PUT /api/v1/update/state``)."""
    _ask(
        "PUT",
        hub_url.rstrip("/") + "/api/v1/update/state",
        headers={"Authorization": f"Bearer {token}"},
        json=state,
    )


def central_release(credential: Any) -> str | None:
    """The release central names for the hub's hall (``CENTRAL/apt/release``, with the hall's
    apt login), None when none is named; raises AskError."""
    from sync.apt_login import apt_password

    body = _ask(
        "GET",
        credential.central_url.rstrip("/") + "/apt/release",
        auth=(credential.key_id, apt_password(credential.secret)),
        verify=credential.ca_file or True,
        allow_redirects=False,
    )
    release = body.get("release") if isinstance(body, dict) else None
    return release if isinstance(release, str) and release else None


def _screen_hub(args: argparse.Namespace, config: Any) -> str | None:
    """The hub's address when this box is one of the hall's other boxes; None on the hub box
    (its data folder holds central.json) and on a box with no hub."""
    import socket

    data = Path(args.data)
    if args.hub:
        return str(args.hub)
    if (data / "central.json").exists():
        return None
    if os.environ.get("HALLKIT_HUB"):
        return os.environ["HALLKIT_HUB"]
    if _token(args) is None:
        return None
    section = config.devices.get(os.environ.get("HALLKIT_BOX") or socket.gethostname())
    return str(section.hub) if section is not None and section.role != "hub" else None


def _plan_run(args: argparse.Namespace, config: Any) -> tuple[str | None, str | None, Any]:
    """(release, hold, hub) for this run: the version to take (None: the newest), why the box
    must wait (None: it may go), and (hub URL, token) when it reports to a hub."""
    from sync.credential import CredentialError, load_credential

    hub_url = _screen_hub(args, config)
    if hub_url is not None:
        token = _token(args)
        if token is None:
            return None, f"没有设备令牌，无法询问大厅主机 {hub_url}", None
        try:
            plan = hub_plan(hub_url, token)
        except AskError as err:
            return None, f"无法询问大厅主机是否更新：{err}", (hub_url, token)
        if not plan["go"]:
            return None, f"大厅主机要求等待：{plan.get('reason', '')}", (hub_url, token)
        return args.release or plan.get("release"), None, (hub_url, token)
    if args.release:
        return args.release, None, None
    try:
        credential = load_credential(args.data)
    except CredentialError as err:
        return None, f"无法读取大厅主机的凭据：{err}", None
    if credential is None:
        return None, None, None  # a box alone: the newest version
    try:
        return central_release(credential), None, None
    except AskError as err:
        return None, f"无法向中心询问本厅的发布版本：{err}", None


def _cmd_run(args: argparse.Namespace) -> int:
    import shlex
    from datetime import datetime, timedelta

    from config.calendar import HallCalendar
    from config.errors import ConfigError
    from hall import paths
    from hall.update_run import (
        PACKAGES,
        Apt,
        DoctorCheck,
        Updater,
        clock_synchronised,
        command_check,
    )

    try:
        config = paths.load(args.config)
    except ConfigError as err:
        print(f"hall update run: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        now = datetime.fromisoformat(args.now) if args.now else datetime.now().astimezone()
    except ValueError:
        print(f"hall update run: --now {args.now!r} is not an ISO date and time", file=sys.stderr)
        return EXIT_USAGE
    if now.tzinfo is None:
        print("hall update run: --now needs a time zone (…+08:00)", file=sys.stderr)
        return EXIT_USAGE
    doctor = [sys.executable, "-m", "hall", "doctor", "--json"]
    doctor += ["--config", args.config] if args.config else []
    check = command_check(shlex.split(args.check)) if args.check else DoctorCheck(doctor)
    release, hold, hub = _plan_run(args, config)
    updater = Updater(
        Apt(Path(args.apt_root)),
        Path(args.data) / "update",
        HallCalendar(config),
        check,
        packages=args.package or PACKAGES,
        margin=timedelta(minutes=args.margin_minutes),
        # --now (tests) gives the time: then the box's own clock decides nothing.
        clock_ok=(lambda: True) if args.now else clock_synchronised,
        release=release,
        hold=hold,
        retry=args.retry,
    )
    outcome = updater.run(now)
    print(f"{outcome.state}: {outcome.message}")
    state = updater.last()
    if hub is not None and state is not None:
        try:
            hub_url, token = hub
            report_to_hub(hub_url, token, state)
        except AskError as err:
            print(f"hall update run: could not report to the hub: {err}", file=sys.stderr)
    return outcome.exit_status


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``hall update`` and its subcommands to the ``hall`` parser."""
    update = sub.add_parser("update", help="this box's updates from central's package repository")
    usub = update.add_subparsers(dest="update_command", metavar="ACTION", required=True)
    enroll_parser = usub.add_parser(
        "enroll",
        help="add central's signed package repository to apt, with the hub's login (as root)",
    )
    enroll_parser.add_argument(
        "--data",
        default=os.environ.get("HALLKIT_DATA") or "/var/lib/hallkit",
        help="the hub's data folder holding central.json (default $HALLKIT_DATA or "
        "/var/lib/hallkit)",
    )
    enroll_parser.add_argument(
        "--central", help="central's base URL (default: the one the hub enrolled with)"
    )
    enroll_parser.add_argument(
        "--fingerprint",
        help="refuse central's key unless it has this fingerprint (from hall central repo init)",
    )
    enroll_parser.add_argument(
        "--login-stdin",
        action="store_true",
        help="a box without the hub's credential: read KEYID:LOGIN (from `hall update login` "
        "on the hub box) from standard input; needs --central",
    )
    enroll_parser.add_argument(
        "--hub",
        help="a box of the hall: ask this hub (http://HOST:PORT) for central's repository, key "
        "fingerprint and apt login, with the box's device token",
    )
    enroll_parser.add_argument(
        "--token-file", help="with --hub: this box's device token (default: DATA/device.token)"
    )
    enroll_parser.add_argument("--ca-file", help="central's CA (PEM) when it is not the hub's pin")
    enroll_parser.add_argument(
        "--apt-root",
        default="/",
        help="write apt's files under this folder instead of / (tests)",
    )
    enroll_parser.set_defaults(handler=_cmd_enroll)
    login = usub.add_parser(
        "login",
        help="on the hub box: print the hall's apt login for its other boxes (not the hub's "
        "signing secret)",
    )
    login.add_argument(
        "--data",
        default=os.environ.get("HALLKIT_DATA") or "/var/lib/hallkit",
        help="the hub's data folder holding central.json",
    )
    login.set_defaults(handler=_cmd_login)
    run = usub.add_parser(
        "run",
        help="in the maintenance window: install the newest hallkit from central, check, and "
        "roll back by itself if the check fails (as root)",
    )
    run.add_argument("--config", help="the hall configuration (its hours; default as hall doctor)")
    run.add_argument(
        "--data",
        default=os.environ.get("HALLKIT_DATA") or "/var/lib/hallkit",
        help="this box's data folder: DATA/update keeps the way back and update.json",
    )
    run.add_argument(
        "--check",
        help="the command that says the box is healthy after an update (exit 0); default: "
        "hall doctor --json, healthy when no finding is worse than before the update",
    )
    run.add_argument(
        "--package",
        action="append",
        help="a package to keep current (repeat; default: hallkit, hallkit-screen, "
        "hallkit-central, those installed)",
    )
    run.add_argument(
        "--margin-minutes",
        type=int,
        default=60,
        help="no update when the hall opens within this many minutes (default 60)",
    )
    run.add_argument(
        "--hub",
        help="a box of the hall: its hub (http://HOST:PORT; default $HALLKIT_HUB or the box's "
        "configuration) says when to update and to which version",
    )
    run.add_argument(
        "--token-file", help="with a hub: this box's device token (default: DATA/device.token)"
    )
    run.add_argument(
        "--release",
        help="take this version (default: the hall's release from central on the hub box, "
        "the hub box's version on the others, the newest on a box alone)",
    )
    run.add_argument(
        "--retry",
        action="store_true",
        help="try again a version that rolled back here (not tried again by itself)",
    )
    run.add_argument("--now", help="tests: the time to decide the window by (ISO, with zone)")
    run.add_argument("--apt-root", default="/", help="apt and dpkg on this root (tests)")
    run.set_defaults(handler=_cmd_run)
