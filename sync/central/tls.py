"""A throw-away certificate authority and server certificate, for TLS tests and trials.

Made with the ``openssl`` command (the ``cryptography`` package is not a hallkit dependency):
an EC P-256 CA and a server certificate for ``127.0.0.1`` / ``localhost`` signed by it. A hub
whose credential pins ``ca.pem`` (``ca_file``) trusts this server and nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sync.errors import SyncError

_SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = {names}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
"""


class TlsToolError(SyncError):
    """The ``openssl`` command is missing or failed; the message carries its output."""


@dataclass(frozen=True)
class TestCertificates:
    """Paths of the made files: the CA to pin, and the server's chain and key."""

    __test__ = False  # not a pytest test class despite the name

    ca_file: Path
    cert_file: Path
    key_file: Path


def _openssl(*args: str, cwd: Path) -> None:
    tool = shutil.which("openssl")
    if tool is None:
        raise TlsToolError("the openssl command is not installed (apt install openssl)")
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [tool, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise TlsToolError(f"openssl {args[0]} failed: {done.stderr.strip()[-500:]}")


def make_test_certificates(
    folder: str | Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"), days: int = 2
) -> TestCertificates:
    """Write ``ca.pem``, ``ca.key``, ``server.pem``, ``server.key`` into ``folder``.

    ``hosts`` become the server certificate's subject alternative names (IP or DNS). Raises
    TlsToolError when openssl is missing or refuses.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", str(days),
        "-subj", "/CN=hallkit test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=out,
    )  # fmt: skip
    _openssl(
        "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={hosts[0]}",
        cwd=out,
    )  # fmt: skip
    names = ",".join(
        f"IP:{host}" if host.replace(".", "").isdigit() or ":" in host else f"DNS:{host}"
        for host in hosts
    )
    (out / "server.ext").write_text(_SERVER_EXTENSIONS.format(names=names), encoding="ascii")
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", str(days), "-extfile", "server.ext",
        cwd=out,
    )  # fmt: skip
    (out / "server.key").chmod(0o600)
    (out / "ca.key").chmod(0o600)
    return TestCertificates(out / "ca.pem", out / "server.pem", out / "server.key")
