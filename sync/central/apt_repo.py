"""Central's signed apt repository of hallkit's packages, kept with Debian's reprepro and gnupg.

Everything lives in ``DATA/apt/`` beside central's other data:

- ``gnupg/`` (0700): the repository's signing key, made at ``hall central repo init`` (or the
  first ``hall central serve --apt-repo``): ed25519, no passphrase (central signs unattended);
  its secret never leaves this folder.
- ``conf/``, ``db/``: reprepro's configuration and database, never served.
- ``public/``: what central serves at ``/apt/`` to enrolled hubs' boxes (``sync.central.apt_routes``):
  ``dists/`` and ``pool/`` as reprepro exports them (codename ``hallkit``, suite ``stable`` a
  link to it, component ``main``), and the public key as ``hallkit.gpg`` (binary, what apt's
  Signed-By reads) and ``hallkit.asc``.

reprepro keeps one version of each package per distribution (Debian 12's reprepro 5.3.1 has no
``Limit:``): adding a newer one replaces the older in the index. A box rolls back with the
.deb it keeps itself (docs/fleet-updates.md). Raises :class:`AptRepoError` with a sentence for
the operator whenever a tool is missing or fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = "apt"
CODENAME = "hallkit"
SUITE = "stable"
COMPONENT = "main"
ARCHITECTURES = ("amd64", "arm64")
KEY_FILE = "hallkit.gpg"
ARMORED_KEY_FILE = "hallkit.asc"
KEY_USER_ID = "hallkit central package repository"
_TOOL_SECONDS = 300.0  # generating a key and signing take well under a second; a big .deb more


class AptRepoError(Exception):
    """The repository could not be made or changed; the message says why and what to do."""


@dataclass(frozen=True)
class AptRepo:
    """The repository of one central data folder (``DATA/apt``)."""

    root: Path

    @property
    def gnupg(self) -> Path:
        return self.root / "gnupg"

    @property
    def public(self) -> Path:
        """The folder served at ``/apt/``."""
        return self.root / "public"

    @property
    def key_file(self) -> Path:
        return self.public / KEY_FILE

    def exists(self) -> bool:
        """Whether the repository was made (its public key exported)."""
        return self.key_file.is_file()


def repo_of(data_dir: str | Path) -> AptRepo:
    """The repository of central's data folder (made or not)."""
    return AptRepo(Path(data_dir) / REPO_DIR)


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise AptRepoError(
            f"{tool} is not installed; central's package repository needs Debian's reprepro "
            "and gnupg (apt-get install reprepro gnupg)"
        )
    return found


