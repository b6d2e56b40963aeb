"""Console accounts: slow password hashes, roles, disabling, audit rows, and the lockout after
five wrong passwords (unknown names answered exactly like wrong passwords)."""

from __future__ import annotations

import json
import threading

import pytest

from config import sample_hall
from hub.accounts import CLI_ACTOR, AccountBook
from hub.actors import Actor
from hub.audit import entries
from hub.engine import QueueEngine
from hub.errors import Conflict, Invalid, Locked, NotFound, Unauthorized
from hub.passwords import dummy_hash, hash_password, verify_password
from hub.side_tx import SideTransactions
from sync.clock import FixedClock
from sync.store import Store

MANAGER = Actor("zhang.san", "manager", "session")


@pytest.fixture
def book(store: Store, clock: FixedClock) -> AccountBook:
    transactions = SideTransactions(store, sample_hall(), clock)
    return AccountBook(store, transactions, clock, transactions.zone)


def test_a_password_is_stored_only_as_a_self_describing_scrypt_hash(
    book: AccountBook, store: Store
) -> None:
    book.add(CLI_ACTOR, "Zhang.San", "manager", "correct horse")
    stored = store.reader().execute("SELECT password_hash FROM accounts").fetchone()[0]
    kind, n, r, p, salt, digest = stored.split("$")
    assert (kind, n, r, p) == ("scrypt", str(2**15), "8", "1")
    assert len(salt) >= 16 and len(digest) >= 40
    assert "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsf", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second
    assert verify_password("same password", first) and verify_password("same password", second)


def test_a_malformed_hash_verifies_nothing() -> None:
    for stored in ("", "plain", "pbkdf2$1$2$3$x$y", "scrypt$x$8$1$abc$def"):
        assert not verify_password("anything at all", stored)
    assert not verify_password("", dummy_hash())


def test_a_short_password_is_refused_in_chinese(book: AccountBook) -> None:
    with pytest.raises(Invalid, match="至少需要8个字符") as refused:
        book.add(CLI_ACTOR, "li.si", "supervisor", "1234567")
    assert refused.value.code == "bad_password"
    assert book.list() == []


@pytest.mark.parametrize("name", ["x", "a" * 33, "zhang san", "张三", "a/b", ""])
def test_a_user_name_outside_the_rules_is_refused(book: AccountBook, name: str) -> None:
    with pytest.raises(Invalid) as refused:
        book.add(CLI_ACTOR, name, "manager", "long enough")
    assert refused.value.code == "bad_username"


def test_a_role_outside_the_three_is_refused(book: AccountBook) -> None:
    with pytest.raises(Invalid) as refused:
        book.add(CLI_ACTOR, "boss", "admin", "long enough")
    assert refused.value.code == "bad_role"


def test_user_names_are_kept_in_lower_case_and_unique(book: AccountBook) -> None:
    account = book.add(CLI_ACTOR, "Zhang.San", "manager", "long enough")
    assert account.username == "zhang.san" and account.role_name == "负责人"
    with pytest.raises(Conflict, match="已经存在"):
        book.add(CLI_ACTOR, "ZHANG.SAN", "technician", "long enough")
    assert book.sign_in("ZHANG.san", "long enough").username == "zhang.san"


def test_each_change_is_audited_with_its_actor_and_goes_to_the_outbox(
    book: AccountBook, store: Store
) -> None:
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    book.disable(MANAGER, "li.si")
    book.enable(MANAGER, "li.si")
    book.change_password(MANAGER, "li.si", "another one")
    rows = entries(store.reader(), target="account:li.si")
    assert [r.action for r in reversed(rows)] == [
        "account.add",
        "account.disable",
        "account.enable",
        "account.password",
    ]
    assert rows[-1].actor == "hall account (命令行)" and rows[-1].after == {
        "username": "li.si",
        "role": "supervisor",
    }
    assert rows[0].actor == "zhang.san" and rows[0].actor_role == "manager"
    events = store.reader().execute("SELECT payload FROM outbox WHERE type = 'audit.recorded'")
    payloads = [json.loads(row[0]) for row in events.fetchall()]
    assert [p["action"] for p in payloads] == [
        "account.add",
        "account.disable",
        "account.enable",
        "account.password",
    ]
    for payload in payloads:  # never a password or its hash
        assert "long enough" not in json.dumps(payload) and "scrypt" not in json.dumps(payload)


