"""Build steps of scripts/package.sh that are easier in Python than in shell (stdlib only).

Run with the box's interpreter (/usr/bin/python3): ``python3 scripts/lib/debpkg.py COMMAND ...``.

    requirements SRC OUT      pyproject.toml's dependencies split into OUT/{base,screen,central}.in
                              (for a commit older than requirements/*.txt, the hash locks)
    pick LOCK NAME...         the entries NAME (with their --hash lines) of a lock file
    split SITE DEST NAME...   move the installed distributions NAME (files listed in their RECORD)
                              from the venv's site-packages SITE into DEST
    prune-qt DIR              delete every Qt file the apps do not use from DIR (holding PySide6/)
    clean ROOT                drop __pycache__, pip's direct_url.json, and RECORD lines of files
                              that are not shipped (so RECORD is the same on every build)
    legal STAGE PKG VERSION EPOCH SITE...
                              debian/copyright (DEP-5), an SBOM (CycloneDX JSON) and the licence
                              files of the distributions installed in SITE..., into
                              STAGE/usr/share/doc/PKG/
    installed-size STAGE      Installed-Size in KiB as dpkg-gencontrol counts it
    built-here SITE           the extension modules of distributions built from source on this
                              machine (their wheel tag is linux_*, not manylinux_*)
    manpage NAME VERSION EPOCH
                              a man page (troff) from the `--help` text read on stdin
    check-libraries STAGE OTHER...
                              every shared library STAGE's ELF files need is in STAGE or OTHER
                              (the staging trees of the packages it depends on) or comes from a
                              Debian package STAGE's or OTHER's Depends names
"""

from __future__ import annotations

import base64
import csv
import email.parser
import email.policy
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import uuid
from datetime import UTC, datetime
from pathlib import Path

