"""What a schemathesis run against a hallkit server must have reported (its JSON report)."""

from __future__ import annotations

import json
from pathlib import Path


def assert_clean_run(report: Path, examples: int) -> None:
    """Every generated case passed every check, at least ``10 * examples`` cases were generated,
    every phase succeeded or was skipped, and the stateful phase (links between answers) ran."""
    result = json.loads(report.read_text(encoding="utf-8"))
    cases = result["test_cases"]
    assert (cases["with_failures"], cases["errored"]) == (0, 0), cases
    assert cases["generated"] >= 10 * examples, cases
    assert all(phase["status"] in ("success", "skip") for phase in result["phases"].values())
    assert result["phases"]["stateful"]["status"] == "success"
