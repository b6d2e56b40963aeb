"""收件回执: the window's items, ticked materials, the hub's receipt number, the print."""

from __future__ import annotations

from counter.states import Action
from tests.counter.conftest import Counter


def test_receipt_items_are_the_windows_categories_only(counter: Counter) -> None:
    counter.signed_in()
    categories = {item.category for item in counter.flow.receipt_items()}
    assert categories == {"A", "B"}


def first_item(counter: Counter) -> tuple[str, tuple[str, ...]]:
    item = counter.flow.receipt_items()[0]
    return item.id, item.materials


def test_a_case_is_recorded_with_the_ticked_materials_and_printed(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    counter.flow.press(Action.CALL_NEXT)
    item_id, materials = first_item(counter)
    assert counter.flow.accept_case(item_id, [materials[0]], "张小三", "13800000000")
    request = counter.hub.cases[0]
    assert request.materials_received == (materials[0],)
    assert request.ticket_id == "t-A001"
    case, clerk, window = counter.printer.printed[0]
    assert case.receipt == "SJ202503120001"
    assert clerk is not None and clerk.number == "1001" and window == 1
    message = str(counter.flow.snapshot().message)
    assert message.startswith("已登记，办件编号SJ202503120001，承诺")
    assert message.endswith("回执已打印")


def test_a_case_needs_an_item_and_a_material_and_a_valid_phone(counter: Counter) -> None:
    counter.signed_in()
    item_id, materials = first_item(counter)
    assert not counter.flow.accept_case("", [materials[0]])
    assert not counter.flow.accept_case(item_id, [])
    assert not counter.flow.accept_case(item_id, [materials[0]], phone="12345")
    assert str(counter.flow.snapshot().message) == "手机号码是11位数字，以1开头，请再输入一次。"
    assert counter.hub.cases == []


def test_a_printer_fault_says_the_case_is_recorded_and_what_to_do(counter: Counter) -> None:
    counter.signed_in()
    counter.printer.fault = True
    item_id, materials = first_item(counter)
    counter.flow.accept_case(item_id, list(materials))
    snap = counter.flow.snapshot()
    assert str(snap.message) == ("办件已登记（SJ202503120001），但回执没能打印：打印机缺纸。请装纸")
    assert snap.message_is_error


def test_a_material_the_hub_does_not_know_is_refused_in_a_sentence(counter: Counter) -> None:
    counter.signed_in()
    item_id, _ = first_item(counter)
    counter.flow.accept_case(item_id, ["户口本原件（不在清单）"])
    assert str(counter.flow.snapshot().message) == ("有一项材料不在这个事项的清单里，请重新勾选。")
    assert counter.printer.printed == []
