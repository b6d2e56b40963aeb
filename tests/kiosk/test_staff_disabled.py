"""A disabled member of staff (``active = false``) confirms no green lane at the kiosk, by PIN
or by ID card; the active ones still do."""

from __future__ import annotations

from config.pins import hash_card, hash_pin
from config.schema import StaffMember
from kiosk.staff import ConfigStaff
from tests.kiosk.conftest import card_for

CARD = card_for("19880808", "周工作", serial=7)


def test_a_disabled_member_confirms_nothing_by_pin_or_card() -> None:
    pin = hash_pin("2580", iterations=1000)
    card = hash_card(CARD.id_number, iterations=1000)
    left = StaffMember(number="1009", name="周工作", pin_hash=pin, id_card_hash=card, active=False)
    staying = StaffMember(number="1001", name="王丽华", pin_hash=hash_pin("1357", iterations=1000))

    staff = ConfigStaff([left, staying])

    assert staff.by_pin("2580") is None
    assert staff.by_card(CARD) is None
    assert staff.by_pin("1357") == "王丽华（1001）"
    assert (
        ConfigStaff([left.model_copy(update={"active": True})]).by_pin("2580") == "周工作（1009）"
    )
    assert not ConfigStaff([left])
