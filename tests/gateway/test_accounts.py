"""Accounts in the database: what is stored, validation, and importing the
old JSON accounts file without losing anyone."""

from __future__ import annotations

import json
import logging
import stat
from dataclasses import replace

import pytest
from argon2 import PasswordHasher

from leadingtrusts.gateway import AccountError, AccountStore, GatewayConfigError, create_app
from leadingtrusts.gateway.accounts import AccountsFileError, import_accounts_file
from leadingtrusts.gateway.storage import open_storage
from leadingtrusts.gateway.storage.sqlite import parse_sqlite_url

from .helpers import MEMBER, OTHER_MEMBER, OTHER_PASSWORD, PASSWORD, SECRET_SENTENCE, login


def test_database_holds_only_an_argon2id_hash(accounts, database_url):
    member = accounts.get(MEMBER)
    assert member.password_hash.startswith("$argon2id$")
    assert PASSWORD not in member.password_hash
    if database_url.startswith("sqlite:"):
        path = parse_sqlite_url(database_url)[0]
        assert PASSWORD.encode() not in path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_verify(accounts):
    assert accounts.verify(MEMBER, PASSWORD).email == MEMBER
    assert accounts.verify(" ADA@example.org ", PASSWORD)
    assert accounts.verify(MEMBER, PASSWORD + "x") is None
    assert accounts.verify(MEMBER, "") is None
    assert accounts.verify("nobody@example.org", PASSWORD) is None


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        self.verifications = 0

    def verify(self, hash, password):  # noqa: A002
        self.verifications += 1
        return super().verify(hash, password)


def test_unknown_or_invited_account_still_runs_argon2(storage):
    hasher = CountingHasher()
    store = AccountStore(storage, hasher)
    store.add(MEMBER, PASSWORD)
    storage.add_invited_member(OTHER_MEMBER, name="Grace", cohort="cohort-3")
    store.verify("nobody@example.org", PASSWORD)
    assert hasher.verifications == 1
    store.verify(MEMBER, "wrong password!!")
    assert hasher.verifications == 2
    # Invited, no password chosen yet: refused, in the same time.
    assert store.verify(OTHER_MEMBER, "") is None
    assert hasher.verifications == 3


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


def test_reset_changes_the_password(accounts):
    accounts.reset_password(MEMBER, "a brand new password")
    assert accounts.verify(MEMBER, PASSWORD) is None
    assert accounts.verify(MEMBER, "a brand new password")


def test_changes_by_another_process_are_seen_at_once(accounts, database_url, fast_hasher):
    other = AccountStore(open_storage(database_url), fast_hasher)
    try:
        other.add("grace@example.org", "another long password")
        assert accounts.list() == [MEMBER, "grace@example.org"]
        other.remove(MEMBER)
        assert accounts.verify(MEMBER, PASSWORD) is None
    finally:
        other.storage.close()


def test_production_defaults_are_argon2_cffis(storage):
    store = AccountStore(storage)
    defaults = PasswordHasher()
    assert store._hasher.time_cost == defaults.time_cost
    assert store._hasher.memory_cost == defaults.memory_cost


# -- the old JSON accounts file ------------------------------------------------------------


def _old_accounts_file(tmp_path, fast_hasher):
    path = tmp_path / "old" / "members.json"
    path.parent.mkdir()
    members = {
        MEMBER: {"password_hash": fast_hasher.hash(PASSWORD), "session_epoch": "e1"},
        OTHER_MEMBER.upper(): {"password_hash": fast_hasher.hash(OTHER_PASSWORD), "session_epoch": "e2"},
    }
    path.write_text(json.dumps({"version": 1, "members": members}))
    return path


def test_old_accounts_file_is_imported_once_losing_no_one(tmp_path, storage, fast_hasher, caplog):
    path = _old_accounts_file(tmp_path, fast_hasher)
    with caplog.at_level(logging.WARNING, logger="leadingtrusts.gateway"):
        assert import_accounts_file(storage, path) == 2
    store = AccountStore(storage, fast_hasher)
    # The same passwords work: the hashes came across unchanged.
    assert store.verify(MEMBER, PASSWORD)
    assert store.verify(OTHER_MEMBER, OTHER_PASSWORD)
    assert not path.exists()
    renamed = path.with_name("members.json.imported")
    assert json.loads(renamed.read_text())["members"][MEMBER]["session_epoch"] == "e1"
    assert f"imported 2 of 2 members from accounts file {path}" in caplog.text
    # Put back by mistake: not imported again over later changes.
    store.reset_password(MEMBER, "changed since the import")
    renamed.rename(path)
    assert import_accounts_file(storage, path) is None
    assert store.verify(MEMBER, "changed since the import")


def test_import_gives_an_invited_member_their_old_password(tmp_path, storage, fast_hasher):
    storage.add_invited_member(MEMBER, name="Ada Lovelace", cohort="cohort-3")
    import_accounts_file(storage, _old_accounts_file(tmp_path, fast_hasher))
    member = storage.get_member(MEMBER)
    assert member.name == "Ada Lovelace"
    assert AccountStore(storage, fast_hasher).verify(MEMBER, PASSWORD)


def test_import_names_who_was_skipped_and_why(tmp_path, storage, fast_hasher, caplog):
    storage.add_member(OTHER_MEMBER, fast_hasher.hash("chosen since"), name="Grace")
    with caplog.at_level(logging.WARNING, logger="leadingtrusts.gateway"):
        assert import_accounts_file(storage, _old_accounts_file(tmp_path, fast_hasher)) == 1
    assert "imported 1 of 2 members" in caplog.text
    assert f"skipped {OTHER_MEMBER}, who already had a password in the database" in caplog.text
    assert AccountStore(storage, fast_hasher).verify(OTHER_MEMBER, "chosen since")


def test_unreadable_old_file_is_a_clear_error(tmp_path, storage):
    path = tmp_path / "m.json"
    path.write_text("{not json")
    with pytest.raises(AccountsFileError, match="cannot read accounts file"):
        import_accounts_file(storage, path)
    path.write_text('{"members": {"a@b": {"password_hash": 1}}}')
    with pytest.raises(AccountsFileError, match="expected format"):
        import_accounts_file(storage, path)
    assert storage.list_members() == []


def test_gateway_imports_the_old_file_on_first_start(tmp_path, settings, fast_hasher, audit):
    from starlette.testclient import TestClient

    path = _old_accounts_file(tmp_path, fast_hasher)
    app = create_app(replace(settings, members_file=path))
    try:
        client = TestClient(app, base_url="https://members.example", follow_redirects=False)
        assert login(client).status_code == 303
        assert SECRET_SENTENCE in client.get("/thinkpieces/x/").text
        assert not path.exists()
    finally:
        app.state.storage.close()
    imported = sorted(e["account"] for e in audit.read() if e["event"] == "accounts_imported")
    assert imported == [MEMBER, OTHER_MEMBER]


def test_gateway_refuses_to_start_on_a_corrupt_old_file(tmp_path, settings):
    path = tmp_path / "members.json"
    path.write_text("{corrupted")
    with pytest.raises(GatewayConfigError, match="cannot read accounts file"):
        create_app(replace(settings, members_file=path))
