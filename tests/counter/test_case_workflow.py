"""A case after 收件 at the counter, without Qt: 出件 by receipt and by ID card with the citizen's
keypad confirmation, not-ready refusals, 补正 with every missing material, 不予受理 with the
catalog's legal basis, and the papers each prints."""

from __future__ import annotations

import dataclasses

from counter.case_steps import CONFIRM_SECONDS
from counter.case_view import CasePaper
from counter.states import Action
from tests.counter.conftest import Counter

ID_NUMBER = "11010519491231002X"
OTHER_ID = "110105198001010016"


def accepted(counter: Counter, id_number: str | None = None, applicant: str = "张小三") -> str:
    """A case accepted at window 1 (one material of two missing); its receipt number."""
    item = counter.flow.receipt_items()[0]
    assert counter.flow.accept_case(item.id, [item.materials[0]], applicant, None, id_number)
    assert counter.hub.cases[-1].id_number == id_number
    last = counter.flow.last_case
    assert last is not None
    return last.receipt


def ready(counter: Counter, id_number: str | None = None) -> str:
    receipt = accepted(counter, id_number)
    counter.hub.set_case_status(receipt, "ready")
    return receipt


def message(counter: Counter) -> str:
    return str(counter.flow.snapshot().message)


# -- 出件 -------------------------------------------------------------------------------------------


def test_delivery_by_receipt_waits_for_the_citizens_key_then_records_and_prints(
    counter: Counter,
) -> None:
    counter.signed_in()
    receipt = ready(counter)
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    assert cases.find(f" {receipt.lower()}\n")  # a scanner's Enter, typed in lower case
    view = cases.view()
    assert view is not None and view.form.chosen is not None
    assert view.form.chosen.receipt == receipt
    assert message(counter) == f"已找到办件{receipt}，现在是“已办结，待领取”"

    assert cases.confirm()
    assert counter.keypad.requests == [CONFIRM_SECONDS]
    assert message(counter) == "请在评价器上按任意键确认领取（还剩30秒）"
    assert counter.hub.case_views[receipt].status == "ready"  # nothing until the citizen's key
    counter.clock.advance(12)
    view = cases.view()
    assert view is not None and view.seconds_left == 18

    counter.keypad.press(3)  # any key: the level means nothing here
    assert counter.hub.case_views[receipt].status == "delivered"
    assert counter.hub.case_views[receipt].delivered_window == 1
    assert counter.hub.ratings == []  # a confirmation is never a rating
    paper, case, clerk, window, reprint = counter.printer.papers[-1]
    assert paper is CasePaper.PICKUP and case.receipt == receipt and case.status == "delivered"
    assert clerk is not None and clerk.number == "1001" and window == 1 and not reprint
    assert message(counter) == f"办件{receipt}已领取；领取凭证已打印"
    view = cases.view()
    assert view is not None and view.form.done


def test_no_key_on_the_keypad_is_no_delivery_and_it_says_so(counter: Counter) -> None:
    counter.signed_in()
    receipt = ready(counter)
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.find(receipt)
    cases.confirm()
    counter.keypad.time_out()
    assert counter.hub.case_views[receipt].status == "ready"
    assert counter.printer.papers == []
    assert message(counter) == (
        f"群众没有在评价器上按键确认，办件{receipt}没有领取。可以再请群众确认。"
    )
    assert counter.flow.snapshot().message_is_error
    assert cases.confirm()  # the citizen may be asked again
    counter.keypad.press(1)
    assert counter.hub.case_views[receipt].status == "delivered"


def test_closing_the_dialog_while_waiting_delivers_nothing(counter: Counter) -> None:
    counter.signed_in()
    receipt = ready(counter)
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.find(receipt)
    cases.confirm()
    cases.close()
    assert counter.keypad.cancelled == 1
    counter.keypad.press(1)  # a late key after the dialog closed
    assert counter.hub.case_views[receipt].status == "ready"
    assert cases.view() is None


