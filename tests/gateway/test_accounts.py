"""The accounts file: what is stored, how it is written and re-read."""

from __future__ import annotations

import json
import os
import stat

import pytest
from argon2 import PasswordHasher

from leadingtrusts.gateway import AccountError, AccountStore
from leadingtrusts.gateway.accounts import AccountsFileError

from .helpers import MEMBER, PASSWORD


def test_file_holds_only_an_argon2id_hash_and_an_epoch(accounts):
    text = accounts.path.read_text()
    assert PASSWORD not in text
    data = json.loads(text)
    record = data["members"][MEMBER]
    assert set(record) == {"password_hash", "session_epoch"}
    assert record["password_hash"].startswith("$argon2id$")
    assert len(record["session_epoch"]) >= 16


def test_file_is_private(accounts):
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600


def test_verify(accounts):
    assert accounts.verify(MEMBER, PASSWORD)
    assert accounts.verify(" ADA@example.org ", PASSWORD)
    assert not accounts.verify(MEMBER, PASSWORD + "x")
    assert not accounts.verify(MEMBER, "")
    assert not accounts.verify("nobody@example.org", PASSWORD)


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        self.verifications = 0

    def verify(self, hash, password):  # noqa: A002
        self.verifications += 1
        return super().verify(hash, password)


def test_unknown_account_still_runs_argon2(tmp_path):
    hasher = CountingHasher()
    store = AccountStore(tmp_path / "m.json", hasher)
    store.add(MEMBER, PASSWORD)
    store.verify("nobody@example.org", PASSWORD)
    assert hasher.verifications == 1
    store.verify(MEMBER, "wrong password!!")
    assert hasher.verifications == 2


def test_add_list_remove(accounts):
    accounts.add("Grace@Example.org", "another long password")
    assert accounts.list() == ["ada@example.org", "grace@example.org"]
    accounts.remove("GRACE@example.org")
    assert accounts.list() == ["ada@example.org"]


def test_add_twice_is_an_error(accounts):
    with pytest.raises(AccountError, match="already has an account"):
        accounts.add(MEMBER.upper(), "yet another password")


def test_remove_or_reset_unknown_is_an_error(accounts):
    with pytest.raises(AccountError, match="has no account"):
        accounts.remove("nobody@example.org")
    with pytest.raises(AccountError, match="has no account"):
        accounts.reset_password("nobody@example.org", "a long enough password")


@pytest.mark.parametrize("email", ["no-at-sign", "two@@example.org", "a@b@c", "has space@example.org",
                                   "@example.org", "ada@", ""])
def test_bad_emails_are_refused(accounts, email):
    with pytest.raises(AccountError):
        accounts.add(email, "a long enough password")


def test_short_password_is_refused(accounts):
    with pytest.raises(AccountError, match="at least 12"):
        accounts.add("grace@example.org", "short")
    with pytest.raises(AccountError, match="at least 12"):
        accounts.reset_password(MEMBER, "short")
    assert accounts.verify(MEMBER, PASSWORD)


def test_reset_changes_password_and_epoch(accounts):
    epoch = accounts.current_epoch(MEMBER)
    accounts.reset_password(MEMBER, "a brand new password")
    assert accounts.current_epoch(MEMBER) != epoch
    assert not accounts.verify(MEMBER, PASSWORD)
    assert accounts.verify(MEMBER, "a brand new password")


def test_changes_by_another_store_are_seen_without_restart(accounts, fast_hasher):
    other = AccountStore(accounts.path, fast_hasher)
    assert accounts.list() == [MEMBER]
    other.add("grace@example.org", "another long password")
    assert accounts.list() == [MEMBER, "grace@example.org"]
    other.remove(MEMBER)
    assert accounts.current_epoch(MEMBER) is None
    assert not accounts.verify(MEMBER, PASSWORD)


def test_missing_file_means_no_members(tmp_path, fast_hasher):
    store = AccountStore(tmp_path / "none.json", fast_hasher)
    assert store.list() == []
    assert not store.verify(MEMBER, PASSWORD)
    assert store.current_epoch(MEMBER) is None


def test_unreadable_file_is_a_clear_error(tmp_path, fast_hasher):
    path = tmp_path / "m.json"
    path.write_text("{not json")
    with pytest.raises(AccountsFileError, match="cannot read accounts file"):
        AccountStore(path, fast_hasher).list()
    path.write_text('{"members": {"a@b": {"password_hash": 1}}}')
    with pytest.raises(AccountsFileError, match="expected format"):
        AccountStore(path, fast_hasher).list()


def test_writes_leave_no_temporary_files(accounts):
    accounts.add("grace@example.org", "another long password")
    accounts.reset_password(MEMBER, "a brand new password")
    leftovers = [p.name for p in accounts.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_write_replaces_the_file_atomically(accounts):
    inode = os.stat(accounts.path).st_ino
    accounts.add("grace@example.org", "another long password")
    assert os.stat(accounts.path).st_ino != inode


def test_production_defaults_are_argon2_cffis(tmp_path):
    store = AccountStore(tmp_path / "m.json")
    defaults = PasswordHasher()
    assert store._hasher.time_cost == defaults.time_cost
    assert store._hasher.memory_cost == defaults.memory_cost
