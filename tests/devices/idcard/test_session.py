"""Reading cards end to end: the real serial transport and codec against the pty simulator."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.errors import DecodeError, DeviceAbsent, DeviceTimeout
from devices.idcard import commands as c
from devices.idcard.card import CardKind
from devices.idcard.errors import CardUnreadable, ReaderRejectedFrame, SamFault
from devices.idcard.frames import FrameDecoder, decode_reply
from devices.idcard.samples import SAMPLES
from devices.idcard.session import ReaderSession, read_one_card
from devices.idcard.sim import SimulatedReader
from devices.idcard.transport import SerialTransport, open_transport
from tests.timing import PATIENCE

FAST = {"read text and photo": 0.6, "status": 0.4, "find card": 0.4}
"""Short limits, for the tests that wait one out."""
PATIENT = {
    command.name: PATIENCE
    for command in (c.RESET, c.STATUS, c.SAM_ID, c.FIND_CARD, c.SELECT_CARD, c.READ_CARD)
}
"""Limits no answer misses on a busy machine, for the tests that expect an answer."""


@pytest.fixture
def sim() -> Iterator[SimulatedReader]:
    with SimulatedReader([SAMPLES["resident"]]) as reader:
        yield reader


@pytest.fixture
def session(sim: SimulatedReader) -> Iterator[ReaderSession]:
    reader_session = ReaderSession(open_transport(sim.address), PATIENT)
    yield reader_session
    reader_session.close()


@pytest.fixture
def fast(sim: SimulatedReader) -> Iterator[ReaderSession]:
    reader_session = ReaderSession(open_transport(sim.address), FAST)
    yield reader_session
    reader_session.close()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_card_reads_through_a_sim_address(name: str) -> None:
    card, sam = read_one_card(f"sim://idcard?cards={name}", wait=PATIENCE)
    sample = SAMPLES[name]
    assert (card.kind, card.name, card.number) == (sample.kind, sample.name, sample.number)
    assert card.photo_wlt == sample.photo_wlt
    assert card.number_valid is (name != "bad-check")
    assert sam == "05.01-20101231-0012345678-1234567890"


def test_a_session_reads_the_sim_over_a_bare_pty_path(sim: SimulatedReader) -> None:
    session = ReaderSession(open_transport(sim.path))
    try:
        session.check_status()
        card = session.read_presented()
    finally:
        session.close()
    assert card is not None and card.kind is CardKind.RESIDENT
    assert [(cmd.cmd, cmd.para) for cmd in sim.commands] == [
        (0x11, 0xFF),
        (0x20, 0x01),
        (0x20, 0x02),
        (0x30, 0x01),
        (0x30, 0x03),
    ]


def test_the_appended_address_and_fingerprints_are_read_when_there(
    sim: SimulatedReader, session: ReaderSession
) -> None:
    sim.present(SAMPLES["resident-longterm"])
    assert session.find_card()
    card = session.read_selected(fingerprints=True)
    assert card.appended_address == "北京市朝阳区光华路9号"
    assert len(card.fingerprints) == 1024
    assert card.long_term


def test_no_card_on_the_reader_reads_as_none(sim: SimulatedReader, session: ReaderSession) -> None:
    sim.remove()
    assert session.read_presented() is None
    sim.set_faults(["no-card"])
    sim.present()
    assert session.find_card() is False


@pytest.mark.parametrize("faults", [["split"], ["garbage"], ["split", "garbage"]])
def test_split_and_noisy_replies_still_read(
    sim: SimulatedReader, session: ReaderSession, faults: list[str]
) -> None:
    sim.set_faults(faults)
    card = session.read_presented()
    assert card is not None and card.number == SAMPLES["resident"].number


def test_a_reply_with_a_bad_checksum_is_a_decode_error(
    sim: SimulatedReader, session: ReaderSession
) -> None:
    sim.set_faults(["bad-checksum"])
    assert session.find_card()
    start = time.monotonic()
    with pytest.raises(DecodeError, match="read text and photo: corrupt reply: checksum"):
        session.read_selected()
    # It fails as the bytes stop, not at the read's time limit (PATIENCE here).
    assert time.monotonic() - start < session.timeout_of(c.READ_CARD)


def test_half_a_reply_then_silence_times_out_at_the_commands_limit(
    sim: SimulatedReader, fast: ReaderSession
) -> None:
    sim.set_faults(["half-frame"])
    assert fast.find_card()
    start = time.monotonic()
    with pytest.raises(DeviceTimeout, match=r"within 0\.6 s .*unfinished frame"):
        fast.read_selected()
    assert time.monotonic() - start >= 0.6  # it waited out the limit for the rest


def test_a_silent_reader_times_out_instead_of_hanging(
    sim: SimulatedReader, fast: ReaderSession
) -> None:
    sim.set_faults(["silent"])
    with pytest.raises(DeviceTimeout, match=r"status: no complete reply within 0\.4 s"):
        fast.check_status()


def test_a_failed_security_module_raises_sam_fault(
    sim: SimulatedReader, session: ReaderSession
) -> None:
    sim.set_faults(["sam-fail"])
    with pytest.raises(SamFault, match="self-test"):
        session.check_status()


def test_a_card_taken_away_before_the_read_is_unreadable(
    sim: SimulatedReader, session: ReaderSession
) -> None:
    sim.set_faults(["removed"])
    assert session.find_card()
    with pytest.raises(CardUnreadable, match="0x41"):
        session.read_selected()


def test_an_unknown_command_is_rejected_by_the_module(session: ReaderSession) -> None:
    with pytest.raises(ReaderRejectedFrame, match="0x21"):
        session.exchange(c.ReaderCommand("bogus", 0x99, 0x01, 0.5))


def test_a_corrupt_command_is_answered_with_status_0x10(sim: SimulatedReader) -> None:
    transport = SerialTransport.open(sim.path)
    try:
        wire = bytearray(c.FIND_CARD.frame)
        wire[-1] ^= 0xFF
        transport.write(bytes(wire))
        decoder, deadline = FrameDecoder(), time.monotonic() + PATIENCE
        replies: list[bytes | DecodeError] = []
        while not replies and time.monotonic() < deadline:
            replies = decoder.feed(transport.read(4096, 0.1))
    finally:
        transport.close()
    assert isinstance(replies[0], bytes) and decode_reply(replies[0]).sw3 == 0x10


def test_a_stale_reply_left_in_the_port_cannot_answer_the_next_command(
    sim: SimulatedReader, session: ReaderSession
) -> None:
    session.transport.write(c.FIND_CARD.frame)
    port = session.transport._port  # type: ignore[attr-defined]
    readable, _, _ = select.select([port.fileno()], [], [], PATIENCE)
    assert readable, "the find reply never reached the port"  # it waits there, unread
    assert session.sam_id() == "05.01-20101231-0012345678-1234567890"


def test_an_unplugged_reader_raises_device_absent(
    sim: SimulatedReader, session: ReaderSession
) -> None:
    session.check_status()
    sim.stop()
    with pytest.raises(DeviceAbsent):
        session.check_status()


def test_read_one_card_gives_up_after_its_wait_naming_the_last_problem(tmp_path: Path) -> None:
    with (
        SimulatedReader(faults=["removed"], link=tmp_path / "idcard") as sim,
        pytest.raises(DeviceTimeout, match="last problem: read text and photo"),
    ):
        read_one_card(sim.address, wait=0.5, poll_interval=0.1)


def test_the_sim_address_with_several_cards_and_faults_reads_the_first_card() -> None:
    card, _ = read_one_card(
        "sim://idcard?cards=resident,permit-j&faults=split,garbage", wait=PATIENCE
    )
    assert card.number == SAMPLES["resident"].number


def test_a_false_preamble_in_line_noise_does_not_lose_the_real_reply(
    sim: SimulatedReader, session: ReaderSession
) -> None:
    class Noisy:
        """The real transport, with a false frame start injected before the first reply."""

        def __init__(self, inner: SerialTransport) -> None:
            self.inner, self.description, self.noise = inner, inner.description, True

        def read(self, max_bytes: int, timeout: float) -> bytes:
            data = self.inner.read(max_bytes, timeout)
            if data and self.noise:
                self.noise = False
                return b"\xaa\xaa\xaa\x96\x69\x00\x05\x01\x02" + data
            return data

        def write(self, data: bytes) -> None:
            self.inner.write(data)

        def discard_input(self) -> None:
            self.inner.discard_input()

        def close(self) -> None:
            self.inner.close()

    assert isinstance(session.transport, SerialTransport)
    noisy = ReaderSession(Noisy(session.transport))
    assert noisy.sam_id() == "05.01-20101231-0012345678-1234567890"
