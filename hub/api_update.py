"""The fleet-update routes of the hub's LAN API (docs/fleet-updates.md): how the hall's other
boxes reach central's package repository through their hub.

- ``GET /api/v1/update/apt-login`` (any device token): ``{"central", "fingerprint", "login",
  "ca_pem"}``: central's address, the repository key's fingerprint the hub box was enrolled
  with (``hall update enroll`` on the hub box notes it in ``DATA/update/repository.json``), the
  hall's apt login ``KEYID:LOGIN`` (:mod:`sync.apt_login`: it opens the repository and signs
  nothing; the hub's signing secret never leaves the hub box) and central's CA when the hub
  pins one. ``hall update enroll --hub URL`` on a screen box writes apt's files from it. 409
  ``update_not_enrolled`` while the hub box itself is not enrolled (with central, or with the
  repository).
- ``PUT /api/v1/update/state`` (any device token) body: the box's ``update.json`` (``state``,
  ``message``, ``installed``, ``previous``, ``release``, ``at``) → ``{"box": …}``, kept as the
  token's box's state (:mod:`hub.fleet`; a change goes to central as a ``box.update`` event).
  422 ``bad_report``; 403 ``not_a_box`` for the admin token (the hub box's own state is its
  file).
- ``GET /api/v1/update/plan`` (any device token) → ``{"go", "release", "reason", "canary"}``:
  whether the box may update now and to which version: the hub box first (the canary), the
  others after it runs healthy, to the version it runs.
- ``GET /api/v1/update/boxes`` (admin token) → ``{"boxes": [...], "plan"}``: every box's state.

No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
"""

import json
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI

from hub.api_auth import device_dependency
from hub.auth import Device, DeviceRegistry, require
from hub.errors import Conflict, Forbidden, Invalid
from hub.fleet import BadReport, FleetBook
from sync.apt_login import apt_password
from sync.credential import CredentialError, load_credential

API = "/api/v1"
UPDATE_DIR = "update"
REPOSITORY_FILE = "repository.json"
"""``DATA/update/repository.json``: what ``hall update enroll`` on the hub box noted (central's
address and the key's fingerprint it checked)."""

NOT_ENROLLED = "本厅集中控制器尚未登记中心的软件仓库（在集中控制器上执行 hall update enroll）"


def read_repository(data_dir: FilePath) -> dict[str, Any] | None:
    """What the hub box's ``hall update enroll`` noted, or None (not enrolled, unreadable)."""
    try:
        noted = json.loads((data_dir / UPDATE_DIR / REPOSITORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(noted, dict) or not isinstance(noted.get("fingerprint"), str):
        return None
    return noted


def apt_login_answer(data_dir: FilePath) -> dict[str, Any]:
    """The answer of ``GET /update/apt-login``; raises Conflict while the hub box is not
    enrolled with central or its repository."""
    try:
        credential = load_credential(data_dir)
    except CredentialError:
        credential = None
    noted = read_repository(data_dir)
    if credential is None or noted is None:
        raise Conflict("update_not_enrolled", NOT_ENROLLED)
    ca_pem = None
    if credential.ca_file:
        try:
            ca_pem = FilePath(credential.ca_file).read_text(encoding="utf-8")
        except OSError:
            ca_pem = None
    return {
        "central": credential.central_url,
        "fingerprint": noted["fingerprint"],
        "login": f"{credential.key_id}:{apt_password(credential.secret)}",
        "ca_pem": ca_pem,
    }


def install_update(
    app: FastAPI, registry: DeviceRegistry, data_dir: FilePath, fleet: FleetBook
) -> None:
    """Add the fleet-update routes to the hub's ``app``; ``data_dir`` is the hub's folder,
    ``fleet`` keeps the boxes' update states (``app.state.fleet``)."""
    app.state.fleet = fleet
    fleet.is_active = registry.is_active  # a revoked box drops out of the lists

    device = device_dependency(registry)

    Auth = Annotated[Device, Depends(device)]

    @app.get(f"{API}/update/apt-login")
    def apt_login(_: Auth) -> dict[str, Any]:
        """Central's package repository for this hall's boxes: address, key fingerprint, the
        hall's apt login (never the hub's signing secret) and central's CA if pinned."""
        return apt_login_answer(data_dir)

    @app.put(f"{API}/update/state")
    def report_state(dev: Auth, report: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        """Keep this box's latest ``update.json`` (the token says which box)."""
        if dev.role == "admin":
            raise Forbidden("not_a_box", "管理令牌属于大厅主机本身，不报告设备的更新状态")
        try:
            state = fleet.record(dev.id, dev.role, dev.name, report)
        except BadReport as err:
            raise Invalid("bad_report", f"更新状态不正确：{err}") from err
        return {"box": state.to_dict()}

    @app.get(f"{API}/update/plan")
    def plan(_: Auth) -> dict[str, Any]:
        """Whether a box of the hall may update now, and to which version (the hub box first)."""
        return fleet.plan().to_dict()

    @app.get(f"{API}/update/boxes")
    def boxes(dev: Auth) -> dict[str, Any]:
        """Every box's latest update state, and the rollout's plan."""
        require(dev, ("admin",))
        return {"boxes": [b.to_dict() for b in fleet.boxes()], "plan": fleet.plan().to_dict()}