# The Qt the apps use (measured: kiosk, counter, board and display tours offscreen map QtCore,
# QtGui, QtWidgets, QtSvg and, below them, Qt6DBus and ICU). The rest is what Qt needs to show
# them under cage (wayland, xdg-shell, the EGL buffer integration) and to load their pictures.
QT_PYTHON_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtSvg")
QT_LIBRARIES = (
    "Core", "Gui", "Widgets", "Svg", "DBus", "OpenGL", "WaylandClient", "WlShellIntegration",
)  # fmt: skip
QT_PLUGINS = (
    "platforms/libqoffscreen.so",
    "platforms/libqminimal.so",
    "platforms/libqwayland.so",
    "wayland-shell-integration/libxdg-shell.so",
    "wayland-decoration-client/libbradient.so",
    "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
    "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "iconengines/libqsvgicon.so",
    "imageformats/libqsvg.so",
    "imageformats/libqjpeg.so",
    "imageformats/libqgif.so",
)
SCREEN_NAMES = {"pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6"}
CENTRAL_NAMES = {"psycopg", "psycopg-binary", "psycopg-c", "psycopg-pool"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    if not match:
        raise SystemExit(f"debpkg: cannot read the requirement {spec!r}")
    return normalize(match.group(1))


# -- requirements (pyproject mode) ---------------------------------------------------------------


def cmd_requirements(src: str, out: str) -> None:
    project = tomllib.loads((Path(src) / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    groups: dict[str, list[str]] = {"base": [], "screen": [], "central": []}
    for spec in project.get("dependencies", []):
        name = requirement_name(spec)
        role = "screen" if name in SCREEN_NAMES else "central" if name in CENTRAL_NAMES else "base"
        groups[role].append(spec)
    groups["screen"] += extras.get("screen", [])
    groups["central"] += extras.get("central", [])
    for role, specs in groups.items():
        (Path(out) / f"{role}.in").write_text("".join(f"{s}\n" for s in specs), encoding="utf-8")


def cmd_pick(lock: str, *names: str) -> None:
    wanted = {normalize(n) for n in names}
    entries = re.sub(r"\\\n", " ", Path(lock).read_text(encoding="utf-8")).splitlines()
    picked = [e for e in entries if e.strip() and not e.lstrip().startswith("#")]
    picked = [e for e in picked if requirement_name(e) in wanted]
    found = {requirement_name(e) for e in picked}
    if found != wanted:
        raise SystemExit(f"debpkg pick: {lock} lacks {', '.join(sorted(wanted - found))}")
    print("\n".join(picked))


# -- distributions ---------------------------------------------------------------------------------


def dist_infos(site: Path) -> dict[str, Path]:
    found = {}
    for info in sorted(site.glob("*.dist-info")):
        meta = read_metadata(info)
        found[normalize(meta["Name"])] = info
    return found


def read_metadata(info: Path) -> email.message.Message:
    text = (info / "METADATA").read_text(encoding="utf-8")
    return email.parser.Parser(policy=email.policy.compat32).parsestr(text)


def record_rows(info: Path) -> list[list[str]]:
    with (info / "RECORD").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle) if row]


def write_record(info: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in sorted(rows, key=lambda r: r[0]):
        writer.writerow(row)
    (info / "RECORD").write_text(buffer.getvalue(), encoding="utf-8")


def cmd_split(site_text: str, dest_text: str, *names: str) -> None:
    site, dest = Path(site_text), Path(dest_text)
    infos = dist_infos(site)
    dest.mkdir(parents=True, exist_ok=True)
    for wanted in names:
        info = infos.get(normalize(wanted))
        if info is None:
            raise SystemExit(f"debpkg split: {wanted} is not installed in {site}")
        for row in record_rows(info):
            source = (site / row[0]).resolve()
            if not source.exists() and not source.is_symlink():
                continue
            if not source.is_relative_to(site.resolve()):
                source.unlink()  # console scripts in bin/: the tools we do not ship
                continue
            target = dest / source.relative_to(site.resolve())
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
        for leftover in sorted(site.rglob("*"), key=lambda p: -len(p.parts)):
            if leftover.is_dir() and not any(leftover.iterdir()):
                leftover.rmdir()


# -- Qt pruning ------------------------------------------------------------------------------------


def qt_keeps(relative: str) -> bool:
    """Whether a file under PySide6/ is one the apps need."""
    parts = relative.split("/")
    if len(parts) == 1:
        name = parts[0]
        return (
            name in {"__init__.py", "_config.py", "_git_pyside_version.py"}
            or name.startswith("libpyside6.abi3.so")
            or any(name == f"{module}.abi3.so" for module in QT_PYTHON_MODULES)
        )
    if parts[0] == "support":  # PySide6's own Python helpers, less the QML and .pyi tools
        return relative.endswith(".py") and parts[-1] not in {
            "qml_component_helper.py",
            "generate_pyi.py",
        }
    if parts[:2] == ["Qt", "lib"]:
        name = parts[-1]
        return name.startswith("libicu") or any(name == f"libQt6{lib}.so.6" for lib in QT_LIBRARIES)
    if parts[:2] == ["Qt", "plugins"]:
        return "/".join(parts[2:]) in QT_PLUGINS
    return False


def cmd_prune_qt(dir_text: str) -> None:
    top = Path(dir_text)
    pyside = top / "PySide6"
    if not pyside.is_dir():
        raise SystemExit(f"debpkg prune-qt: no PySide6 in {top}")
    removed = 0
    for path in sorted(pyside.rglob("*")):
        if (path.is_file() or path.is_symlink()) and not qt_keeps(
            path.relative_to(pyside).as_posix()
        ):
            path.unlink()
            removed += 1
    for path in sorted(pyside.rglob("*"), key=lambda p: -len(p.parts)):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    missing = [
        f"{m}.abi3.so" for m in QT_PYTHON_MODULES if not (pyside / f"{m}.abi3.so").is_file()
    ] + [p for p in QT_PLUGINS if not (pyside / "Qt" / "plugins" / p).is_file()]
    if missing:
        raise SystemExit(f"debpkg prune-qt: this PySide6 lacks {', '.join(missing)}")
    print(f"pruned {removed} Qt files")


# -- making RECORD and the tree stable -------------------------------------------------------------


def cmd_clean(root_text: str) -> None:
    root = Path(root_text)
    for cache in sorted(root.rglob("__pycache__")):
        shutil.rmtree(cache)
    for direct in sorted(root.rglob("*.dist-info/direct_url.json")):
        direct.unlink()  # pip's note of the local wheel's path in the build's temporary folder
    for info in sorted(root.rglob("*.dist-info")):
        if not (info / "RECORD").is_file():
            continue
        site = info.parent
        rows = []
        for row in record_rows(info):
            path = site / row[0]
            if not (path.exists() or path.is_symlink()):
                continue
            if path.is_file() and not path.is_symlink() and row[1:2] != [""]:
                digest = hashlib.sha256(path.read_bytes()).digest()
                encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                rows.append([row[0], f"sha256={encoded}", str(path.stat().st_size)])
            else:
                rows.append(row)
        write_record(info, rows)


# -- copyright, SBOM, licence files ----------------------------------------------------------------

LICENSE_FROM_CLASSIFIER = {
    "Apache Software License": "Apache-2.0",
    "BSD License": "BSD-3-Clause",
    "MIT License": "MIT",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU Library or Lesser General Public License (LGPL)": "LGPL-2.0-or-later",
    "Python Software Foundation License": "PSF-2.0",
    "ISC License (ISCL)": "ISC",
    "The Unlicense (Unlicense)": "Unlicense",
    "Historical Permission Notice and Disclaimer (HPND)": "HPND",
}
LICENSE_NAMES = {  # free-text License fields -> SPDX
    "apache license, version 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "mit license": "MIT",
    "bsd license": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
}
LICENSE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)", re.IGNORECASE)


def spdx_license(meta: email.message.Message) -> str:
    """The distribution's licence as an SPDX expression, from its metadata."""
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 60 and text.upper() != "UNKNOWN":
        return LICENSE_NAMES.get(text.lower().rstrip("."), text)
    found = []
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License :: OSI Approved :: ") or classifier.startswith(
            "License :: "
        ):
            name = classifier.rsplit(" :: ", 1)[1]
            if name in LICENSE_FROM_CLASSIFIER:
                found.append(LICENSE_FROM_CLASSIFIER[name])
    if found:
        return " OR ".join(dict.fromkeys(found))
    if text:
        first = text.splitlines()[0].strip()
        if first:
            return re.sub(r"\s+", "-", first)[:40]
    return "NOASSERTION"


