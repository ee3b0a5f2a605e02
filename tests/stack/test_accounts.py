"""Sign-up and booking on the reference stack, on each platform: what a viewer
without a subscription goes through, and what its failures do (and do not)."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import requests

from kickoff_stack.payment_client import TIMEOUT_SECONDS

from tests.faults.helpers import injected
from tests.reference import probe, toxiproxy
from tests.stack.accounts import (Watcher, book, new_name, session_of, signup, sql, wait_until)
from tests.stack.helpers import FREE_EVENT, PAID_EVENT, entitlement

BOOKERS = 8  # bookings in flight at once when the database is killed


def test_a_newcomer_signs_up_books_and_is_admitted(stack):
    name = new_name()
    session = session_of(name)
    assert signup(name).status_code == 409  # taken, and so is a seeded subscriber's name
    assert signup("subscriber-0001").status_code == 409
    assert entitlement(PAID_EVENT, session).status_code == 403  # signed in, but no pass
    free = book(session, FREE_EVENT)
    assert free.status_code == 201 and free.json()["pass"] == "free"
    paid = book(session, PAID_EVENT)
    assert paid.status_code == 201 and paid.json()["pass"] == "paid"
    again = book(session, PAID_EVENT)  # booked already: the same booking, not a second charge
    assert again.status_code == 200 and again.json()["booking"] == paid.json()["booking"]
    admitted = entitlement(PAID_EVENT, session)
    assert admitted.status_code == 200 and admitted.json()["entitled_as"] == "pass"
    assert entitlement(FREE_EVENT, session).json()["entitled_as"] == "pass"
    [[charges]] = sql(f"SELECT count(*) FROM charges WHERE username = '{name}'")
    assert charges == "1"
    declined = book(session_of(new_name("decline")), PAID_EVENT)
    assert declined.status_code == 402 and "declined" in declined.json()["error"]
    assert book("not-a-session", FREE_EVENT).status_code == 401


def _book_until(stop: threading.Event, sessions: list[str], answers: list[tuple]) -> None:
    """Book the paid event for one newcomer after another: (start, end, status, booking)."""
    while sessions and not stop.is_set():
        session = sessions.pop()
        started = time.monotonic()
        try:
            response = book(session, PAID_EVENT)
            booking = response.json().get("booking") if response.status_code == 201 else None
            answers.append((started, time.monotonic(), response.status_code, booking))
        except requests.RequestException:
            answers.append((started, time.monotonic(), None, None))


def test_killed_database_mid_booking_writes_no_half_booking_and_watchers_watch_on(stack):
    sessions = [session_of() for _ in range(BOOKERS * 12)]
    answers: list[tuple] = []
    stop = threading.Event()
    with Watcher() as watcher, concurrent.futures.ThreadPoolExecutor(BOOKERS) as pool:
        for _ in range(BOOKERS):
            pool.submit(_book_until, stop, sessions, answers)
        wait_until(lambda: sum(a[2] == 201 for a in answers) >= BOOKERS, 10, "no bookings made")
        stack.kill("postgres")
        # Once the kill has returned, the database is gone: Docker's kill takes 0.2-0.3 s,
        # and bookings in flight at its start may all commit within it.
        killed_at = time.monotonic()
        try:
            wait_until(lambda: signup().status_code == 503, 10, "sign-ups did not fail")
            time.sleep(1)  # bookings keep arriving at the dead database
        finally:
            stop.set()
            stack.start("postgres")
        wait_until(lambda: probe("postgres") == "healthy", 30, "postgres did not come back")
        wait_until(lambda: signup().status_code == 201, 15, "sign-ups did not recover")
    # Bookings were under way when it died, and some of those were cut short.
    in_flight = [a for a in answers if a[0] < killed_at < a[1]]
    assert any(a[2] == 503 for a in in_flight), in_flight
    assert {a[2] for a in answers if a[1] > killed_at} <= {201, 503}  # never a 500 or a hang
    # What was answered 201 was committed and survived the kill; nothing is half-written.
    made = {str(a[3]) for a in answers if a[2] == 201}
    stored = {row[0] for row in sql("SELECT id FROM bookings WHERE pass = 'paid'")}
    assert made <= stored
    assert sql("SELECT count(*) FROM charges c LEFT JOIN bookings b ON b.charge = c.id "
               "WHERE b.id IS NULL") == [["0"]]
    assert book(session_of(), PAID_EVENT).status_code == 201
    assert watcher.fetches > 5 and watcher.failures == []


def test_paused_database_fails_sign_ups_quickly_and_they_recover(stack):
    session = session_of()
    pause = "process-pause" if stack.name == "local" else "container-pause"
    with Watcher() as watcher:
        with injected(stack.name, pause, "postgres"):
            started = time.monotonic()
            assert signup().status_code == 503  # every process of it frozen, not only the first
            assert book(session, FREE_EVENT).status_code == 503
            assert time.monotonic() - started < 4 * TIMEOUT_SECONDS  # bounded: no hung viewer
        wait_until(lambda: signup().status_code == 201, 15, "sign-ups did not recover")
        assert book(session, FREE_EVENT).status_code == 201
    assert watcher.fetches > 3 and watcher.failures == []


def _timed_booking(event: str) -> tuple[int, float]:
    session = session_of()
    started = time.monotonic()
    status = book(session, event).status_code
    return status, time.monotonic() - started


def test_slow_or_cut_payment_link_fails_paid_bookings_only(stack):
    links = toxiproxy()
    with Watcher() as watcher:
        slow = links.add_toxic("accounts-payment", "latency",
                               {"latency": int(TIMEOUT_SECONDS * 1000 / 2), "jitter": 0})
        try:
            status, seconds = _timed_booking(PAID_EVENT)
            assert status == 201 and seconds >= TIMEOUT_SECONDS / 2
        finally:
            links.remove_toxic("accounts-payment", slow.name)
        too_slow = links.add_toxic("accounts-payment", "latency",
                                   {"latency": int(TIMEOUT_SECONDS * 1000 * 1.5), "jitter": 0})
        try:
            status, seconds = _timed_booking(PAID_EVENT)
            assert status == 504 and seconds < TIMEOUT_SECONDS * 1.5
            status, seconds = _timed_booking(FREE_EVENT)
            assert status == 201 and seconds < TIMEOUT_SECONDS / 2
        finally:
            links.remove_toxic("accounts-payment", too_slow.name)
        links.set_enabled("accounts-payment", False)
        try:
            assert _timed_booking(PAID_EVENT)[0] == 503
            assert _timed_booking(FREE_EVENT)[0] == 201
        finally:
            links.set_enabled("accounts-payment", True)
        assert _timed_booking(PAID_EVENT)[0] == 201
    assert watcher.fetches > 3 and watcher.failures == []