def test_a_case_not_ready_is_refused_with_its_status(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.find(receipt)
    assert message(counter) == f"办件{receipt}现在是“已受理”，还不能领取。"
    assert not cases.confirm()
    assert counter.keypad.requests == []
    for status, text in (
        ("processing", "办理中"),
        ("correction", "需补正"),
        ("delivered", "已领取"),
    ):
        counter.hub.set_case_status(receipt, status)
        cases.find(receipt)
        assert message(counter) == f"办件{receipt}现在是“{text}”，还不能领取。"
        assert not cases.confirm()
    assert counter.hub.case_views[receipt].status == "delivered"
    assert not any(name == "deliver_case" for name, _ in counter.hub.calls)


def test_an_unknown_or_malformed_receipt_gets_a_sentence(counter: Counter) -> None:
    counter.signed_in()
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    assert not cases.find("号码")
    assert message(counter).startswith("办件编号是回执上的字母和数字")
    cases.find("SJ202503129999")
    assert message(counter) == "没有找到这个办件编号，请核对回执上的编号。"


def test_delivery_by_id_card_lists_the_persons_cases_and_picks_the_ready_one(
    counter: Counter,
) -> None:
    counter.signed_in()
    first = accepted(counter, ID_NUMBER)
    second = ready(counter, ID_NUMBER)
    accepted(counter, OTHER_ID)  # someone else's
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    assert cases.card(ID_NUMBER)
    view = cases.view()
    assert view is not None
    assert [c.receipt for c in view.form.found] == [second, first]  # newest first, theirs only
    assert view.form.chosen is not None and view.form.chosen.receipt == second
    assert not any(ID_NUMBER in repr(args) for _, args in counter.hub.calls)
    assert not cases.choose(first)  # 已受理: said, not taken
    assert message(counter) == f"办件{first}现在是“已受理”，还不能领取。"
    assert cases.choose(second)
    cases.confirm()
    counter.keypad.press(2)
    assert counter.hub.case_views[second].status == "delivered"
    assert counter.hub.case_views[first].status == "accepted"


def test_a_card_with_two_ready_cases_asks_the_clerk_to_choose(counter: Counter) -> None:
    counter.signed_in()
    ready(counter, ID_NUMBER)
    ready(counter, ID_NUMBER)
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.card(ID_NUMBER)
    view = cases.view()
    assert view is not None and view.form.chosen is None
    assert message(counter) == "找到此人的2件办件，其中2件待领取：请选择"
    assert not cases.confirm()
    assert message(counter) == "请先查找并选择一件办件。"


def test_a_card_without_a_form_open_is_ignored(counter: Counter) -> None:
    counter.signed_in()
    assert not counter.flow.cases.card(ID_NUMBER)
    assert not any(name == "cases_for_person" for name, _ in counter.hub.calls)


def test_confirmation_waits_while_the_keypad_asks_a_rating(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    receipt = ready(counter)
    counter.flow.press(Action.CALL_NEXT)
    counter.flow.press(Action.FINISH)  # the keypad now asks A001's rating
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.find(receipt)
    assert not cases.confirm()
    assert message(counter) == "评价器正在等待A001号群众评价，评价结束后再请群众确认领取。"
    counter.keypad.press(1)
    assert cases.confirm()


def test_finishing_a_service_waits_for_an_open_confirmation(counter: Counter) -> None:
    counter.hub.issue("A")
    counter.signed_in()
    receipt = ready(counter)
    counter.flow.press(Action.CALL_NEXT)
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.find(receipt)
    cases.confirm()
    assert not counter.flow.press(Action.FINISH)
    assert message(counter) == "评价器正在等待群众确认领取，请先完成出件。"


def test_without_a_keypad_a_delivery_cannot_be_confirmed(counter: Counter) -> None:
    counter.signed_in()
    receipt = ready(counter)
    counter.flow.keypad = None
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.find(receipt)
    assert not cases.confirm()
    assert message(counter) == "本窗口没有评价器，无法请群众按键确认领取，请联系技术人员。"


def test_the_hub_away_refuses_the_lookup_in_a_sentence(counter: Counter) -> None:
    counter.signed_in()
    receipt = ready(counter)
    counter.hub.away = True
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.find(receipt)
    assert message(counter).startswith("排队系统连接不上")


# -- 补正 -------------------------------------------------------------------------------------------


def test_correction_names_every_missing_material_and_prints_the_notice(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.CORRECTION)  # the case just accepted is found at once
    view = cases.view()
    assert view is not None and view.form.chosen is not None
    case = view.form.chosen
    assert case.receipt == receipt
    materials = cases.materials_of(case)
    assert len(materials) >= 2
    assert cases.correct([materials[1], materials[0], materials[1]])
    held = counter.hub.case_views[receipt]
    assert held.status == "correction" and held.missing == (materials[1], materials[0])
    paper, printed, _, window, reprint = counter.printer.papers[-1]
    assert paper is CasePaper.CORRECTION and printed.missing == (materials[1], materials[0])
    assert window == 1 and not reprint
    assert message(counter) == f"办件{receipt}已转为需补正，共2项材料；补正材料通知书已打印"


def test_a_correction_notice_can_be_printed_again_from_the_hubs_list(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.CORRECTION)
    view = cases.view()
    assert view is not None and view.form.chosen is not None
    material = cases.materials_of(view.form.chosen)[1]
    assert not cases.reprint_correction()  # nothing to reprint before a notice
    cases.correct([material])
    cases.close()
    cases.open(Action.CORRECTION)
    cases.find(receipt)
    assert message(counter) == f"办件{receipt}现在是“需补正”，不能再通知补正。"
    assert cases.reprint_correction()
    paper, printed, _, _, reprint = counter.printer.papers[-1]
    assert paper is CasePaper.CORRECTION and printed.missing == (material,) and reprint
    assert message(counter) == "补正材料通知书已打印"


def test_correction_needs_a_material_and_a_case_that_can_still_be_corrected(
    counter: Counter,
) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.CORRECTION)
    assert not cases.correct([])
    assert message(counter) == "请勾选群众需要补正的材料（至少一项）。"
    counter.hub.set_case_status(receipt, "ready")
    cases.find(receipt)
    assert not cases.correct(["户口簿"])
    assert message(counter) == f"办件{receipt}现在是“已办结，待领取”，不能再通知补正。"
    assert counter.printer.papers == []


def test_a_hub_refusal_of_a_correction_prints_nothing(counter: Counter) -> None:
    counter.signed_in()
    accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.CORRECTION)
    cases.correct(["不在清单上的材料"])
    assert message(counter) == "有一项材料不在这个事项的清单里，请重新勾选。"
    assert counter.printer.papers == []


