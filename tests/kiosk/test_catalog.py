"""The kiosk's catalog copy: reading the hub's answer, browsing, popular row, the saved file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import sample_hall
from kiosk.catalog import Catalog, CatalogError, CatalogKeeper, CatalogStore, Refresh, topic_of
from kiosk.journeys.guide import GuideJourney
from kiosk.journeys.ticket import TicketJourney
from tests.kiosk.fakes import FakeHub, make_context


def hub_answer() -> dict[str, object]:
    data = FakeHub().fetch_catalog(None).data
    assert data is not None
    return data


def test_the_hubs_answer_becomes_a_catalog() -> None:
    catalog = Catalog.from_data(hub_answer())
    assert catalog.version == "v1"
    assert catalog.hall_name == "示例镇便民服务中心"
    assert len(catalog.items) == 180
    assert catalog.green_groups == ("老年人", "残疾人", "军人及退役军人", "孕妇")
    assert catalog.item("jjb-013") is not None


def test_fields_a_newer_hub_adds_are_ignored() -> None:
    data = hub_answer()
    items = data["items"]
    assert isinstance(items, list)
    items[0] = {**items[0], "video_url": "https://example/v.mp4"}
    assert Catalog.from_data(data).items[0].id == items[0]["id"]


@pytest.mark.parametrize("broken", [{}, {"categories": "A"}, {"categories": [{"code": "a1"}]}])
def test_an_unusable_catalog_is_a_catalog_error(broken: dict[str, object]) -> None:
    with pytest.raises(CatalogError):
        Catalog.from_data(broken)


def test_topics_come_from_shared_name_prefixes() -> None:
    assert topic_of("迁移登记-市内迁移") == "迁移登记"
    assert topic_of("社会保障卡申请") == ""
    catalog = Catalog.from_config(sample_hall())
    topics = catalog.topics("公安局")
    assert [t.key for t in topics] == ["立户和分户", "申报登记", "注销登记", "迁移登记", ""]
    assert sum(len(t.items) for t in topics) == len(catalog.department_items("公安局"))
    assert len(catalog.topics("人社局")) == 1


def test_popular_row_uses_the_popular_flag_in_catalog_order() -> None:
    catalog = Catalog.from_config(sample_hall())
    assert [i.id for i in catalog.popular(3)] == ["jjb-013", "jjb-085", "jjb-126"]


def test_popular_row_without_flags_takes_each_categorys_first_item() -> None:
    data = hub_answer()
    items = data["items"]
    assert isinstance(items, list)
    for item in items:
        item["popular"] = False
    catalog = Catalog.from_data(data)
    firsts = catalog.popular(20)
    assert [i.category for i in firsts] == [c.code for c in catalog.categories]


def test_windows_that_take_an_item() -> None:
    catalog = Catalog.from_config(sample_hall())
    item = catalog.item("jjb-013")
    assert item is not None
    assert catalog.windows_for(item) == [1, 2, 3, 7]


def test_the_saved_copy_round_trips_and_leaves_no_temp_file(tmp_path: Path) -> None:
    store = CatalogStore(tmp_path)
    store.save(hub_answer(), '"v1"')
    loaded = store.load()
    assert loaded is not None
    data, etag, saved_at = loaded
    assert etag == '"v1"' and saved_at > 0
    assert data["version"] == "v1"
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.json"]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"catalog": 3}'])
def test_a_damaged_saved_copy_is_ignored(tmp_path: Path, content: str) -> None:
    (tmp_path / "catalog.json").write_text(content, encoding="utf-8")
    assert CatalogStore(tmp_path).load() is None
    keeper = CatalogKeeper(CatalogStore(tmp_path))
    assert not keeper.load_saved()
    assert keeper.current is None


def test_refresh_saves_swaps_and_then_says_unchanged(tmp_path: Path) -> None:
    hub = FakeHub()
    keeper = CatalogKeeper(CatalogStore(tmp_path))
    assert keeper.refresh(hub) is Refresh.UPDATED
    assert keeper.current is not None and keeper.current.version == "v1"
    assert keeper.refresh(hub) is Refresh.UNCHANGED  # the fake answers 304 to its ETag
    saved = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    assert saved["etag"] == '"v1"'


def test_a_bad_catalog_from_the_hub_keeps_the_current_copy(tmp_path: Path) -> None:
    class BadHub(FakeHub):
        def fetch_catalog(self, etag: str | None) -> object:  # type: ignore[override]
            from kiosk.ports import CatalogFetch

            return CatalogFetch({"version": "v2", "categories": "broken"}, '"v2"')

    keeper = CatalogKeeper(CatalogStore(tmp_path))
    keeper.refresh(FakeHub())
    assert keeper.refresh(BadHub()) is Refresh.REJECTED
    assert keeper.current is not None and keeper.current.version == "v1"


def test_a_kiosk_started_with_the_hub_away_shows_guides_from_its_saved_copy(
    tmp_path: Path,
) -> None:
    first = CatalogKeeper(CatalogStore(tmp_path))
    first.refresh(FakeHub())
    # The kiosk restarts; the hub is away.
    hub = FakeHub(away=True)
    keeper = CatalogKeeper(CatalogStore(tmp_path))
    assert keeper.load_saved()
    assert keeper.refresh(hub) is Refresh.HUB_AWAY
    ctx = make_context(hub)
    ctx.catalog_source = lambda: keeper.current
    ctx.hub_away = True
    guide = GuideJourney(ctx)
    guide.tap("search")
    for key in "shbzk":
        guide.key(key)
    guide.tap(guide.screen.choices[0].id)
    assert guide.screen.title == "社会保障卡申请"
    assert guide.screen.sections
    ticket = TicketJourney(ctx)
    ticket.tap("cat:B")
    ticket.settle()
    assert ticket.screen.lines == (
        "排队系统暂时连接不上，现在不能自助取号，请到服务台找工作人员取号。",
    )
