"""Shared protocol rules: catalog checksums, idempotency keys, enrollment codes."""

from __future__ import annotations

import pytest

from sync.wire import (
    CODE_ALPHABET,
    CatalogAnswer,
    WireError,
    canonical_json,
    catalog_checksum,
    catalog_etag,
    check_catalog,
    idempotency_key,
    new_enrollment_code,
    normalize_enrollment_code,
)


def test_canonical_json_sorts_keys_and_keeps_chinese() -> None:
    assert canonical_json({"b": 1, "a": "户籍"}) == '{"a":"户籍","b":1}'.encode()


def test_checksum_ignores_key_order_but_not_content() -> None:
    one = {"categories": [{"code": "A", "name": "户籍"}], "items": []}
    same = {"items": [], "categories": [{"name": "户籍", "code": "A"}]}
    other = {"categories": [{"code": "A", "name": "户藉"}], "items": []}
    assert catalog_checksum(one) == catalog_checksum(same) != catalog_checksum(other)


def test_a_catalog_whose_checksum_does_not_match_is_refused() -> None:
    catalog = {"categories": [], "items": []}
    good = CatalogAnswer(version=2, checksum=catalog_checksum(catalog), catalog=catalog)
    check_catalog(good)
    bad = CatalogAnswer(version=2, checksum="sha256:" + "0" * 64, catalog=catalog)
    with pytest.raises(WireError, match="version 2"):
        check_catalog(bad)


def test_etag_names_version_and_checksum_prefix() -> None:
    assert catalog_etag(7, "sha256:9f2c4e1a0b3d5c6e77") == '"7-9f2c4e1a0b3d5c6e"'


def test_idempotency_key_changes_with_the_body() -> None:
    a = idempotency_key("h1", 1, 10, b"x")
    assert a.startswith("h1:1-10:") and len(a.split(":")[2]) == 16
    assert a != idempotency_key("h1", 1, 10, b"y")


def test_enrollment_codes_round_trip_and_avoid_ambiguous_letters() -> None:
    code = new_enrollment_code()
    assert len(code) == 14 and code.count("-") == 2
    raw = normalize_enrollment_code(code.lower())
    assert set(raw) <= set(CODE_ALPHABET)
    assert normalize_enrollment_code(" ".join(raw)) == raw


@pytest.mark.parametrize(("text", "says"), [("ABC", "12 characters"), ("0000-AAAA-BBBB", "'0'")])
def test_a_mistyped_enrollment_code_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(WireError, match=says):
        normalize_enrollment_code(text)