def license_from_text(texts: list[str]) -> str | None:
    """The licence a licence file's words say, for metadata that names none (or only "BSD")."""
    text = " ".join(" ".join(texts).split())
    if "Redistribution and use in source and binary forms" in text:
        return "BSD-3-Clause" if "Neither the name" in text else "BSD-2-Clause"
    if "Permission is hereby granted, free of charge" in text:
        return "MIT"
    if "Apache License" in text and "Version 2.0" in text:
        return "Apache-2.0"
    return None


def license_files(info: Path, site: Path) -> list[Path]:
    files = sorted(p for p in info.rglob("*") if p.is_file() and LICENSE_FILE.search(p.name))
    if files:
        return files
    # Older layouts name them only in RECORD, beside the package.
    rows = record_rows(info) if (info / "RECORD").is_file() else []
    return sorted(
        site / r[0]
        for r in rows
        if LICENSE_FILE.search(Path(r[0]).name) and (site / r[0]).is_file()
    )


def source_headers(info: Path, site: Path) -> list[str]:
    """The first lines of the distribution's top-level Python files (their copyright headers)."""
    heads = []
    for row in record_rows(info)[:300]:
        path = site / row[0]
        if row[0].endswith(".py") and path.is_file():
            heads.append(
                "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[:8])
            )
    return heads