def test_a_disabled_account_cannot_sign_in_and_keeps_its_history(
    book: AccountBook, store: Store
) -> None:
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    book.sign_in("li.si", "long enough")
    disabled = book.disable(MANAGER, "li.si")
    assert not disabled.enabled and disabled.disabled_at is not None
    with pytest.raises(Unauthorized, match="用户名或密码错误"):
        book.sign_in("li.si", "long enough")
    assert book.get("li.si") == disabled
    assert {r.action for r in entries(store.reader(), target="account:li.si")} >= {
        "account.add",
        "account.sign_in",
        "account.disable",
    }
    again = book.disable(MANAGER, "li.si")  # already disabled: nothing changes
    assert again == disabled
    assert len([r for r in entries(store.reader()) if r.action == "account.disable"]) == 1


def test_changing_the_password_needs_a_known_user_and_a_long_password(book: AccountBook) -> None:
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    with pytest.raises(NotFound):
        book.change_password(MANAGER, "nobody", "long enough")
    with pytest.raises(Invalid):
        book.change_password(MANAGER, "li.si", "short")
    book.change_password(MANAGER, "li.si", "brand new pw")
    with pytest.raises(Unauthorized):
        book.sign_in("li.si", "long enough")
    assert book.sign_in("li.si", "brand new pw").username == "li.si"


def test_each_wrong_password_says_how_many_tries_are_left(book: AccountBook) -> None:
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    for left in (4, 3, 2, 1):
        with pytest.raises(Unauthorized, match=f"还可以再试{left}次"):
            book.sign_in("li.si", "wrong password")


def test_five_wrong_passwords_lock_the_name_for_five_minutes(
    book: AccountBook, clock: FixedClock
) -> None:
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    for _ in range(4):
        with pytest.raises(Unauthorized):
            book.sign_in("li.si", "wrong password")
    with pytest.raises(Locked, match="该账号已锁定至09:35，请稍后再试") as locked:
        book.sign_in("li.si", "wrong password")  # the clock stands at 09:30 hall time
    assert locked.value.code == "account_locked" and locked.value.status == 423
    clock.advance(299)
    with pytest.raises(Locked):  # even the right password, while locked
        book.sign_in("li.si", "long enough")
    clock.advance(1)
    assert book.sign_in("li.si", "long enough").username == "li.si"


def test_a_right_password_starts_the_count_again(book: AccountBook) -> None:
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    for _ in range(4):
        with pytest.raises(Unauthorized):
            book.sign_in("li.si", "wrong password")
    book.sign_in("li.si", "long enough")
    with pytest.raises(Unauthorized, match="还可以再试4次"):
        book.sign_in("li.si", "wrong password")


def test_an_unknown_name_gets_the_same_answers_as_a_wrong_password(book: AccountBook) -> None:
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    answers: dict[str, list[tuple[str, int, str]]] = {"li.si": [], "nobody": []}
    for name, seen in answers.items():
        for _ in range(6):
            try:
                book.sign_in(name, "wrong password")
            except (Unauthorized, Locked) as err:
                seen.append((err.code, err.status, err.message))
    assert answers["li.si"] == answers["nobody"]
    assert [status for _, status, _ in answers["nobody"]] == [401, 401, 401, 401, 423, 423]


def test_an_unknown_name_costs_a_password_hash(
    book: AccountBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names cannot be told apart by time: an unknown name is hashed like a known one."""
    import hub.accounts

    checked: list[str] = []
    real = hub.accounts.verify_password

    def counting(password: str, stored: str) -> bool:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(hub.accounts, "verify_password", counting)
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    for name in ("li.si", "nobody"):
        with pytest.raises(Unauthorized):
            book.sign_in(name, "wrong password")
    assert len(checked) == 2 and checked[1] == dummy_hash()
    assert checked[0].startswith("scrypt$") and checked[0] != checked[1]


def test_the_hub_runs_account_changes_in_engine_transactions_heard_by_listeners(
    store: Store, clock: FixedClock, engine: QueueEngine
) -> None:
    heard: list[str] = []
    engine.subscribe(lambda events: heard.extend(e.type for e in events))
    book = AccountBook(store, engine._run, clock, engine.calendar.zone)
    book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")
    assert "audit.recorded" in heard


def test_hashing_happens_outside_the_store_writer_lock(book: AccountBook, store: Store) -> None:
    """While another thread holds the writer lock, adding an account still hashes; it only
    waits for the lock to write its row."""
    import hub.accounts

    hashed = threading.Event()
    real = hub.accounts.hash_password

    def noting(password: str) -> str:
        result = real(password)
        hashed.set()
        return result

    hub.accounts.hash_password = noting  # type: ignore[assignment]
    try:
        with store.lock:
            worker = threading.Thread(
                target=book.add, args=(CLI_ACTOR, "li.si", "supervisor", "long enough")
            )
            worker.start()
            assert hashed.wait(60), "the password was not hashed while the lock was held"
            assert book.get("li.si") is None
        worker.join(60)
    finally:
        hub.accounts.hash_password = real  # type: ignore[assignment]
    assert book.get("li.si") is not None