def _run(repo: AptRepo, argv: list[str], what: str) -> bytes:
    """Run a tool with the repository's GNUPGHOME; its standard output; AptRepoError if it fails."""
    env = {**os.environ, "GNUPGHOME": str(repo.gnupg)}
    try:
        done = subprocess.run(  # noqa: S603 - fixed tools, arguments are paths and names
            argv, capture_output=True, env=env, timeout=_TOOL_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise AptRepoError(f"{what} failed: {err}") from err
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise AptRepoError(f"{what} failed: {detail[-600:]}")
    return done.stdout


def _gpg(repo: AptRepo, *args: str) -> list[str]:
    return [_need("gpg"), "--batch", "--homedir", str(repo.gnupg), *args]


def _stop_agent(repo: AptRepo) -> None:
    """Stop the gpg-agent that signing started (it would outlive the command)."""
    gpgconf = shutil.which("gpgconf")
    if gpgconf is not None and repo.gnupg.is_dir():
        subprocess.run(  # noqa: S603 - fixed tool
            [gpgconf, "--homedir", str(repo.gnupg), "--kill", "gpg-agent"],
            capture_output=True,
            timeout=30,
            check=False,
        )


def fingerprint(repo: AptRepo) -> str | None:
    """The fingerprint of the repository's signing key, or None before it was made."""
    if not repo.gnupg.is_dir():
        return None
    listing = _run(repo, _gpg(repo, "--with-colons", "--list-secret-keys"), "listing the key")
    for line in listing.decode("utf-8", "replace").splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9]
    return None


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically (no change when it already holds it)."""
    if path.is_file() and path.read_bytes() == data:
        return
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)


def _distributions(key: str) -> str:
    return (
        "Origin: hallkit\n"
        "Label: hallkit\n"
        f"Suite: {SUITE}\n"
        f"Codename: {CODENAME}\n"
        f"Architectures: {' '.join(ARCHITECTURES)}\n"
        f"Components: {COMPONENT}\n"
        "Description: hallkit packages published by this central\n"
        f"SignWith: {key}\n"
    )


def _reprepro(repo: AptRepo, *args: str) -> list[str]:
    return [
        _need("reprepro"),
        "--silent",
        "--basedir",
        str(repo.root),
        "--outdir",
        str(repo.public),
        "--gnupghome",
        str(repo.gnupg),
        *args,
    ]


def init_repo(data_dir: str | Path) -> tuple[AptRepo, str, bool]:
    """Make the repository of ``data_dir`` if it is missing, or complete it; idempotent.

    Returns the repository, its key's fingerprint and whether a new key was made now.
    """
    repo = repo_of(data_dir)
    _need("reprepro")
    _need("gpg")
    for folder in (repo.root, repo.gnupg, repo.public, repo.root / "conf"):
        folder.mkdir(parents=True, exist_ok=True)
    os.chmod(repo.root, 0o700)
    os.chmod(repo.gnupg, 0o700)
    try:
        key = fingerprint(repo)
        made = key is None
        if key is None:
            _run(
                repo,
                _gpg(
                    repo,
                    "--pinentry-mode",
                    "loopback",
                    "--passphrase",
                    "",
                    "--quick-generate-key",
                    KEY_USER_ID,
                    "ed25519",
                    "sign",
                    "never",
                ),
                "making the signing key",
            )
            key = fingerprint(repo)
            if key is None:
                raise AptRepoError(f"gpg made no key in {repo.gnupg}")
        _write(repo.root / "conf" / "distributions", _distributions(key).encode("ascii"))
        binary = _run(repo, _gpg(repo, "--export", key), "exporting the public key")
        armored = _run(repo, _gpg(repo, "--armor", "--export", key), "exporting the public key")
        if not binary or not armored:
            raise AptRepoError("gpg exported an empty public key")
        _write(repo.key_file, binary)
        _write(repo.public / ARMORED_KEY_FILE, armored)
        # An empty repository is a valid one: boxes can enroll before the first package.
        _run(repo, _reprepro(repo, "export", CODENAME), "exporting the repository")
        _run(repo, _reprepro(repo, "createsymlinks", CODENAME), "linking the suite")
    finally:
        _stop_agent(repo)
    return repo, key, made


@dataclass(frozen=True)
class DebInfo:
    """What the repository takes from a package's control fields."""

    package: str
    version: str
    architecture: str


def _control(deb: Path) -> dict[str, str]:
    out = subprocess.run(  # noqa: S603 - fixed tool, a path
        [_need("dpkg-deb"), "--field", str(deb)], capture_output=True, timeout=60, check=False
    )
    if out.returncode != 0:
        raise AptRepoError(f"{deb}: not a Debian package ({out.stderr.decode(errors='replace')})")
    fields: dict[str, str] = {}
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        if line[:1] not in (" ", "\t") and ":" in line:
            name, _, text = line.partition(":")
            fields[name.strip()] = text.strip()
    return fields


def add_packages(data_dir: str | Path, debs: list[Path]) -> list[DebInfo]:
    """Add the .deb files to the repository (made first if missing), re-signed; what was added.

    A package already there in another version is replaced in the index (apt sees the newest).
    """
    repo, _, _ = init_repo(data_dir)
    added = []
    try:
        for deb in debs:
            if not deb.is_file():
                raise AptRepoError(f"{deb}: no such file")
            fields = _control(deb)
            info = DebInfo(
                fields.get("Package", ""), fields.get("Version", ""), fields.get("Architecture", "")
            )
            if not all((info.package, info.version, info.architecture)):
                raise AptRepoError(f"{deb}: no Package, Version or Architecture field")
            # reprepro refuses a package without Section or Priority; the defaults Debian uses.
            extra = [] if "Section" in fields else ["--section", "misc"]
            extra += [] if "Priority" in fields else ["--priority", "optional"]
            _run(
                repo,
                _reprepro(repo, *extra, "includedeb", CODENAME, str(deb)),
                f"adding {deb.name}",
            )
            added.append(info)
    finally:
        _stop_agent(repo)
    return added


def list_packages(data_dir: str | Path) -> list[str]:
    """``package version architecture`` for every package in the repository."""
    repo = repo_of(data_dir)
    if not repo.exists():
        raise AptRepoError(
            f"no package repository in {repo.root}: hall central repo init --data {data_dir}"
        )
    listing = _reprepro(
        repo, "--list-format", "${package} ${version} ${architecture}\\n", "list", CODENAME
    )
    out = _run(repo, listing, "listing the repository").decode("utf-8", "replace")
    return sorted(set(out.splitlines()))
