"""Catalogs from central: checked, stored, swapped in whole, served with an ETag, kept offline."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import tomli_w
from fastapi.testclient import TestClient

from config.sample import sample_hall_data
from hub.catalog import Catalog, etag_matches
from hub.server import Hub, open_hub
from sync.clock import FixedClock
from sync.downlink import ApplyRefused
from sync.outbox import Event
from sync.wire import CatalogAnswer, catalog_checksum
from tests.hub.hubapp import served
from tests.timing import PATIENCE, wait_for


def versioned_catalog(version: int, **changes: Any) -> dict[str, Any]:
    """The sample hall's categories and items, every name marked ``v<version>``."""
    data = sample_hall_data()
    catalog = {
        "categories": [{**c, "name": f"{c['name']} v{version}"} for c in data["categories"]],
        "items": [{**i, "name": f"{i['name']} v{version}"} for i in data["items"]],
    }
    catalog.update(changes)
    return catalog


def answer(
    version: int, catalog: dict[str, Any] | None = None, checksum: str = ""
) -> CatalogAnswer:
    body = catalog if catalog is not None else versioned_catalog(version)
    return CatalogAnswer(version=version, checksum=checksum or catalog_checksum(body), catalog=body)


def marks(categories: list[Any], items: list[Any]) -> set[str]:
    """The version marks found in a catalog's names (one mark when it is whole)."""
    names = [c["name"] if isinstance(c, dict) else c.name for c in categories]
    names += [i["name"] if isinstance(i, dict) else i.name for i in items]
    return {name.rpartition(" v")[2] for name in names}


