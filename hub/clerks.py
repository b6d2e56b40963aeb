"""Clerks at the windows: sign-in with staff number and PIN, sign-out, lockout, photos.

A clerk (config ``staff``) signs in at one window at a time: signing in elsewhere signs them
out where they were, and signing in over another clerk replaces them (AB-post cover). Five wrong
PINs in a row lock a staff number for five minutes.

The lockout lives in memory (:class:`SignInGuard` on :class:`hub.lockout.Lockout`, which says
why), not in the store. Each PIN check costs ~50 ms of PBKDF2 on top.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from config import HallConfig
from config.pins import verify_card, verify_pin
from config.schema import StaffMember
from hub.actors import Actor
from hub.audit import record
from hub.errors import Conflict, Forbidden, Locked, NotFound
from hub.lockout import LOCK_SECONDS, MAX_WRONG, Lockout
from hub.models import WindowState
from hub.reads import clerk_info
from hub.txn import EngineCore, Tx
from sync.clock import Clock

log = logging.getLogger(__name__)

MAX_WRONG_PINS = MAX_WRONG
"""Wrong PINs in a row that lock a staff number."""

PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def find_photo(config: HallConfig, number: str, root: Path) -> tuple[Path, str]:
    """The photo file of staff ``number`` and its media type (relative paths under ``root``,
    the configuration file's folder). Raises NotFound ``no_photo`` when there is none to send."""
    member = config.staff_member(number)
    if member is None or not member.photo:
        raise NotFound("no_photo", f"工号{number}没有登记照片")
    path = Path(member.photo)
    if not path.is_absolute():
        path = root / path
    media = PHOTO_TYPES.get(path.suffix.lower())
    if media is None or not path.is_file():
        log.warning("photo of staff %s not usable: %s", number, path)
        raise NotFound("no_photo", f"工号{number}的照片文件不存在或不是JPEG/PNG")
    return path, media


class SignInGuard(Lockout):
    """Counts wrong PINs per staff number and locks after :data:`MAX_WRONG_PINS` in a row
    (``check``, ``wrong``, ``passed``: a :class:`hub.lockout.Lockout` with the clerks' words).

    Thread-safe. Times come from ``clock`` (the hall's local time for messages).
    """

    def __init__(self, clock: Clock, zone: tzinfo) -> None:
        def locked(until: datetime) -> Locked:
            return Locked(
                "staff_locked",
                f"密码连续输错{MAX_WRONG_PINS}次，该工号已锁定至"
                f"{until.astimezone(zone):%H:%M:%S}，请稍后再试或联系管理员",
            )

        def wrong(left: int) -> Forbidden:
            return Forbidden(
                "pin_wrong",
                f"密码错误，还可以再试{left}次（连续输错{MAX_WRONG_PINS}次将锁定"
                f"{LOCK_SECONDS // 60}分钟）",
            )

        super().__init__(clock, locked=locked, wrong=wrong, what="staff number")


class ConfirmGuard(Lockout):
    """Counts wrong staff confirmations (the kiosk's green lane) per kiosk and locks that kiosk's
    confirmations after :data:`MAX_WRONG_PINS` in a row, so a PIN cannot be guessed there."""

    def __init__(self, clock: Clock, zone: tzinfo) -> None:
        def locked(until: datetime) -> Locked:
            return Locked(
                "confirm_locked",
                f"工作人员确认连续失败{MAX_WRONG_PINS}次，本机暂停确认至"
                f"{until.astimezone(zone):%H:%M:%S}，请到服务台办理",
            )

        def wrong(left: int) -> Forbidden:
            return Forbidden(
                "staff_not_confirmed",
                f"密码不对或不是本中心在岗工作人员，还可以再试{left}次",
            )

        super().__init__(clock, locked=locked, wrong=wrong, what="kiosk")


class ClerkDesk(EngineCore):
    """Signing clerks in and out of windows (mixed into :class:`hub.engine.QueueEngine`)."""

    guard: SignInGuard
    confirm_guard: ConfirmGuard

    def _member(self, number: str) -> StaffMember:
        member = self.config.staff_member(number.strip())
        if member is None:
            raise NotFound("unknown_staff", f"没有工号为{number}的工作人员，请核对工号")
        return member

    def sign_in(self, window: int, staff_no: str, pin: str) -> WindowState:
        """Sign clerk ``staff_no`` in at ``window`` after checking the PIN.

        Signs them out of any other window and replaces a clerk signed in here. Raises NotFound
        (``unknown_window``, ``unknown_staff``), Locked (``staff_locked``), Forbidden
        (``pin_wrong`` with the tries left, ``staff_disabled``, ``staff_not_allowed``).
        A disabled clerk (``active = false``) is refused only after a right PIN, so that the
        refusal tells nothing to someone guessing.
        """
        if self.config.window(window) is None:
            raise NotFound("unknown_window", f"本厅没有{window}号窗口")
        member = self._member(staff_no)
        self.guard.check(member.number)
        if not verify_pin(pin, member.pin_hash):  # ~50 ms: outside the writer lock
            self.guard.wrong(member.number)
        self.guard.passed(member.number)
        if not member.active:
            raise Forbidden(
                "staff_disabled",
                f"工号{member.number}（{member.name}）已停用，不能登录窗口，如有疑问请联系大厅负责人",
            )
        if member.windows and window not in member.windows:
            allowed = "、".join(str(n) for n in member.windows)
            raise Forbidden(
                "staff_not_allowed", f"{member.name}只能在{allowed}号窗口登录，不能在{window}号窗口"
            )

        def operation(tx: Tx) -> WindowState:
            row = self._window_row(tx.db, window)
            if row["clerk_id"] == member.number:
                return self._window_state(tx.db, window)
            for other in tx.db.execute(
                "SELECT number FROM windows WHERE clerk_id = ? AND number != ?",
                (member.number, window),
            ).fetchall():
                self._set_clerk(tx, int(other[0]), None)
            self._set_clerk(tx, window, member)
            log.info("staff %s signed in at window %d", member.number, window)
            return self._window_state(tx.db, window)

        return self._run(operation)

    def staff_locked_until(self, number: str) -> datetime | None:
        """When the lock of staff ``number`` after wrong PINs ends (UTC), or None."""
        return self.guard.locked_until(number)

    def unlock_staff(self, actor: Actor, number: str) -> bool:
        """Lift the lock of staff ``number`` (wrong PINs) before its time, audited
        (``staff.unlock``); False, and nothing written, when it was not locked."""
        until = self.guard.locked_until(number)
        if until is None:
            return False

        def operation(tx: Tx) -> None:
            record(
                tx, actor, "staff.unlock", f"staff:{number}", {"locked_until": until.isoformat()}
            )

        self._run(operation)
        self.guard.clear(number)
        log.info("staff %s unlocked by %s", number, actor.name)
        return True

    def confirm_staff(
        self, device: str, *, pin: str | None = None, id_number: str | None = None
    ) -> StaffMember:
        """The active member of staff whose PIN (or own ID card) this is: a kiosk's manual green
        lane, checked against the configuration in force (a clerk disabled in the console
        confirms nothing at once). Raises Forbidden ``staff_not_confirmed`` with the tries left,
        Locked ``confirm_locked`` after too many wrong tries from ``device``."""
        self.confirm_guard.check(device)
        checked: dict[str, bool] = {}
        for member in self.config.staff:
            if not member.active:
                continue
            if pin is not None:
                if member.pin_hash not in checked:  # ~50 ms each: outside the writer lock
                    checked[member.pin_hash] = verify_pin(pin, member.pin_hash)
                found = checked[member.pin_hash]
            else:
                found = bool(
                    id_number
                    and member.id_card_hash
                    and verify_card(id_number, member.id_card_hash)
                )
            if found:
                self.confirm_guard.passed(device)
                return member
        self.confirm_guard.wrong(device)
        raise AssertionError("unreachable: wrong() raises")  # pragma: no cover

    def sign_out(self, window: int) -> WindowState:
        """Sign the clerk out of ``window``; raises NotFound or Conflict ``still_serving``."""

        def operation(tx: Tx) -> WindowState:
            row = self._window_row(tx.db, window)
            if row["current_ticket"] is not None:
                raise Conflict(
                    "still_serving", f"{window}号窗口还有正在办理的号，请先办结、过号或转移再退出"
                )
            if row["clerk_id"] is not None:
                self._set_clerk(tx, window, None)
            return self._window_state(tx.db, window)

        return self._run(operation)

    def _set_clerk(self, tx: Tx, window: int, member: StaffMember | None) -> None:
        row = self._window_row(tx.db, window)
        previous = clerk_info(self.config, row["clerk_id"], row["clerk_name"])
        tx.db.execute(
            "UPDATE windows SET clerk_id = ?, clerk_name = ?, updated_at = ? WHERE number = ?",
            (member.number if member else None, member.name if member else None, tx.stamp, window),
        )
        clerk = clerk_info(self.config, member.number, member.name) if member else None
        tx.emit("window.clerk", {"window": window, "clerk": clerk, "previous": previous})
        self._emit_window(tx, window)

    def _check_signed_in(self, window: dict[str, Any]) -> None:
        if self.config.service.require_sign_in and window["clerk_id"] is None:
            raise Conflict(
                "not_signed_in", f"{window['number']}号窗口还没有工作人员登录，请先登录再叫号"
            )
