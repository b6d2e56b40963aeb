"""Two builds of one commit give byte-identical packages (issue 18).

`make package-test` builds every package of the commit twice, in two temporary folders, and sets
HALLKIT_DEBS and HALLKIT_DEBS_AGAIN; the comparison runs there (a second build takes about a
minute, too long for `make test`). The properties a byte-identical build rests on (one mtime,
the commit's; RECORD files listing only shipped files; no .pyc) are checked under `make test`
too, on the packages built from HEAD.
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

from tests.packaging.debfiles import found_in, members


def _listing(deb: Path) -> list[str]:
    return sorted(members(deb).values())


def _md5sums(deb: Path, tmp_path: Path) -> set[str]:
    control = tmp_path / deb.name
    subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
    return set((control / "md5sums").read_text().splitlines())


def test_two_builds_of_one_commit_are_byte_identical(debs: dict[str, Path], tmp_path: Path) -> None:
    given = os.environ.get("HALLKIT_DEBS_AGAIN")
    if not given:
        pytest.skip("HALLKIT_DEBS_AGAIN is not set: run `make package-test` (builds twice)")
    again = found_in(Path(given))
    for name, deb in debs.items():
        if deb.read_bytes() == again[name].read_bytes():
            continue
        first, second = _md5sums(deb, tmp_path / "a"), _md5sums(again[name], tmp_path / "b")
        files = sorted(line.split()[-1] for line in first ^ second)
        listing = sorted(set(_listing(deb)) ^ set(_listing(again[name])))
        pytest.fail(f"{name}: the builds differ; files: {files[:20]}; members: {listing[:20]}")


def test_every_member_has_the_commits_time(debs: dict[str, Path]) -> None:
    for name, deb in debs.items():
        stamps = {" ".join(line.split()[3:5]) for line in members(deb).values()}
        assert len(stamps) == 1, (name, sorted(stamps)[:5])


def test_record_files_list_only_shipped_files(extracted: dict[str, Path]) -> None:
    for root in extracted.values():
        for record in root.rglob("*.dist-info/RECORD"):
            site = record.parent.parent
            with record.open(newline="", encoding="utf-8") as handle:
                rows = [row for row in csv.reader(handle) if row]
            assert rows == sorted(rows, key=lambda r: r[0]), record
            for path, *_ in rows:
                assert "__pycache__" not in path, (record, path)
                target = site / path
                assert target.exists() or target.is_symlink(), (record, path)
