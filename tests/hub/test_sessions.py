"""Console sessions: random ids with their own CSRF token, an idle timeout on the hub's clock,
logout, and an end as soon as the account is disabled or gets a new password (from this
process or from ``hall account`` in another)."""

from __future__ import annotations

import pytest

from config import sample_hall
from hub.accounts import CLI_ACTOR, Account, AccountBook
from hub.sessions import Sessions
from hub.side_tx import SideTransactions
from sync.clock import FixedClock
from sync.store import Store


@pytest.fixture
def book(store: Store, clock: FixedClock) -> AccountBook:
    transactions = SideTransactions(store, sample_hall(), clock)
    return AccountBook(store, transactions, clock, transactions.zone)


@pytest.fixture
def account(book: AccountBook) -> Account:
    return book.add(CLI_ACTOR, "li.si", "supervisor", "long enough")


def test_a_session_has_random_ids_and_its_person(
    book: AccountBook, clock: FixedClock, account: Account
) -> None:
    sessions = Sessions(book, clock, 30)
    first, second = sessions.start(account), sessions.start(account)
    assert first.id != second.id and first.csrf != second.csrf and first.id != first.csrf
    assert len(first.id) >= 40 and len(first.csrf) >= 40
    found = sessions.lookup(first.id)
    assert found is first
    assert (found.actor.name, found.actor.role, found.actor.via) == (
        "li.si",
        "supervisor",
        "session",
    )
    assert sessions.lookup("not-a-session") is None


def test_a_session_ends_after_the_idle_minutes_without_a_request(
    book: AccountBook, clock: FixedClock, account: Account
) -> None:
    sessions = Sessions(book, clock, 30)
    session = sessions.start(account)
    clock.advance(29 * 60)
    assert sessions.lookup(session.id) is session  # a request: the idle time starts again
    clock.advance(29 * 60 + 59)
    assert sessions.lookup(session.id) is session
    clock.advance(30 * 60)
    assert sessions.lookup(session.id) is None
    assert sessions.count() == 0


def test_logout_ends_only_that_session(
    book: AccountBook, clock: FixedClock, account: Account
) -> None:
    sessions = Sessions(book, clock, 30)
    phone, desk = sessions.start(account), sessions.start(account)
    assert sessions.end(phone.id) is phone
    assert sessions.lookup(phone.id) is None
    assert sessions.lookup(desk.id) is desk
    assert sessions.end(phone.id) is None


def test_disabling_an_account_ends_its_sessions(
    book: AccountBook, clock: FixedClock, account: Account
) -> None:
    other = book.add(CLI_ACTOR, "wang.wu", "manager", "long enough")
    sessions = Sessions(book, clock, 30)
    mine, theirs = sessions.start(account), sessions.start(other)
    book.disable(CLI_ACTOR, "li.si")
    assert sessions.lookup(mine.id) is None
    assert sessions.lookup(theirs.id) is theirs


def test_a_new_password_ends_the_sessions_started_with_the_old_one(
    book: AccountBook, clock: FixedClock, account: Account
) -> None:
    sessions = Sessions(book, clock, 30)
    before = sessions.start(account)
    clock.advance(1)
    book.change_password(CLI_ACTOR, "li.si", "another one")
    assert sessions.lookup(before.id) is None
    after = sessions.start(book.sign_in("li.si", "another one"))
    assert sessions.lookup(after.id) is after


def test_a_change_made_by_another_process_ends_the_sessions_at_their_next_request(
    store: Store, book: AccountBook, clock: FixedClock, account: Account
) -> None:
    """``hall account disable`` runs in its own process with its own book: the hub's sessions
    hear nothing, but the next lookup reads the account and ends the session."""
    sessions = Sessions(book, clock, 30)
    session = sessions.start(account)
    elsewhere = Store(store.path)  # a second connection, as the command line's process has
    try:
        transactions = SideTransactions(elsewhere, sample_hall(), clock)
        AccountBook(elsewhere, transactions, clock, transactions.zone).disable(CLI_ACTOR, "li.si")
    finally:
        elsewhere.close()
    assert sessions.count() == 1
    assert sessions.lookup(session.id) is None
    assert sessions.count() == 0
