"""The UI text catalog: every key used exists, every hub error code has a citizen sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk import texts as catalog
from kiosk.texts import DETAILED, REFUSALS, ZH, Texts, placeholders, spoken_number

ROOT = Path(__file__).resolve().parents[2]


def hub_error_codes() -> set[str]:
    """Every error code the hub's source raises or answers with."""
    codes: set[str] = set()
    pattern = re.compile(
        r"(?:NotFound|Conflict|Invalid|Unauthorized|Forbidden|HubRefused|HubError)\(\s*"
        r"(?:\d+,\s*)?\"([a-z_]+)\""
    )
    for path in (ROOT / "hub").glob("*.py"):
        codes |= set(pattern.findall(path.read_text(encoding="utf-8")))
    api = (ROOT / "hub" / "api.py").read_text(encoding="utf-8")
    codes |= set(re.findall(r'_error\(\s*\d+,\s*"([a-z_]+)"', api))
    codes |= set(re.findall(r'\d{3}: "([a-z_]+)"', api))
    return codes


# Codes only the counter's endpoints give (clerk sign-in, receipts, staff photos): a kiosk never
# calls them, so a citizen never meets these refusals.
COUNTER_ONLY = {
    "no_photo",
    "not_signed_in",
    "pin_wrong",
    "staff_disabled",
    "staff_not_allowed",
    "still_serving",
    "unknown_material",
    "unknown_staff",
    # the case after 收件 (hub/case_moves.py): the counter's 补正, 不予受理 and 出件
    "bad_case_move",
    "missing_required",
    "not_confirmed",
}

# The online rating's refusals (hub/rating.py rate_online): answered to the citizen's phone page,
# which shows the hub's own sentence; a kiosk never rates.
PHONE_PAGE = {"already_rated", "not_finished", "rating_day_over", "rating_not_open"}

# A browser asking for a file the hub does not serve (the API docs page's assets).
WEB_ASSETS = {"unknown_asset"}


# The hub's answers to a staff confirmation: kiosk/staff.py turns them into the green lane's own
# sentence (密码不对，请工作人员重新输入), never a refusal screen.
STAFF_CONFIRMATION = {"staff_not_confirmed"}

# Codes of the administration (device tokens, configuration versions): the admin token and the
# console meet them, a kiosk never does.
ADMIN_ONLY = {
    "admin_token",
    "already_revoked",
    "config_missing",
    "name_too_long",
    "unknown_device",
    "version_unknown",
}


# The fleet's update routes (hub/api_update.py): `hall update` on a box meets them, a kiosk's
# screen never does.
FLEET_UPDATES = {"bad_report", "not_a_box", "update_not_enrolled"}


def test_every_hub_error_code_has_a_citizen_sentence() -> None:
    codes = hub_error_codes()
    assert {"already_queued", "hall_closed", "requeue_expired"} <= codes  # the scan works
    exempt = (
        COUNTER_ONLY | ADMIN_ONLY | STAFF_CONFIRMATION | PHONE_PAGE | WEB_ASSETS | FLEET_UPDATES
    )
    assert codes >= exempt  # no stale exemptions
    missing = sorted(codes - set(REFUSALS) - exempt)
    assert not missing, f"add these hub codes to kiosk/texts.py REFUSALS: {missing}"


def test_every_refusal_points_at_an_existing_text() -> None:
    assert set(REFUSALS.values()) <= set(ZH)
    assert set(DETAILED) <= set(REFUSALS)


def test_every_text_key_the_kiosk_uses_exists() -> None:
    used: set[str] = set()
    for path in (ROOT / "kiosk").rglob("*.py"):
        used |= set(re.findall(r'texts\.get\(\s*"([a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys"
    assert sorted(used - set(ZH)) == []


def test_every_feedback_reason_and_home_hint_exists() -> None:
    from kiosk.app_model import _ENTRY_TEXT
    from kiosk.journeys.feedback import KINDS, REASONS

    for kind in KINDS:
        assert f"feedback.kind.{kind}" in ZH
        for reason in REASONS[kind]:
            assert f"feedback.reason.{kind}.{reason}" in ZH
    for key in _ENTRY_TEXT.values():
        assert key in ZH and f"{key}.hint" in ZH


def test_a_hub_refusal_shows_our_sentence_and_the_hubs_specifics() -> None:
    sentence = Texts().refusal(
        "already_queued", "您已取得A003号（同一类业务每人限一个号），前面还有2人"
    )
    assert sentence.text == "同一类业务每人只能有一个号，您已经在排队了。"
    assert sentence.detail.startswith("您已取得A003号")


def test_technical_hub_messages_are_never_shown() -> None:
    sentence = Texts().refusal("bad_request", "请求内容有误：id_card.number: String should have")
    assert sentence.lines == ("系统暂时出了问题，请到服务台找工作人员办理。",)
    wrong_role = Texts().refusal("wrong_role", "a counter token may not do this")
    assert "token" not in " ".join(wrong_role.lines)


def test_an_unknown_code_still_gets_a_sentence() -> None:
    assert Texts().refusal("brand_new_code", "whatever").lines == (ZH["err.system"],)


def test_unknown_language_is_refused_and_missing_keys_fall_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="no UI texts"):
        Texts("xx")
    monkeypatch.setitem(catalog.LANGUAGES, "en", {"nav.home": "Home"})
    english = Texts("en")
    assert english.get("nav.home") == "Home"
    assert english.get("nav.back") == "返回"
    assert english.refusal("already_queued", "您已取得A003号").detail == ""


def test_placeholders_are_found() -> None:
    assert placeholders(ZH["ticket.speak"]) == {"number", "count"}


def test_numbers_are_spoken_digit_by_digit() -> None:
    assert spoken_number("A001") == "A零零一"
    assert spoken_number("B1000") == "B一零零零"


def test_every_text_is_used_somewhere() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "kiosk").rglob("*.py")
        if p.name != "texts.py"
    )
    sources += "\n".join(f'"{key}"' for key in REFUSALS.values())
    dynamic = ("feedback.reason.", "feedback.kind.")  # built from KINDS and REASONS
    unused = [
        key
        for key in ZH
        if f'"{key}"' not in sources
        and f"'{key}'" not in sources
        and not key.startswith(dynamic)
        and not (key.endswith(".hint") and f'"{key.removesuffix(".hint")}"' in sources)
        and key not in catalog.VIEW_KEYS
    ]
    assert unused == []
