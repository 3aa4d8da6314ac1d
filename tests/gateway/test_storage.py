"""The storage interface on both backends: migrations, members, single-use
tokens, sessions, sign-in failures, and the audit log."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest

from leadingtrusts.gateway.audit import AuditLog
from leadingtrusts.gateway.storage import NewMember, StorageError, open_storage, redact, token_hash
from leadingtrusts.gateway.storage.sql import load_migrations
from leadingtrusts.gateway.throttle import LoginThrottle

from .helpers import MEMBER, OTHER_MEMBER

# -- migrations ----------------------------------------------------------------------


def test_every_migration_is_recorded_once(storage, database_url):
    names = [m.name for m in load_migrations()]
    assert names and names[0].startswith("0001_")
    assert storage.schema_version() == load_migrations()[-1].version
    # Opening again (another process starting) applies nothing.
    again = open_storage(database_url)
    try:
        assert again.migrate() == []
    finally:
        again.close()


def test_a_database_newer_than_the_gateway_is_refused(storage, database_url):
    with storage._write() as cur:
        cur.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'x', 0)")
    with pytest.raises(StorageError, match="schema version 9999, newer than"):
        open_storage(database_url)


def test_processes_starting_together_migrate_once(tmp_path):
    url = f"sqlite://{tmp_path / 'fresh.sqlite3'}"
    errors, opened = [], []

    def start():
        try:
            opened.append(open_storage(url))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with opened[0]._read() as cur:
        count = cur.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
    assert count == len(load_migrations())
    for storage in opened:
        storage.close()


@pytest.mark.parametrize("url, message", [
    ("mysql://x/y", "unsupported database URL"),
    ("sqlite://", "not a SQLite URL"),
    ("sqlite:///tmp/x?timeout=soon", "number of seconds"),
])
def test_bad_urls_are_one_line_errors(url, message):
    with pytest.raises(StorageError, match=message):
        open_storage(url)


def test_passwords_in_urls_are_redacted():
    assert redact("postgresql://gw:s3cret@db.internal/lt") == "postgresql://gw:***@db.internal/lt"
    assert redact("sqlite:///var/lib/lt.sqlite3") == "sqlite:///var/lib/lt.sqlite3"


# -- members ---------------------------------------------------------------------------


def test_invited_member_has_no_password_and_keeps_one_when_updated(storage):
    assert storage.add_invited_member(MEMBER, name="Ada", cohort="cohort-2",
                                      access_ends=date(2027, 7, 31)) is None  # new
    member = storage.get_member(MEMBER)
    assert (member.name, member.cohort, member.password_hash, member.access_ends) == \
        ("Ada", "cohort-2", None, date(2027, 7, 31))
    storage.set_password(MEMBER, "$argon2id$stand-in")
    before = storage.add_invited_member(MEMBER, name="Ada Lovelace", cohort="cohort-3", access_ends=None)
    assert (before.name, before.access_ends) == ("Ada", date(2027, 7, 31))
    member = storage.get_member(MEMBER)
    # No end date in the row: the one she had stays, so her access still ends.
    assert (member.name, member.cohort, member.password_hash, member.access_ends) == \
        ("Ada Lovelace", "cohort-3", "$argon2id$stand-in", date(2027, 7, 31))
    storage.add_invited_member(MEMBER, name="Ada Lovelace", cohort="cohort-3", access_ends=date(2028, 7, 31))
    assert storage.get_member(MEMBER).access_ends == date(2028, 7, 31)


def test_bulk_invitation_is_all_or_nothing(storage):
    rows = [NewMember(MEMBER, "Ada", "cohort-3"), {"email": OTHER_MEMBER, "name": "Grace"},
            NewMember(None, "Nobody", "cohort-3")]  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - whichever driver error NOT NULL raises
        storage.add_invited_members(rows)
    assert storage.list_members() == []
    storage.add_invited_members(rows[:2])
    assert [m.email for m in storage.list_members()] == [MEMBER, OTHER_MEMBER]


def test_set_password_ends_every_session_and_needs_an_account(storage):
    storage.add_member(MEMBER, "$argon2id$old")
    cookie = storage.create_session(MEMBER, "203.0.113.1", max_age=3600)
    storage.set_password(MEMBER, "$argon2id$new")
    assert storage.active_session(cookie, idle_timeout=3600) is None
    with pytest.raises(StorageError, match="has no account"):
        storage.set_password("nobody@example.org", "$argon2id$x")


# -- single-use tokens -----------------------------------------------------------------------


def test_tokens_are_single_use_and_bound_to_their_purpose(storage):
    storage.add_invited_member(MEMBER)
    token = storage.create_token(MEMBER, "invite", timedelta(days=7))
    assert storage.consume_token(token, "reset") is None
    assert storage.consume_token(token, "invite") == MEMBER
    assert storage.consume_token(token, "invite") is None
    assert storage.consume_token("made-up", "invite") is None
    assert storage.consume_token("", "invite") is None


def test_a_new_password_ends_every_link_still_out(storage):
    storage.add_invited_member(MEMBER)
    storage.add_invited_member(OTHER_MEMBER)
    first_invitation = storage.create_token(MEMBER, "invite", timedelta(days=7))
    second_invitation = storage.create_token(MEMBER, "invite", timedelta(days=7))
    reset = storage.create_token(MEMBER, "reset", timedelta(hours=1))
    someone_elses = storage.create_token(OTHER_MEMBER, "invite", timedelta(days=7))
    assert storage.consume_token(second_invitation, "invite") == MEMBER
    storage.set_password(MEMBER, "$argon2id$chosen")
    assert storage.peek_token(first_invitation, "invite") is None
    assert storage.consume_token(first_invitation, "invite") is None
    assert storage.consume_token(reset, "reset") is None
    assert storage.consume_token(someone_elses, "invite") == OTHER_MEMBER


def test_tokens_expire(storage, clock):
    storage.add_invited_member(MEMBER)
    token = storage.create_token(MEMBER, "reset", timedelta(hours=1))
    clock.advance(3601)
    assert storage.consume_token(token, "reset") is None


def test_only_the_tokens_hash_is_stored(storage):
    storage.add_invited_member(MEMBER)
    token = storage.create_token(MEMBER, "invite", timedelta(days=1))
    with storage._read() as cur:
        stored = [row[0] for row in cur.execute("SELECT token_hash FROM tokens").fetchall()]
    assert stored == [token_hash(token)] and token not in stored


def test_tokens_need_an_account_and_die_with_it(storage):
    with pytest.raises(StorageError, match="has no account"):
        storage.create_token(MEMBER, "invite", timedelta(days=1))
    storage.add_invited_member(MEMBER)
    token = storage.create_token(MEMBER, "invite", timedelta(days=1))
    storage.remove_member(MEMBER)
    storage.add_invited_member(MEMBER)
    assert storage.consume_token(token, "invite") is None


def all_at_once(calls: list) -> list:
    """What each call returned, the calls made from as many threads released together."""
    results, barrier = [], threading.Barrier(len(calls))

    def call(function):
        barrier.wait()
        results.append(function())

    threads = [threading.Thread(target=call, args=(function,)) for function in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_token_used_twice_at_once_works_once(storage, database_url):
    storage.add_invited_member(MEMBER)
    token = storage.create_token(MEMBER, "reset", timedelta(hours=1))
    others = [open_storage(database_url) for _ in range(4)]
    results = all_at_once([lambda other=other: other.consume_token(token, "reset") for other in others])
    for other in others:
        other.close()
    assert results.count(MEMBER) == 1 and results.count(None) == 3


# -- sessions ----------------------------------------------------------------------------------


def test_sessions_are_listed_and_ended_one_by_one_or_all_but_one(storage):
    storage.add_member(MEMBER, "$argon2id$x")
    laptop = storage.create_session(MEMBER, "203.0.113.1", max_age=3600)
    phone = storage.create_session(MEMBER, "198.51.100.2", max_age=3600)
    tablet = storage.create_session(MEMBER, "192.0.2.3", max_age=3600)
    listed = storage.list_sessions(MEMBER)
    assert [s.address for s in listed] == ["203.0.113.1", "198.51.100.2", "192.0.2.3"]
    assert all(len(s.id) == 12 and s.id not in laptop + phone + tablet for s in listed)
    assert storage.end_session_by_short_id(MEMBER, listed[1].id)
    assert not storage.end_session_by_short_id(MEMBER, listed[1].id)
    assert not storage.end_session_by_short_id(OTHER_MEMBER, listed[0].id)
    assert storage.active_session(phone, idle_timeout=3600) is None
    assert storage.end_sessions(MEMBER, except_id=laptop) == 1
    assert storage.active_session(laptop, idle_timeout=3600).email == MEMBER
    assert storage.active_session(tablet, idle_timeout=3600) is None


def test_last_seen_is_written_at_most_once_a_minute(storage, clock):
    storage.add_member(MEMBER, "$argon2id$x")
    cookie = storage.create_session(MEMBER, "203.0.113.1", max_age=3600)
    first = storage.list_sessions(MEMBER)[0].last_seen
    clock.advance(30)
    storage.active_session(cookie, idle_timeout=3600, touch_after=60)
    assert storage.list_sessions(MEMBER)[0].last_seen == first
    clock.advance(31)
    storage.active_session(cookie, idle_timeout=3600, touch_after=60)
    assert (storage.list_sessions(MEMBER)[0].last_seen - first).total_seconds() == pytest.approx(61, abs=1)


def test_expired_sessions_are_cleared_away(storage, clock):
    storage.add_member(MEMBER, "$argon2id$x")
    storage.create_session(MEMBER, "203.0.113.1", max_age=60)
    clock.advance(61)
    assert storage.list_sessions(MEMBER) == []
    storage.create_session(MEMBER, "203.0.113.1", max_age=60)
    with storage._read() as cur:
        assert cur.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1


# -- sign-in failures --------------------------------------------------------------------------


@pytest.fixture
def throttle(storage):
    return LoginThrottle(storage, pair_limit=3, address_limit=5, max_delay=600, window=900)


def _fail_until_blocked(throttle, email, address):
    failures = 0
    while throttle.begin(email, address) == 0:
        failures += 1
    return failures


def test_pairs_are_throttled_without_touching_other_addresses(throttle):
    assert _fail_until_blocked(throttle, MEMBER, "198.51.100.7") == 3
    assert throttle.begin(MEMBER, "203.0.113.20") == 0
    throttle.succeeded(MEMBER, "203.0.113.20")


def test_an_address_is_throttled_across_accounts(throttle):
    for n in range(5):
        assert throttle.begin(f"guess{n}@example.org", "198.51.100.7") == 0
    assert throttle.begin(MEMBER, "198.51.100.7") > 0
    assert throttle.begin(MEMBER, "203.0.113.20") == 0


def test_waits_double_up_to_the_cap_and_are_forgotten_after_quiet(throttle, clock):
    _fail_until_blocked(throttle, MEMBER, "198.51.100.7")
    waits = []
    for _ in range(12):
        wait = throttle.begin(MEMBER, "198.51.100.7")
        waits.append(wait)
        clock.advance(wait)
        assert throttle.begin(MEMBER, "198.51.100.7") == 0
    assert waits[:4] == [1, 2, 4, 8]
    assert max(waits) == 600
    # At the cap, waiting it out buys one try, not a fresh run of free ones.
    clock.advance(600)
    assert throttle.begin(MEMBER, "198.51.100.7") == 0
    assert throttle.begin(MEMBER, "198.51.100.7") > 0
    clock.advance(600 + 900)
    assert _fail_until_blocked(throttle, MEMBER, "198.51.100.7") == 3


def test_success_clears_the_pair_and_forgives_one_address_failure(throttle):
    for _ in range(3):
        assert throttle.begin(MEMBER, "198.51.100.7") == 0  # two wrong, then the right one
    throttle.succeeded(MEMBER, "198.51.100.7")
    # The pair starts afresh; the address keeps its two failures, so three
    # more (not two, not five) reach its limit of five.
    assert throttle.begin(MEMBER, "198.51.100.7") == 0
    assert throttle.begin(f"x{MEMBER}", "198.51.100.7") == 0
    assert throttle.begin(f"y{MEMBER}", "198.51.100.7") == 0
    assert throttle.begin(f"z{MEMBER}", "198.51.100.7") > 0


def test_parallel_guesses_from_several_processes_get_no_extra_tries(database_url, clock):
    others = [open_storage(database_url, clock=clock) for _ in range(8)]
    throttles = [LoginThrottle(o, pair_limit=3, address_limit=50, max_delay=600, window=900) for o in others]
    results = all_at_once([lambda t=t: t.begin(MEMBER, "198.51.100.7") for t in throttles])
    for other in others:
        other.close()
    assert results.count(0) == 3


def test_an_attempt_below_the_limit_never_waits_even_if_another_was_recorded_just_after(
        database_url, clock):
    # Two sign-ins at the same moment: the one that reads the clock first may get the
    # lock second, and must still go ahead rather than be told to wait a second.
    storage = open_storage(database_url, clock=clock)
    throttle = LoginThrottle(storage, pair_limit=3, address_limit=50, max_delay=600, window=900)
    clock.advance(0.5)
    assert throttle.begin(MEMBER, "198.51.100.7") == 0
    clock.advance(-0.5)  # the other attempt's clock reading, taken a moment earlier
    assert throttle.begin(MEMBER, "198.51.100.7") == 0
    storage.close()


# -- the audit log -------------------------------------------------------------------------------


def test_audit_lines_have_exactly_four_fields(tmp_path):
    log = AuditLog(tmp_path / "audit" / "audit.jsonl")
    log.record("sign_in", account=MEMBER, address="203.0.113.1")
    log.record("host_refused", address="198.51.100.7")
    lines = (tmp_path / "audit" / "audit.jsonl").read_text().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "event", "account", "address"}
    assert first["event"] == "sign_in" and first["account"] == MEMBER
    assert second["account"] is None
    assert (tmp_path / "audit" / "audit.jsonl").stat().st_mode & 0o077 == 0


def test_audit_refuses_what_is_not_an_event_name(tmp_path):
    with pytest.raises(ValueError):
        AuditLog(tmp_path / "a.jsonl").record("password=hunter2")


def test_audit_lines_from_many_writers_stay_whole(tmp_path):
    path = tmp_path / "audit.jsonl"
    writers = [AuditLog(path) for _ in range(4)]

    def write(log):
        for n in range(200):
            log.record("sign_in_failed", account=f"guess{n}@example.org" + "x" * 200, address="198.51.100.7")

    threads = [threading.Thread(target=write, args=(log,)) for log in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(AuditLog(path).read()) == 800


def test_unwritable_audit_log_does_not_stop_the_gateway(tmp_path, caplog):
    (tmp_path / "dir").mkdir()
    AuditLog(tmp_path / "dir").record("sign_in", account=MEMBER)
    assert "cannot write audit log" in caplog.text
