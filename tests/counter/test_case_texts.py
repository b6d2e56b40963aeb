"""Every refusal the hub's case routes can answer reads as a sentence at the counter: a clerk at
出件, 补正 or 不予受理 never reads an English code or the general "system" sentence."""

from __future__ import annotations

import re
from pathlib import Path

from counter.texts import REFUSALS, ZH, Texts

ROOT = Path(__file__).resolve().parents[2]
CASE_MODULES = ("cases.py", "case_moves.py", "case_lookup.py", "api_cases.py", "identity.py")
CODE = re.compile(r"(?:NotFound|Conflict|Invalid|Forbidden|HubError)\(\s*\"([a-z_]+)\"")


def case_error_codes() -> set[str]:
    codes: set[str] = set()
    for name in CASE_MODULES:
        path = ROOT / "hub" / name
        if path.exists():
            codes |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_case_refusal_of_the_hub_has_a_clerks_sentence() -> None:
    codes = case_error_codes()
    assert {"unknown_case", "bad_case_move"} <= codes  # the scan finds the case routes' codes
    missing = sorted(codes - set(REFUSALS))
    assert not missing, f"add these hub codes to counter/texts.py REFUSALS: {missing}"
    assert set(REFUSALS.values()) <= set(ZH)


def test_a_refused_move_shows_the_hubs_specifics_under_the_sentence() -> None:
    sentence = Texts().refusal("bad_case_move", "办件当前为“已领取”，只有已办结的办件才能领取")
    assert str(sentence) == "这个办件现在不能这样办理。办件当前为“已领取”，只有已办结的办件才能领取"
