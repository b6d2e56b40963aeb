"""``hall doctor`` and ``hall provision``: the field technician's two commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``doctor`` and ``provision`` to the ``hall`` parser."""
    doctor = sub.add_parser(
        "doctor",
        help="check every device and service this box depends on; says what to do (中文/English)",
    )
    doctor.add_argument("--config", help="hall configuration (default: the built-in sample hall)")
    doctor.add_argument("--box", help="this box's name in [devices.NAME] (default: host name)")
    doctor.add_argument("--data", type=Path, help="the hub's data folder (on the hub box)")
    doctor.add_argument(
        "--token-file",
        type=Path,
        help="an app box's device token (default: $HALLKIT_DATA or /var/lib/hallkit, device.token)",
    )
    doctor.add_argument(
        "--records",
        type=Path,
        help="folder where the running apps record device health (shows each device's last error)",
    )
    doctor.add_argument("--timeout", type=float, default=5.0, help="seconds per device probe")
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.set_defaults(handler=_cmd_doctor)
    register_provision(sub)


def _cmd_doctor(args: argparse.Namespace) -> int:
    import logging

    from hall.doctor import DoctorRequest, default_box_name, render_json, render_text, run_doctor

    request = DoctorRequest(
        config=args.config,
        box=args.box or default_box_name(),
        data_dir=args.data,
        token_path=args.token_file,
        record_dir=args.records,
        timeout=args.timeout,
    )
    if not args.verbose:  # the report says it all; the drivers' own log lines would repeat it
        logging.getLogger("devices").setLevel(logging.CRITICAL)
    findings = run_doctor(request)
    print(render_json(findings) if args.json else render_text(findings))
    sys.stdout.flush()
    return 0 if all(f.ok for f in findings) else 1


def register_provision(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``provision`` to the ``hall`` parser."""
    p = sub.add_parser(
        "provision",
        help="find this box's devices, test each, write its [devices.BOX] section of the config",
        description=(
            "Detects ID-card readers (serial ports answering the SAM status command), USB "
            "printers and rating keypads, tests each with your confirmation, and writes this "
            "box's section of the hall configuration (the old file is kept as FILE.bak). "
            "Addresses given as options skip detection; --yes answers every question with yes."
        ),
    )
    p.add_argument("--config", required=True, type=Path, help="the hall configuration to update")
    p.add_argument("--box", help="this box's name (default: host name)")
    p.add_argument(
        "--role", required=True, choices=["hub", "kiosk", "ticket", "counter", "board", "display"]
    )
    p.add_argument("--window", type=int, help="window number (counter and board boxes)")
    p.add_argument("--hub", help="the hub's address as this box reaches it, http://HOST:8700")
    for kind in ("idcard", "printer", "keypad", "sign"):
        p.add_argument(f"--{kind}", help=f"{kind} address (skips detecting it)")
    p.add_argument("--printer-width", type=int, choices=(58, 80), help="paper width in mm")
    p.add_argument("--no-detect", action="store_true", help="use only the addresses given")
    p.add_argument("--yes", action="store_true", help="non-interactive: accept and test all")
    p.add_argument("--dry-run", action="store_true", help="test but do not write the file")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per device test")
    p.set_defaults(handler=_cmd_provision)


def _cmd_provision(args: argparse.Namespace) -> int:
    from config.errors import ConfigError
    from config.schema import DeviceSettings
    from devices.health import HealthState
    from hall.doctor import default_box_name
    from hall.provision import ProvisionPlan, Sources, plan_box, write_box

    if not args.yes and not sys.stdin.isatty():
        print("hall provision: no terminal to ask questions on; pass --yes", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, flush=True)

    def ask(question: str) -> bool:
        if args.yes:
            say(f"  {question} yes (--yes)")
            return True
        return input(f"  {question} [y/N] ").strip().lower() in ("y", "yes", "是")

    box = args.box or default_box_name()
    plan = ProvisionPlan(box=box, role=args.role, window=args.window, hub=args.hub)
    plan.chosen = {k: getattr(args, k) for k in ("idcard", "printer", "keypad", "sign")}
    plan.chosen = {k: v for k, v in plan.chosen.items() if v}
    base = DeviceSettings(printer_width=args.printer_width or 80)
    sources = Sources() if not args.no_detect else _no_detection()
    say(f"provisioning box '{box}' as {args.role}")
    try:
        settings = plan_box(plan, base, sources, ask, say, args.timeout)
    except ValueError as err:  # pydantic: a flag value the schema refuses
        print(f"hall provision: {err}", file=sys.stderr)
        return 1
    failed = [k for k, h in plan.tested.items() if h.state is not HealthState.OK]
    if args.dry_run:
        say("dry run: configuration not written")
    else:
        try:
            backup = write_box(args.config, box, settings)
        except ConfigError as err:
            print(f"hall provision: {err}", file=sys.stderr)
            return 1
        say(f"wrote [devices.{box}] to {args.config} (previous file: {backup})")
    if failed:
        say("needs attention: " + ", ".join(failed) + " (run `hall doctor` for details)")
        return 1
    return 0


def _nothing() -> list[Any]:
    return []


def _no_detection() -> Any:
    from hall.provision import Sources

    return Sources(
        serial_ports=_nothing, usb_printers=_nothing, input_devices=_nothing, exists=lambda _: False
    )