# -- 不予受理 ---------------------------------------------------------------------------------------


def test_rejection_carries_the_reason_and_the_catalogs_basis(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    item = next(i for i in counter.flow.config.items if i.id == counter.hub.cases[-1].item_id)
    cases = counter.flow.cases
    cases.open(Action.REJECT)
    assert not cases.reject("  ")
    assert message(counter) == "请选择或填写原因。"
    assert cases.reject("申请人不符合办理条件")
    held = counter.hub.case_views[receipt]
    assert held.status == "rejected" and held.reason == "申请人不符合办理条件"
    paper, printed, _, _, _ = counter.printer.papers[-1]
    assert paper is CasePaper.REJECTION
    assert printed.reason == "申请人不符合办理条件" and printed.basis == item.basis != ""
    assert message(counter) == f"办件{receipt}不予受理；不予受理通知书已打印"


def test_a_delivered_case_cannot_be_rejected(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    counter.hub.set_case_status(receipt, "delivered")
    cases = counter.flow.cases
    cases.open(Action.REJECT)
    assert not cases.reject("不符合条件")
    assert message(counter) == f"办件{receipt}现在是“已领取”，不能再作不予受理。"


def test_a_printer_fault_says_the_step_is_recorded_and_what_to_do(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    counter.printer.fault = True
    cases = counter.flow.cases
    cases.open(Action.REJECT)
    cases.reject("不符合条件")
    assert counter.hub.case_views[receipt].status == "rejected"
    assert message(counter) == (
        f"办件{receipt}不予受理，但不予受理通知书没能打印：打印机缺纸。请装纸"
    )
    assert counter.flow.snapshot().message_is_error


# -- the card reader ----------------------------------------------------------------------------


def test_a_card_with_no_case_form_open_waits_briefly_for_the_receipt_form(
    counter: Counter,
) -> None:
    counter.signed_in()
    cases = counter.flow.cases
    cases.card_read(ID_NUMBER, "张小三")
    assert cases.take_card() == (ID_NUMBER, "张小三")
    assert cases.take_card() is None  # taken once
    cases.card_read(ID_NUMBER, "张小三")
    counter.clock.advance(10.5)
    assert cases.take_card() is None  # a card left lying there does not fill a later form
    assert not any(name == "cases_for_person" for name, _ in counter.hub.calls)


def test_a_card_read_with_a_case_form_open_finds_the_persons_cases(counter: Counter) -> None:
    counter.signed_in()
    receipt = ready(counter, ID_NUMBER)
    cases = counter.flow.cases
    cases.open(Action.DELIVER)
    cases.card_read(ID_NUMBER, "张小三")
    view = cases.view()
    assert view is not None and view.form.chosen is not None
    assert view.form.chosen.receipt == receipt
    assert cases.take_card() is None


def test_a_correction_found_again_keeps_the_list_recorded_here(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.CORRECTION)
    view = cases.view()
    assert view is not None and view.form.chosen is not None
    material = cases.materials_of(view.form.chosen)[1]
    cases.correct([material])
    cases.close()
    # The hub's lookup by receipt answers fewer keys (no list): the counter's own record fills it.
    held = counter.hub.case_views[receipt]
    counter.hub.case_views[receipt] = dataclasses.replace(held, missing=())
    cases.open(Action.CORRECTION)
    view = cases.view()
    assert view is not None and view.form.chosen is not None
    assert view.form.chosen.missing == (material,)


# -- 办理进度: 办理中, 已办结待领取 ------------------------------------------------------------------


def test_progress_moves_the_case_just_accepted_on_and_names_the_pickup_window(
    counter: Counter,
) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.PROGRESS)  # finds the case just accepted here
    view = cases.view()
    assert view is not None and view.form.chosen is not None
    assert view.form.chosen.receipt == receipt
    assert cases.advance("processing")
    assert counter.hub.case_views[receipt].status == "processing"
    assert message(counter) == f"办件{receipt}已改为“办理中”"
    view = cases.view()
    assert view is not None and view.form.done
    cases.close()

    cases.open(Action.PROGRESS)
    assert cases.find(receipt)
    assert cases.advance("ready", 4)
    moved = counter.hub.case_views[receipt]
    assert (moved.status, moved.pickup_window) == ("ready", 4)
    assert message(counter) == f"办件{receipt}已办结，请群众带回执到4号窗口领取"
    assert counter.printer.papers == []  # nothing to print: the hub tells the citizen


def test_ready_without_a_pickup_window_means_this_window(counter: Counter) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    counter.flow.cases.open(Action.PROGRESS)
    assert counter.flow.cases.advance("ready")
    assert counter.hub.case_views[receipt].pickup_window == 1
    assert "到1号窗口领取" in message(counter)


def test_progress_refuses_a_missing_choice_a_wrong_move_and_an_unknown_window(
    counter: Counter,
) -> None:
    counter.signed_in()
    receipt = accepted(counter)
    cases = counter.flow.cases
    cases.open(Action.PROGRESS)
    assert not cases.advance("")
    assert message(counter) == "请选择“办理中”或“已办结，待群众领取”。"
    assert not cases.advance("ready", 99)  # the sample hall has windows 1–8
    assert message(counter) == "领取窗口是窗口号（1到999），请再选一次。"
    assert counter.hub.case_views[receipt].status == "accepted"
    counter.hub.set_case_status(receipt, "processing")
    assert cases.find(receipt)
    assert not cases.advance("processing")
    assert message(counter) == f"办件{receipt}现在是“办理中”，不能改为“办理中”。"
    assert counter.hub.case_views[receipt].status == "processing"


def test_a_finished_case_is_refused_with_its_status_when_found(counter: Counter) -> None:
    counter.signed_in()
    receipt = ready(counter)
    cases = counter.flow.cases
    cases.open(Action.PROGRESS)
    assert cases.find(receipt)
    assert message(counter) == f"办件{receipt}现在是“已办结，待领取”，不能再更改办理进度。"
    assert counter.flow.snapshot().message_is_error
    assert not cases.advance("ready")
    assert counter.hub.case_views[receipt].status == "ready"