def copyright_lines(texts: list[str], meta: email.message.Message, name: str) -> list[str]:
    lines = []
    for text in texts:
        for line in text.splitlines():
            stripped = line.strip().lstrip("#* ").strip()
            holder = re.match(r"(Copyright|\(c\)|©)\s", stripped, re.IGNORECASE)
            if holder and len(stripped) < 200 and stripped not in lines:
                lines.append(stripped)
    if not lines:
        author = meta.get("Author") or meta.get("Author-email") or meta.get("Maintainer") or ""
        author = author.strip() or meta.get("Maintainer-email", "").strip()
        lines.append(f"Copyright (C) {author or f'the {name} authors'}")
    return lines[:12]


# Licences Debian ships in /usr/share/common-licenses (SPDX id -> file name there).
COMMON_LICENSES = {
    "Apache-2.0": "Apache-2.0",
    "GPL-2.0-only": "GPL-2",
    "GPL-2.0-or-later": "GPL-2",
    "GPL-3.0-only": "GPL-3",
    "GPL-3.0-or-later": "GPL-3",
    "LGPL-2.1-only": "LGPL-2.1",
    "LGPL-2.1-or-later": "LGPL-2.1",
    "LGPL-3.0-only": "LGPL-3",
    "LGPL-3.0-or-later": "LGPL-3",
    "MPL-2.0": "MPL-2.0",
}


def common_license_note(expression: str, shipped: str) -> str | None:
    """For a licence Debian ships: where its text is, instead of the text (Debian policy 12.5)."""
    ids = [i for i in re.findall(r"[A-Za-z0-9.+-]+", expression) if i in COMMON_LICENSES]
    if not ids:
        return None
    where = ", ".join(f"/usr/share/common-licenses/{COMMON_LICENSES[i]}" for i in ids)
    note = (
        f"On Debian systems the full text of {' and '.join(ids)} is in {where}. The"
        f" distribution's own licence files, if it ships any, are in {shipped}"
    )
    return dep5_text(textwrap.fill(note, 78, break_on_hyphens=False, break_long_words=False))


def bundled_apache_note(texts: list[str], shipped: str) -> str | None:
    """Licence files that carry the whole Apache-2.0 text among others (the libraries a wheel
    bundles): Debian's copy is named instead of the text, which stays in the shipped files."""
    text = " ".join(" ".join(texts).split())
    if "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" not in text:
        return None
    note = (
        f"The distribution's licence files are in {shipped}. They include the full text of"
        " Apache-2.0 (for libraries it bundles), which on Debian systems is in"
        " /usr/share/common-licenses/Apache-2.0."
    )
    return dep5_text(textwrap.fill(note, 78, break_on_hyphens=False, break_long_words=False))


def dep5_license(expression: str) -> str:
    """SPDX expression -> DEP-5 License short name syntax (lower-case `or`/`and`)."""
    return re.sub(r"\b(OR|AND)\b", lambda m: m.group(1).lower(), expression).replace("WITH", "with")


def dep5_text(text: str) -> str:
    out = []
    for raw in text.expandtabs().splitlines():
        line = raw.rstrip()
        out.append(f" {line}" if line.strip() else " .")
    while out and out[-1] == " .":
        out.pop()
    return "\n".join(out)


