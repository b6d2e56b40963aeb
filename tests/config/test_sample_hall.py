"""The built-in sample hall: the 180 就近办 items, nine categories, eight comprehensive windows."""

from __future__ import annotations

from collections import Counter

from config import check_text, sample_hall
from config.sample import sample_hall_data


def test_sample_hall_has_180_items_in_9_categories_and_8_windows() -> None:
    hall = sample_hall()
    assert len(hall.items) == 180
    assert len(hall.categories) == 9
    assert len(hall.windows) == 8
    assert len({item.id for item in hall.items}) == 180


def test_every_sample_category_has_items_and_is_served() -> None:
    hall = sample_hall()
    per_category = Counter(item.category for item in hall.items)
    for category in hall.categories:
        assert per_category[category.code] > 0, category.code
        assert hall.windows_serving(category.code), category.code


def test_no_sample_category_depends_on_a_single_window() -> None:
    hall = sample_hall()
    for category in hall.categories:
        assert len(hall.windows_serving(category.code)) >= 2, category.code


def test_sample_ticket_letters_avoid_i_and_o() -> None:
    codes = {c.code for c in sample_hall().categories}
    assert not codes & {"I", "O"}


def test_sample_hall_data_passes_the_checker_as_toml() -> None:
    import tomli_w

    assert check_text(tomli_w.dumps(sample_hall_data())) == []


def test_sample_items_keep_the_csv_order_and_departments() -> None:
    items = sample_hall().items
    assert items[0].id == "jjb-001"
    assert items[0].department == "公安局"
    assert items[0].category == "A"
    assert items[-1].id == "jjb-180"


def test_changing_a_sample_hall_does_not_change_the_next_one() -> None:
    from config.sample import sample_hall_data

    first = sample_hall_data()
    first["windows"][0]["categories"].append("Z")
    assert "Z" not in sample_hall_data()["windows"][0]["categories"]
