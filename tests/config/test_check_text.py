"""check_text / parse_config: every problem is reported with the key path where it is."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
import tomli_w

from config import ConfigError, check_text, parse_config

MINIMAL: dict[str, Any] = {
    "hall": {"division_code": "320402100"},
    "categories": [{"code": "A", "name": "户籍业务"}, {"code": "B", "name": "人社业务"}],
    "items": [{"id": "i1", "name": "立户", "department": "公安局", "category": "A"}],
    "windows": [{"number": 1, "categories": ["A", "B"]}],
}


def toml_with(**changes: Any) -> str:
    """The minimal hall as TOML, with top-level sections replaced or added."""
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return tomli_w.dumps(data)


def issues_of(text: str) -> dict[str, str]:
    return {issue.path: issue.message for issue in check_text(text)}


def test_minimal_hall_has_no_issues() -> None:
    assert check_text(toml_with()) == []
    config = parse_config(toml_with())
    assert [c.code for c in config.categories] == ["A", "B"]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"hall": {"division_code": "320402100", "colour": "red"}}, "hall.colour"),
        ({"windws": []}, "windws"),
        ({"windows": [{"number": 1, "categories": ["A", "B"], "clerk": "x"}]}, "windows[0].clerk"),
    ],
)
def test_unknown_key_is_reported_at_its_path(changes: dict[str, Any], path: str) -> None:
    issues = issues_of(toml_with(**changes))
    assert list(issues) == [path]
    assert "unknown key" in issues[path]


@pytest.mark.parametrize("code", ["32040", "3204021000", "32040210X", ""])
def test_bad_division_code_names_the_value_and_what_was_expected(code: str) -> None:
    issues = issues_of(toml_with(hall={"division_code": code}))
    assert list(issues) == ["hall.division_code"]
    assert repr(code) in issues["hall.division_code"]
    assert "9-digit" in issues["hall.division_code"]


def test_item_with_unknown_category_is_reported_at_the_item() -> None:
    items = [
        {"id": "i1", "name": "立户", "department": "公安局", "category": "A"},
        {"id": "i2", "name": "社保", "department": "人社局", "category": "Z"},
    ]
    issues = issues_of(toml_with(items=items))
    assert list(issues) == ["items[1].category"]
    assert "'Z'" in issues["items[1].category"]
    assert "A, B" in issues["items[1].category"]


def test_window_with_unknown_category_is_reported_at_the_window() -> None:
    windows = [{"number": 1, "categories": ["A", "B"]}, {"number": 2, "categories": ["B", "Q"]}]
    issues = issues_of(toml_with(windows=windows))
    assert list(issues) == ["windows[1].categories"]
    assert "'Q'" in issues["windows[1].categories"]
    assert "window 2" in issues["windows[1].categories"]


def test_category_no_window_serves_is_reported() -> None:
    issues = issues_of(toml_with(windows=[{"number": 1, "categories": ["A"]}]))
    assert list(issues) == ["categories[1]"]
    assert "no window serves category B" in issues["categories[1]"]


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        (
            "categories",
            [
                {"code": "A", "name": "户籍"},
                {"code": "B", "name": "人社"},
                {"code": "A", "name": "又一个"},
            ],
            "duplicate category code 'A'",
        ),
        (
            "windows",
            [{"number": 1, "categories": ["A", "B"]}, {"number": 1, "categories": ["A"]}],
            "duplicate window number 1",
        ),
        (
            "items",
            [
                {"id": "i1", "name": "立户", "department": "公安局", "category": "A"},
                {"id": "i1", "name": "分户", "department": "公安局", "category": "A"},
            ],
            "duplicate item id 'i1'",
        ),
    ],
)
def test_duplicate_codes_are_reported_on_their_list(
    section: str, value: list[dict[str, Any]], message: str
) -> None:
    issues = issues_of(toml_with(**{section: value}))
    assert issues == {section: message}


@pytest.mark.parametrize(
    "hours",
    [["09:00-12:00", "11:30-17:00"], ["13:00-17:00", "09:00-12:00"], ["12:00-09:00"]],
)
def test_overlapping_or_backwards_hours_are_reported(hours: list[str]) -> None:
    issues = issues_of(toml_with(service={"hours": hours}))
    assert list(issues) == ["service.hours"]


def test_touching_periods_are_not_overlapping() -> None:
    assert check_text(toml_with(service={"hours": ["09:00-12:00", "12:00-17:00"]})) == []


def test_date_listed_as_holiday_and_as_working_day_is_reported() -> None:
    service = {
        "holidays": [date(2025, 10, 1), date(2025, 10, 2)],
        "working_days": [date(2025, 9, 28), date(2025, 10, 2)],
    }
    issues = issues_of(toml_with(service=service))
    assert list(issues) == ["service"]
    assert "2025-10-02" in issues["service"]
    assert "2025-10-01" not in issues["service"]


@pytest.mark.parametrize("text", ["3:00", "24:00", "03:60", "0300", "03:00:00", "three"])
def test_bad_hhmm_day_boundary_is_reported(text: str) -> None:
    issues = issues_of(toml_with(service={"day_boundary": text}))
    assert list(issues) == ["service.day_boundary"]
    assert "HH:MM" in issues["service.day_boundary"]


def test_bad_hhmm_last_ticket_time_is_reported_at_the_category() -> None:
    categories = [
        {"code": "A", "name": "户籍"},
        {"code": "B", "name": "人社", "last_ticket_time": "16.30"},
    ]
    issues = issues_of(toml_with(categories=categories))
    assert list(issues) == ["categories[1].last_ticket_time"]


def test_bad_hhmm_in_hours_is_reported() -> None:
    issues = issues_of(toml_with(service={"hours": ["9:00-12:00"]}))
    assert list(issues) == ["service.hours"]


def test_device_on_unknown_window_is_reported() -> None:
    issues = issues_of(toml_with(devices={"counter-9": {"role": "counter", "window": 9}}))
    assert list(issues) == ["devices.counter-9.window"]


def test_unknown_time_zone_is_reported() -> None:
    issues = issues_of(toml_with(hall={"division_code": "320402100", "timezone": "Asia/Shanghia"}))
    assert list(issues) == ["hall.timezone"]


def test_missing_required_section_names_it_and_its_help_text() -> None:
    data = copy.deepcopy(MINIMAL)
    del data["windows"]
    issues = issues_of(tomli_w.dumps(data))
    assert list(issues) == ["windows"]
    assert "required key is missing" in issues["windows"]
    assert "windows" in issues["windows"]


def test_several_field_problems_are_all_reported_at_once() -> None:
    text = toml_with(
        hall={"division_code": "1", "colour": "red"},
        service={"day_boundary": "25:00", "days": [1, 8]},
    )
    assert set(issues_of(text)) == {
        "hall.division_code",
        "hall.colour",
        "service.day_boundary",
        "service.days[1]",
    }


def test_field_problems_and_reference_problems_are_reported_together() -> None:
    items = [{"id": "i1", "name": "立户", "department": "公安局", "category": "Z"}]
    text = toml_with(hall={"division_code": "1"}, items=items)
    assert set(issues_of(text)) == {"hall.division_code", "items[0].category"}


def test_toml_syntax_error_is_one_issue_without_a_key_path() -> None:
    issues = check_text('[hall\nid = "x"\n')
    assert len(issues) == 1
    assert issues[0].path == ""
    assert issues[0].message.startswith("not valid TOML")
    assert "line 1" in issues[0].message


def test_parse_config_error_names_source_and_every_issue() -> None:
    text = toml_with(hall={"division_code": "1", "colour": "red"})
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="hall.toml")
    assert caught.value.source == "hall.toml"
    assert len(caught.value.issues) == 2
    shown = str(caught.value)
    assert shown.startswith("hall.toml: 2 problem(s)")
    assert "hall.division_code:" in shown
    assert "hall.colour:" in shown