@pytest.fixture
def hub(tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    opened = open_hub(tmp_path / "hub", clock=clock)
    yield opened
    opened.store.close()


@pytest.fixture
def api(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False)


@pytest.fixture
def kiosk(hub: Hub) -> dict[str, str]:
    _, token = hub.registry.add("kiosk", "kiosk-1", None)
    return {"Authorization": f"Bearer {token}"}


def events_of(hub: Hub, type_: str) -> list[Event]:
    return [e for e in hub.engine.events_after(0, 10_000) if e.type == type_]


# -- applying ------------------------------------------------------------------------------------


def test_an_applied_catalog_is_seen_by_the_engine_and_the_api_at_once(
    hub: Hub, api: TestClient, kiosk: dict[str, str]
) -> None:
    new_item = {"id": "new-001", "name": "新事项 v1", "department": "民政局", "category": "J"}
    catalog = versioned_catalog(1)
    catalog["items"].append(new_item)
    hub.catalog.apply(answer(1, catalog))

    ticket = hub.engine.issue_ticket(item_id="new-001")
    assert ticket.category == "J"
    served_now = api.get("/api/v1/catalog", headers=kiosk).json()
    assert served_now["catalog_version"] == 1
    assert "new-001" in {i["id"] for i in served_now["items"]}
    assert marks(served_now["categories"], served_now["items"]) == {"1"}
    assert hub.engine.config.category("A").name == "户籍业务 v1"  # type: ignore[union-attr]


def test_applying_stores_the_catalog_and_emits_catalog_applied(hub: Hub) -> None:
    heard: list[Event] = []
    hub.engine.subscribe(heard.extend)
    hub.catalog.apply(answer(4))
    [event] = events_of(hub, "catalog.applied")
    assert event.payload["catalog_version"] == 4
    assert event.payload["items"] == 180
    assert event.payload["etag"] == hub.catalog.view.etag
    assert [e.seq for e in heard] == [event.seq]
    row = hub.store.reader().execute("SELECT version, checksum FROM catalog").fetchone()
    assert tuple(row) == (4, answer(4).checksum)


def test_the_version_served_again_changes_nothing(hub: Hub) -> None:
    hub.catalog.apply(answer(2))
    config = hub.engine.config
    hub.catalog.apply(answer(2))
    assert hub.engine.config is config
    assert len(events_of(hub, "catalog.applied")) == 1


def test_a_version_older_than_the_one_served_is_refused(hub: Hub) -> None:
    hub.catalog.apply(answer(5))
    with pytest.raises(ApplyRefused, match="not newer"):
        hub.catalog.apply(answer(3))
    assert hub.catalog.view.version == 5


def _without_category_j() -> dict[str, Any]:
    catalog = versioned_catalog(2)
    catalog["categories"] = [c for c in catalog["categories"] if c["code"] != "J"]
    catalog["items"] = [i for i in catalog["items"] if i["category"] != "J"]
    return catalog


def _with_bad_item() -> dict[str, Any]:
    catalog = versioned_catalog(2)
    catalog["items"][0] = {**catalog["items"][0], "name": ""}
    return catalog


def _with_item_of_unknown_category() -> dict[str, Any]:
    catalog = versioned_catalog(2)
    catalog["items"][0] = {**catalog["items"][0], "category": "Z"}
    return catalog


def _with_unserved_category() -> dict[str, Any]:
    catalog = versioned_catalog(2)
    catalog["categories"].append({"code": "K", "name": "无人办理"})
    return catalog


@pytest.mark.parametrize(
    ("refused", "why"),
    [
        (answer(2, versioned_catalog(2), checksum="sha256:" + "0" * 64), "checksum"),
        (answer(2, _without_category_j()), "windows"),
        (answer(2, _with_bad_item()), r"items\[0\]\.name"),
        (answer(2, _with_item_of_unknown_category()), "unknown category 'Z'"),
        (answer(2, _with_unserved_category()), "no window serves category K"),
        (answer(2, {"items": []}), "no list of categories"),
    ],
    ids=[
        "bad-checksum",
        "window-category-missing",
        "bad-item",
        "item-category",
        "unserved",
        "no-categories",
    ],
)
def test_a_catalog_that_does_not_fit_is_refused_and_the_old_one_kept(
    hub: Hub, api: TestClient, kiosk: dict[str, str], refused: CatalogAnswer, why: str
) -> None:
    hub.catalog.apply(answer(1))
    config, view = hub.engine.config, hub.catalog.view
    with pytest.raises(ApplyRefused, match=why):
        hub.catalog.apply(refused)
    assert hub.engine.config is config
    assert hub.catalog.view is view
    assert api.get("/api/v1/catalog", headers=kiosk).json()["catalog_version"] == 1
    assert len(events_of(hub, "catalog.applied")) == 1
    versions = [r[0] for r in hub.store.reader().execute("SELECT version FROM catalog")]
    assert versions == [1]


# -- the LAN endpoint ----------------------------------------------------------------------------


def test_the_catalog_endpoint_answers_304_to_its_etag_until_a_new_catalog(
    hub: Hub, api: TestClient, kiosk: dict[str, str]
) -> None:
    first = api.get("/api/v1/catalog", headers=kiosk)
    etag = first.headers["ETag"]
    assert first.json()["version"] in etag
    again = api.get("/api/v1/catalog", headers={**kiosk, "If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    hub.catalog.apply(answer(1))
    changed = api.get("/api/v1/catalog", headers={**kiosk, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["catalog_version"] == 1


def test_etag_matching_understands_lists_weak_tags_and_star() -> None:
    assert etag_matches('"a", W/"b"', '"b"')
    assert etag_matches("*", '"b"')
    assert not etag_matches('"a"', '"b"')
    assert not etag_matches(None, '"b"')


# -- restart -------------------------------------------------------------------------------------


def test_a_hub_restarted_offline_serves_its_last_applied_catalog(
    tmp_path: Path, clock: FixedClock
) -> None:
    first = open_hub(tmp_path / "hub", clock=clock)
    first.catalog.apply(answer(3))
    first.catalog.apply(answer(4))
    first.store.close()

    again = open_hub(tmp_path / "hub", clock=clock)
    try:
        assert again.catalog.view.version == 4
        assert marks(again.engine.config.categories, again.engine.config.items) == {"4"}
        assert again.catalog.view.payload()["catalog_version"] == 4
    finally:
        again.store.close()


def test_a_stored_catalog_that_no_longer_fits_the_configuration_is_not_served(
    tmp_path: Path, clock: FixedClock
) -> None:
    first = open_hub(tmp_path / "hub", clock=clock)
    first.catalog.apply(answer(3))
    first.store.close()
    # The hall gained a category K at window 8 since: catalog 3 has no K.
    data = copy.deepcopy(sample_hall_data())  # its windows' lists are the module's own
    data["categories"].append({"code": "K", "name": "新增业务"})
    data["windows"][7]["categories"].append("K")
    config_file = tmp_path / "hall.toml"
    config_file.write_bytes(tomli_w.dumps(data).encode())

    again = open_hub(tmp_path / "hub", config_file, clock=clock)
    try:
        assert again.catalog.view.version == 0
        assert again.engine.config.category("K") is not None
    finally:
        again.store.close()


# -- no half catalogs ----------------------------------------------------------------------------


def test_readers_never_see_two_catalogs_mixed_while_catalogs_are_swapped(tmp_path: Path) -> None:
    with served(tmp_path / "hub") as (hub, base_url):
        hub.catalog.apply(answer(1))
        _, token = hub.registry.add("kiosk", "kiosk-1", None)
        stop = threading.Event()
        seen: list[str] = []
        mixed: list[str] = []

        def read_api() -> None:
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {token}"
                while not stop.is_set():
                    body = session.get(f"{base_url}/api/v1/catalog", timeout=10).json()
                    found = marks(body["categories"], body["items"])
                    if found != {str(body["catalog_version"])}:
                        mixed.append(f"api: version {body['catalog_version']} with {found}")
                    seen.append(f"api {body['catalog_version']}")

        def read_engine() -> None:
            while not stop.is_set():
                config = hub.engine.config
                found = marks(config.categories, config.items)
                if len(found) != 1:
                    mixed.append(f"engine: {found}")
                seen.append(f"engine {found.pop()}")

        readers = [threading.Thread(target=read_api) for _ in range(3)]
        readers += [threading.Thread(target=read_engine) for _ in range(2)]
        for reader in readers:
            reader.start()
        try:
            for version in range(2, 12):
                hub.catalog.apply(answer(version))
                # The API readers see each catalog before the next swap: they read across swaps.
                wait_for(lambda v=version: f"api {v}" in seen, f"catalog {version} read")
        finally:
            stop.set()
            for reader in readers:
                reader.join(PATIENCE)
        assert mixed == []
        assert hub.catalog.view.version == 11
        api_versions = {s for s in seen if s.startswith("api")}
        assert len(api_versions) > 1, "the readers should have seen the catalog change"


def test_a_catalog_holder_without_a_store_row_serves_the_configuration(hub: Hub) -> None:
    holder = Catalog(hub.engine)
    assert holder.restore() == 0
    assert holder.view.version == 0
    assert len(holder.view.payload()["items"]) == 180
