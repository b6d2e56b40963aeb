"""Pinyin search: initials, full pinyin, heteronyms, Chinese, digits, ranking, narrowing."""

from __future__ import annotations

import pytest

from config import sample_hall
from kiosk.catalog import Catalog
from kiosk.search import SearchEntry, SearchIndex, Tier, compile_query, normalize_query, tokenize


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return Catalog.from_config(sample_hall()).search_index


def names(index: SearchIndex, query: str, count: int = 200) -> list[str]:
    return [hit.name for hit in index.search(query).page(0, count)]


def test_hjdj_finds_household_registration_items(index: SearchIndex) -> None:
    found = names(index, "hjdj")
    assert found, "hjdj must find 户籍 items"
    police = {i.name for i in sample_hall().items if i.department == "公安局"}
    assert set(found) <= police
    assert any(n.startswith("迁移登记") for n in found)
    assert any(n.startswith("立户和分户") for n in found)


def test_shbzk_finds_the_social_security_card_items_first(index: SearchIndex) -> None:
    hits = index.search("shbzk").page(0, 5)
    assert [h.name for h in hits[:2]] == ["社会保障卡申请", "社会保障卡领卡"]
    assert all(h.tier is Tier.PREFIX for h in hits[:2])


def test_full_pinyin_and_mixed_initials_find_the_same_items(index: SearchIndex) -> None:
    initials = names(index, "shbzk")
    assert names(index, "shehuibaozhangka") == initials
    assert names(index, "shehuibzk") == initials
    assert names(index, "shbaozhangka") == initials


def test_chinese_characters_and_chinese_mixed_with_letters(index: SearchIndex) -> None:
    assert names(index, "社会保障卡")[:2] == ["社会保障卡申请", "社会保障卡领卡"]
    assert names(index, "社会bz")[:2] == ["社会保障卡申请", "社会保障卡领卡"]
    assert names(index, "shehui保障")[:2] == ["社会保障卡申请", "社会保障卡领卡"]


def test_citizens_words_find_items_whose_names_do_not_contain_them(index: SearchIndex) -> None:
    assert names(index, "sbk")[:2] == ["社会保障卡申请", "社会保障卡领卡"]
    assert "城乡居民最低生活保障申请" in names(index, "db")


def test_exact_initials_rank_before_prefix_before_substring() -> None:
    entries = [
        SearchEntry("sub", "申请社会保障卡补办"),
        SearchEntry("prefix", "社会保障卡申请"),
        SearchEntry("exact", "社会保障卡"),
    ]
    hits = SearchIndex(entries).search("shbzk").hits
    assert [h.item_id for h in hits] == ["exact", "prefix", "sub"]
    assert [h.tier for h in hits] == [Tier.EXACT, Tier.PREFIX, Tier.SUBSTRING]


def test_a_word_start_inside_a_name_ranks_before_a_plain_substring() -> None:
    entries = [SearchEntry("plain", "办理普通事务"), SearchEntry("word", "立户-普通家庭")]
    hits = SearchIndex(entries).search("pt").hits
    assert [h.item_id for h in hits] == ["word", "plain"]
    assert hits[0].tier is Tier.WORD


def test_popular_items_win_ties() -> None:
    entries = [SearchEntry("a", "居住证签注"), SearchEntry("b", "居住证申领", popular=True)]
    assert SearchIndex(entries).search("jzz").item_ids == ["b", "a"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("yhk", "银行卡在线绑定"),  # 银行: hang, the phrase reading
        ("yxk", "银行卡在线绑定"),  # a citizen reading 行 as xing still finds it
        ("zdcj", "重度残疾人护理补贴"),
        ("cdcj", "重度残疾人护理补贴"),
        ("huandai", "公积金、公转商的部分转账还贷"),  # 还 as huan
        ("haidai", "公积金、公转商的部分转账还贷"),  # 还 as hai
    ],
)
def test_heteronyms_are_found_by_each_common_reading(query: str, name: str) -> None:
    index = SearchIndex([SearchEntry("x", name)])
    assert index.search(query).item_ids == ["x"], tokenize(name)


def test_umlaut_u_is_found_as_v_and_as_u() -> None:
    index = SearchIndex([SearchEntry("g", "绿色通道")])
    assert index.search("lvse").item_ids == ["g"]
    assert index.search("luse").item_ids == ["g"]


def test_digits_match_item_numbers_and_codes(index: SearchIndex) -> None:
    hits = index.search("157").hits
    assert hits[0].name == "社会保障卡领卡"
    assert hits[0].tier is Tier.EXACT
    assert index.search("13").hits[0].item_id == "jjb-013"


def test_codes_match_from_their_start_and_only_with_a_digit() -> None:
    index = SearchIndex([SearchEntry("x", "居住证签注", numbers=("11320400MB1F",))])
    assert index.search("mb").item_ids == []
    assert index.search("11320400mb").hits[0].tier is Tier.PREFIX
    assert index.search("11320400MB1F").hits[0].tier is Tier.EXACT
    assert index.search("00mb").item_ids == []  # inside a shared code prefix is noise


@pytest.mark.parametrize("query", ["", "   ", "'", "，。！", "\x00"])
def test_an_empty_query_finds_nothing(index: SearchIndex, query: str) -> None:
    assert len(index.search(query)) == 0


@pytest.mark.parametrize(
    "query", ["zzzzq", "iii", "uvu", "vvv", "qqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "火星"]
)
def test_unknown_letters_find_nothing_without_error(index: SearchIndex, query: str) -> None:
    assert len(index.search(query)) == 0


def test_query_is_normalized_full_width_upper_case_and_spaces() -> None:
    assert normalize_query("ＨＪ dj'") == "hjdj"
    assert normalize_query("社会 BZ") == "社会bz"


def test_typing_narrows_and_backspace_returns_the_same_results(index: SearchIndex) -> None:
    sizes = [len(index.search("shbzk"[:n])) for n in range(1, 6)]
    assert sizes == sorted(sizes, reverse=True)
    assert names(index, "shb") == names(index, "shb")
    fresh = Catalog.from_config(sample_hall()).search_index
    assert names(fresh, "shb") == names(index, "shb")


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("是" * 30 + "十", "shishishishishishishiq"),
        ("西安先" * 9, "xianxianxianxianxianq"),  # xian or xi+an: many ways to split
        ("阿啊" * 13, "a" * 21 + "q"),
    ],
)
def test_a_pathological_query_against_a_repetitive_name_finds_nothing(
    name: str, query: str
) -> None:
    # How long it takes is bench/kiosk_search.py's "pathological query" figure.
    index = SearchIndex([SearchEntry("x", name)])
    assert index.search(query).item_ids == []
    assert index.search(query[:-1]).item_ids == ["x"]  # it matched all the way to the last key


def test_compiled_query_escapes_nothing_dangerous() -> None:
    # normalize_query keeps only letters, digits and Chinese, so no regex syntax gets through.
    assert compile_query(normalize_query("a.*(b")).pattern.count("(") == compile_query(
        "ab"
    ).pattern.count("(")
