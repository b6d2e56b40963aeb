"""``hall device read-id`` and ``hall device simulate idcard``: the ID-card reader for technicians.

``read-id`` reads one card and prints it with the ID number masked (first 6, last 4) unless
``--unmasked``; it exits 1 with a plain sentence when the reader is absent, silent or no card
comes. ``simulate idcard`` runs the pty simulator and prints its ``serial://`` address.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devices.idcard.card import IdCard

from hall.exits import EXIT_FAIL, EXIT_OK


def register(
    sub: argparse._SubParsersAction[Any], simulate: argparse._SubParsersAction[Any]
) -> None:
    """Add ``read-id`` and ``simulate idcard`` to the ``hall device`` subparsers."""
    read = sub.add_parser(
        "read-id",
        help="读一张身份证并显示（号码部分隐藏） (read one ID card and print it, ID number masked)",
        description="Wait for a card on the reader, read it once and print its fields.",
    )
    read.add_argument(
        "--port",
        required=True,
        help="reader address: serial:///dev/hall-idcard?baud=115200, /dev/ttyUSB0, "
        "usb://0400:c35a?in=0x81&out=0x02 or sim://idcard?cards=resident",
    )
    read.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="等待放卡的秒数 (seconds to wait for a card; default 5)",
    )
    read.add_argument("--json", action="store_true", help="以 JSON 输出 (print one JSON object)")
    read.add_argument(
        "--unmasked",
        action="store_true",
        help="显示完整证件号码（敏感个人信息） (show the full ID and pass numbers)",
    )
    read.set_defaults(handler=_cmd_read_id)

    sim = simulate.add_parser(
        "idcard",
        help="模拟身份证阅读器（pty），直到 Ctrl-C (run a simulated ID-card reader on a pty)",
        description="Serve the reader protocol on a pseudo-terminal and print its address.",
    )
    sim.add_argument(
        "--cards",
        default="resident",
        help="cards to offer, comma-separated: resident, resident-longterm, bad-check, "
        "permit-j, foreign-i, foreign-y (default: resident)",
    )
    sim.add_argument(
        "--faults",
        default="",
        help="faults, comma-separated: no-card, bad-checksum, split, garbage, sam-fail, "
        "removed, half-frame, silent, halt-after-read",
    )
    sim.add_argument(
        "--cycle",
        type=float,
        default=0.0,
        help="present each card in turn for this many seconds, 1 s apart (0: first card stays)",
    )
    sim.add_argument("--link", help="also reach the pty through this symlink path")
    sim.add_argument(
        "--duration", type=float, default=0.0, help="stop after this many seconds (0: Ctrl-C)"
    )
    sim.set_defaults(handler=_cmd_simulate_idcard, until_stopped=True)


def _cmd_read_id(args: argparse.Namespace) -> int:
    from devices.errors import DeviceError
    from devices.idcard.session import read_one_card

    try:
        card, sam = read_one_card(args.port, wait=args.timeout)
    except DeviceError as err:
        print(f"hall device read-id: {err}", file=sys.stderr)
        return EXIT_FAIL
    fields = card_fields(card, sam, unmasked=args.unmasked)
    if args.json:
        print(json.dumps(fields, ensure_ascii=False, indent=2))
    else:
        print(f"ID card read from {args.port}")
        for label, key in LABELS:
            value = fields[key]
            if value not in ("", None, [], False):
                shown = "; ".join(value) if isinstance(value, list) else value
                print(f"  {_pad(label, 24)} {shown}")
    return EXIT_OK


LABELS = [
    ("SAM module", "sam_id"),
    ("card / 证件", "kind_label"),
    ("name / 姓名", "name"),
    ("English name / 英文名", "english_name"),
    ("sex / 性别", "sex"),
    ("nation / 民族", "nation"),
    ("nationality / 国籍", "nationality"),
    ("birth / 出生", "birth"),
    ("address / 住址", "address"),
    ("new address / 追加住址", "appended_address"),
    ("number / 号码", "number"),
    ("check digit / 校验位", "number_check"),
    ("pass no. / 通行证号", "pass_number"),
    ("issue count / 签发次数", "issue_count"),
    ("authority / 签发机关", "authority"),
    ("authority code", "authority_code"),
    ("card version", "card_version"),
    ("valid / 有效期限", "validity"),
    ("photo / 照片", "photo"),
    ("problems / 问题", "problems"),
    ("unverified layout", "unverified"),
]


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def card_fields(card: IdCard, sam_id: str, unmasked: bool = False) -> dict[str, Any]:
    """The card as plain values for printing; ID and pass numbers masked unless ``unmasked``."""
    from devices.idnumber import mask

    end = "长期" if card.long_term else (card.valid_to.isoformat() if card.valid_to else "")
    start = card.valid_from.isoformat() if card.valid_from else ""
    return {
        "sam_id": sam_id,
        "kind": card.kind.value,
        "kind_label": card.kind.label,
        "name": card.name,
        "english_name": card.english_name,
        "sex": card.sex,
        "nation": card.nation,
        "nationality": card.nationality,
        "birth": card.birth.isoformat() if card.birth else "",
        "address": card.address,
        "appended_address": card.appended_address,
        "number": card.number if unmasked else card.masked_number,
        "number_valid": card.number_valid,
        "number_check": "ok / 正确" if card.number_valid else "WRONG / 不正确",
        "pass_number": card.pass_number if unmasked else mask(card.pass_number),
        "issue_count": card.issue_count,
        "authority": card.authority,
        "authority_code": card.authority_code,
        "card_version": card.card_version,
        "valid_from": start,
        "valid_to": end,
        "validity": f"{start} – {end}" if start or end else "",
        "photo": f"{len(card.photo_wlt)} bytes WLT (not decoded)" if card.photo_wlt else "",
        "problems": list(card.problems),
        "unverified": list(card.unverified),
    }


def _cmd_simulate_idcard(args: argparse.Namespace) -> int:
    from devices.errors import DeviceError
    from devices.idcard.sim import SimulatedReader, parse_cards, parse_faults

    try:
        sim = SimulatedReader(
            parse_cards(args.cards), parse_faults(args.faults), args.link, args.cycle
        )
        sim.start()
    except (DeviceError, OSError) as err:
        print(f"hall device simulate idcard: {err}", file=sys.stderr)
        return EXIT_FAIL
    try:
        print(f"simulated ID-card reader: {sim.address}")
        print(f"cards: {args.cards}; faults: {args.faults or 'none'}; Ctrl-C stops it")
        print(f"try: hall device read-id --port {sim.address}")
        sys.stdout.flush()
        deadline = time.monotonic() + args.duration if args.duration > 0 else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sim.stop()
    return EXIT_OK