def cmd_legal(stage_text: str, package: str, version: str, epoch: str, *sites: str) -> None:
    stage = Path(stage_text)
    doc = stage / "usr" / "share" / "doc" / package
    licenses_dir = doc / "licenses"
    doc.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromtimestamp(int(epoch), UTC)
    paragraphs = [
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        f"Upstream-Name: {package}\n"
        "Comment: Made by scripts/package.sh from the licence metadata of the Python\n"
        f" distributions this package installs; their licence files are in\n"
        f" /usr/share/doc/{package}/licenses/ and the same list as an SBOM in\n"
        f" /usr/share/doc/{package}/sbom.cdx.json.",
        "Files: *\n"
        f"Copyright: {stamp.year} the hallkit authors\n"
        "License: Apache-2.0\n"
        " On Debian systems the full text of Apache-2.0 is in\n"
        " /usr/share/common-licenses/Apache-2.0.",
    ]
    components = []
    for site_text in sites:
        site = Path(site_text)
        installed = site.relative_to(stage).as_posix()
        for name, info in sorted(dist_infos(site).items()):
            meta = read_metadata(info)
            dist_version = meta["Version"]
            files = license_files(info, site)
            texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
            expression = spdx_license(meta)
            if expression in {"NOASSERTION", "BSD"}:
                expression = license_from_text(texts) or expression
            folder = licenses_dir / f"{name}-{dist_version}"
            for source in files:
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, folder / source.name)
            patterns = sorted(
                {
                    f"{installed}/{row[0].split('/')[0]}" + ("/*" if "/" in row[0] else "")
                    for row in record_rows(info)
                    if not row[0].startswith("..") and (site / row[0]).exists()
                }
            )
            holders = copyright_lines(texts or source_headers(info, site), meta, meta["Name"])
            shipped = f"/usr/share/doc/{package}/licenses/{name}-{dist_version}/"
            body = (
                common_license_note(expression, shipped)
                or bundled_apache_note(texts, shipped)
                or (dep5_text("\n\n".join(texts)) if texts else None)
                or " The distribution ships no licence file."
            )
            paragraphs.append(
                "Files:"
                + "".join(f"\n {p}" for p in patterns)
                + "\nCopyright:"
                + "".join(f"\n {h}" for h in holders)
                + f"\nLicense: {dep5_license(expression)}\n{body}\n"
                + f"Comment: {meta['Name']} {dist_version}"
            )
            component: dict[str, object] = {
                "type": "library",
                "bom-ref": f"pkg:pypi/{name}@{dist_version}",
                "name": meta["Name"],
                "version": dist_version,
                "purl": f"pkg:pypi/{name}@{dist_version}",
                "licenses": [{"expression": expression}] if expression != "NOASSERTION" else [],
            }
            components.append(component)
    (doc / "copyright").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"hallkit-deb:{package}:{version}:{epoch}")
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{serial}",
        "version": 1,
        "metadata": {
            "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "component": {
                "type": "application",
                "bom-ref": f"pkg:deb/{package}@{version}",
                "name": package,
                "version": version,
                "purl": f"pkg:deb/{package}@{version}",
            },
        },
        "components": components,
        "dependencies": [
            {
                "ref": f"pkg:deb/{package}@{version}",
                "dependsOn": [c["bom-ref"] for c in components],
            }
        ],
    }
    (doc / "sbom.cdx.json").write_text(
        json.dumps(sbom, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


# -- Installed-Size --------------------------------------------------------------------------------


def cmd_built_here(site_text: str) -> None:
    site = Path(site_text)
    for info in dist_infos(site).values():
        tags = re.findall(r"^Tag: (.*)$", (info / "WHEEL").read_text(encoding="utf-8"), re.M)
        if any(re.search(r"-linux_[a-z0-9_]+$", tag) for tag in tags):
            for row in record_rows(info):
                if re.search(r"\.so(\.[0-9.]+)?$", row[0]) and (site / row[0]).is_file():
                    print(site / row[0])


def cmd_manpage(name: str, version: str, epoch: str) -> None:
    date = datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d")
    text = sys.stdin.read().replace("\\", "\\e")
    lines = [f"\\&{line}" if line.startswith((".", "'")) else line for line in text.splitlines()]
    print(
        f'.TH {name.upper()} 1 "{date}" "hallkit {version}" "hallkit"\n'
        f".SH NAME\n{name} \\- the commands of hallkit, software for government service halls\n"
        ".SH DESCRIPTION\n.nf\n" + "\n".join(lines) + "\n.fi\n"
        f".SH SEE ALSO\n/usr/share/doc/hallkit/install.md, and {name} COMMAND --help"
    )


def cmd_installed_size(stage_text: str) -> None:
    stage = Path(stage_text)
    total = 0
    for path in stage.rglob("*"):
        if path.relative_to(stage).parts[0] == "DEBIAN":
            continue
        if path.is_file() and not path.is_symlink():
            total += (path.stat().st_size + 1023) // 1024
        else:
            total += 1
    print(total)


def elf_files(stage: Path) -> list[Path]:
    found = []
    for path in sorted(stage.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size > 4:
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """A Debian tool (readelf, ldd, dpkg-query) on a file of the staging tree."""
    return subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603


def needed(path: Path) -> list[str]:
    out = run("readelf", "-d", str(path)).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def resolved(path: Path) -> dict[str, str]:
    out = run("ldd", str(path)).stdout
    return dict(re.findall(r"^\s*(\S+) => (not found|\S+)", out, flags=re.MULTILINE))


def depends_names(stage: Path) -> set[str]:
    text = (stage / "DEBIAN" / "control").read_text(encoding="utf-8")
    match = re.search(r"^Depends:(.*)$", text, flags=re.MULTILINE)
    names = set()
    for alternatives in (match.group(1) if match else "").split(","):
        for choice in alternatives.split("|"):
            if choice.strip():
                names.add(choice.strip().split()[0].split(":")[0])
    return names


def owner(path: str, cache: dict[str, str]) -> str:
    if path not in cache:
        candidates = [path, str(Path(path).resolve())]
        for merged in list(candidates):
            if merged.startswith("/usr/lib/"):
                candidates.append(merged.removeprefix("/usr"))
            elif merged.startswith("/lib"):
                candidates.append("/usr" + merged)
        cache[path] = ""
        for candidate in candidates:
            done = run("dpkg-query", "-S", candidate)
            if done.returncode == 0:
                cache[path] = done.stdout.split(":")[0].split(",")[0].strip()
                break
    return cache[path]


def cmd_check_libraries(stage_text: str, *others: str) -> None:
    stage = Path(stage_text).resolve()
    trees = [stage, *(Path(o).resolve() for o in others)]
    allowed = set().union(*(depends_names(t) for t in trees))
    own = {p.name for t in trees for p in t.rglob("*.so*")}
    cache: dict[str, str] = {}
    problems = []
    for elf in elf_files(stage):
        where = resolved(elf)
        for soname in needed(elf):
            path = where.get(soname, "not found")
            if soname.startswith("ld-linux"):
                path = "/lib64/" + soname if path == "not found" else path  # libc6's loader
            if path == "not found":
                if soname not in own:
                    problems.append(f"{elf.relative_to(stage)}: {soname} not found")
                continue
            if any(Path(path).resolve().is_relative_to(t) for t in trees):
                continue
            package = owner(path, cache)
            if not package:
                problems.append(f"{elf.relative_to(stage)}: {soname} ({path}) is in no package")
            elif package not in allowed:
                problems.append(
                    f"{elf.relative_to(stage)}: {soname} comes from {package}, not in Depends"
                )
    if problems:
        raise SystemExit("debpkg check-libraries:\n  " + "\n  ".join(sorted(set(problems))))


COMMANDS = {
    "requirements": cmd_requirements,
    "pick": cmd_pick,
    "split": cmd_split,
    "prune-qt": cmd_prune_qt,
    "clean": cmd_clean,
    "legal": cmd_legal,
    "installed-size": cmd_installed_size,
    "built-here": cmd_built_here,
    "manpage": cmd_manpage,
    "check-libraries": cmd_check_libraries,
}


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in COMMANDS:
        raise SystemExit(__doc__)
    COMMANDS[argv[0]](*argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
