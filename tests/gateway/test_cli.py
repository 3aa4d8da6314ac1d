"""The `members` command group (run against both database backends)."""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from leadingtrusts.gateway import AccountStore, cli
from leadingtrusts.gateway.audit import AuditLog
from leadingtrusts.gateway.storage import open_storage

from .conftest import ROOT


@pytest.fixture
def database(database_url, tmp_path, monkeypatch, fast_hasher):
    """The database the command uses (via LT_DATABASE_URL); yields a store on it."""
    monkeypatch.setattr(cli, "AccountStore", functools.partial(AccountStore, hasher=fast_hasher))
    monkeypatch.setenv("LT_DATABASE_URL", database_url)
    monkeypatch.setenv("LT_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("LT_MEMBERS_FILE", raising=False)
    storage = open_storage(database_url)
    yield AccountStore(storage, fast_hasher)
    storage.close()


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_remove_reset(database, monkeypatch, capsys, tmp_path):
    code, out, err = run(monkeypatch, capsys, "members", "add", "Ada@Example.org", "--password-stdin",
                         stdin="a long enough password\n")
    assert (code, err) == (0, "")
    assert "ada@example.org" in out
    run(monkeypatch, capsys, "members", "add", "grace@example.org", "--password-stdin",
        stdin="another long password\n")
    database.storage.add_invited_member("linus@example.org", cohort="cohort-3")

    code, out, _ = run(monkeypatch, capsys, "members", "list")
    assert code == 0
    assert out.splitlines() == ["ada@example.org  active", "grace@example.org  active",
                                "linus@example.org  cohort-3  invited, no password yet"]

    store = database
    assert store.verify("ada@example.org", "a long enough password")
    session = store.storage.create_session("ada@example.org", "203.0.113.1", max_age=3600)
    code, _, _ = run(monkeypatch, capsys, "members", "reset-password", "ada@example.org",
                     "--password-stdin", stdin="the replacement password\n")
    assert code == 0
    assert store.verify("ada@example.org", "the replacement password")
    assert not store.verify("ada@example.org", "a long enough password")
    assert store.storage.active_session(session, idle_timeout=3600) is None

    code, _, _ = run(monkeypatch, capsys, "members", "remove", "grace@example.org")
    assert code == 0
    assert store.list() == ["ada@example.org", "linus@example.org"]
    events = [(e["event"], e["account"]) for e in AuditLog(tmp_path / "audit.jsonl").read()]
    assert events == [("member_added", "ada@example.org"), ("member_added", "grace@example.org"),
                      ("password_set_by_team", "ada@example.org"), ("member_removed", "grace@example.org")]
    assert "a long enough password" not in (tmp_path / "audit.jsonl").read_text()


def test_sessions_are_listed_and_ended(database, monkeypatch, capsys):
    database.add("ada@example.org", "a long enough password")
    storage = database.storage
    laptop = storage.create_session("ada@example.org", "203.0.113.1", max_age=3600)
    phone = storage.create_session("ada@example.org", "198.51.100.2", max_age=3600)
    code, out, _ = run(monkeypatch, capsys, "members", "sessions", "ADA@example.org")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 and "from 203.0.113.1" in lines[0] and "from 198.51.100.2" in lines[1]
    assert "started" in lines[0] and "last seen" in lines[0]
    assert laptop not in out and phone not in out
    first_id = lines[0].split()[0]

    code, out, _ = run(monkeypatch, capsys, "members", "sessions", "ada@example.org", "--end", first_id)
    assert code == 0
    assert storage.active_session(laptop, idle_timeout=3600) is None
    assert storage.active_session(phone, idle_timeout=3600) is not None

    code, _, err = run(monkeypatch, capsys, "members", "sessions", "ada@example.org", "--end", first_id)
    _one_line_error(code, err, "has no session")

    code, out, _ = run(monkeypatch, capsys, "members", "sessions", "ada@example.org", "--end")
    assert (code, out) == (0, "ended 1 session of ada@example.org\n")
    assert storage.active_session(phone, idle_timeout=3600) is None
    code, out, _ = run(monkeypatch, capsys, "members", "sessions", "ada@example.org")
    assert out == "ada@example.org has no sessions\n"


def test_sessions_of_an_unknown_member_is_a_one_line_error(database, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "sessions", "nobody@example.org")
    _one_line_error(code, err, "has no account")


def test_end_date_is_set_and_cleared(database, monkeypatch, capsys):
    database.add("ada@example.org", "a long enough password")
    code, out, _ = run(monkeypatch, capsys, "members", "end-date", "ada@example.org", "2027-07-31")
    assert (code, out) == (0, "ada@example.org: access ends on 2027-07-31\n")
    assert str(database.get("ada@example.org").access_ends) == "2027-07-31"
    code, _, _ = run(monkeypatch, capsys, "members", "end-date", "ada@example.org", "none")
    assert code == 0 and database.get("ada@example.org").access_ends is None
    code, _, err = run(monkeypatch, capsys, "members", "end-date", "ada@example.org", "31/07/27")
    _one_line_error(code, err, "is not a date")


def test_end_date_takes_the_forms_a_spreadsheet_uses(database, monkeypatch, capsys):
    database.add("ada@example.org", "a long enough password")
    code, out, _ = run(monkeypatch, capsys, "members", "end-date", "ada@example.org", "01/08/2028 00:00")
    assert (code, out) == (0, "ada@example.org: access ends on 2028-08-01\n")
    code, _, err = run(monkeypatch, capsys, "members", "end-date", "ada@example.org", "31/02/2027")
    _one_line_error(code, err, "there is no 31 February 2027")
    assert str(database.get("ada@example.org").access_ends) == "2028-08-01"


def test_team_commands_that_change_access_are_audited(database, monkeypatch, capsys, tmp_path):
    database.add("ada@example.org", "a long enough password")
    database.storage.create_session("ada@example.org", "203.0.113.1", max_age=3600)
    for command in (["end-date", "ada@example.org", "2028-08-01"], ["end-date", "ada@example.org", "none"],
                    ["sessions", "ada@example.org", "--end"]):
        assert run(monkeypatch, capsys, "members", *command)[0] == 0
    events = [(e["event"], e["account"]) for e in AuditLog(tmp_path / "audit.jsonl").read()]
    assert events == [("access_end_date_changed", "ada@example.org"),
                      ("access_end_date_changed", "ada@example.org"),
                      ("session_ended_by_team", "ada@example.org")]


def test_list_shows_names_and_whose_access_has_ended(database, monkeypatch, capsys):
    storage = database.storage
    storage.add_member("ada@example.org", "$argon2id$x", name="Ada Lovelace", cohort="cohort-3",
                       access_ends=date(2099, 8, 1))
    storage.add_member("bob@example.org", "$argon2id$x", name="Bob", cohort="cohort-2",
                       access_ends=date(2020, 8, 1))
    storage.add_invited_member("cy@example.org", name="Cy", cohort="cohort-2", access_ends=date(2020, 8, 1))
    code, out, _ = run(monkeypatch, capsys, "members", "list")
    assert code == 0
    assert out.splitlines() == [
        "ada@example.org  Ada Lovelace  cohort-3  access ends 2099-08-01  active",
        "bob@example.org  Bob  cohort-2  access ended 2020-08-01  ended",
        "cy@example.org  Cy  cohort-2  access ended 2020-08-01  ended",
    ]


def test_a_password_set_by_the_team_ends_the_links_still_out(database, monkeypatch, capsys):
    database.storage.add_invited_member("ada@example.org")
    invitation = database.storage.create_token("ada@example.org", "invite", timedelta(days=7))
    code, _, _ = run(monkeypatch, capsys, "members", "reset-password", "ada@example.org",
                     "--password-stdin", stdin="a long enough password\n")
    assert code == 0
    assert database.storage.consume_token(invitation, "invite") is None


def _one_line_error(code: int, err: str, words: str) -> None:
    assert code == 2
    assert err.startswith("error: ")
    assert words in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_duplicate_add_is_a_one_line_error(database, monkeypatch, capsys):
    run(monkeypatch, capsys, "members", "add", "ada@example.org", "--password-stdin",
        stdin="a long enough password\n")
    code, _, err = run(monkeypatch, capsys, "members", "add", "ADA@example.org", "--password-stdin",
                       stdin="a long enough password\n")
    _one_line_error(code, err, "already has an account")


def test_remove_unknown_is_a_one_line_error(database, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "remove", "nobody@example.org")
    _one_line_error(code, err, "has no account")


def test_reset_unknown_is_a_one_line_error(database, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "reset-password", "nobody@example.org",
                       "--password-stdin", stdin="a long enough password\n")
    _one_line_error(code, err, "has no account")


def test_short_password_is_a_one_line_error(database, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "ada@example.org", "--password-stdin",
                       stdin="short\n")
    _one_line_error(code, err, "at least 12")
    assert database.list() == []


def test_bad_email_is_a_one_line_error(database, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "not-an-email", "--password-stdin",
                       stdin="a long enough password\n")
    _one_line_error(code, err, "exactly one @")


def test_empty_stdin_is_a_one_line_error(database, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "ada@example.org", "--password-stdin")
    _one_line_error(code, err, "no password")


def test_without_a_terminal_the_prompt_is_not_attempted(database, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "ada@example.org",
                       stdin="a long enough password\n")
    _one_line_error(code, err, "--password-stdin")


def test_prompt_asks_twice_and_checks_they_match(database, monkeypatch, capsys, fast_hasher):
    answers = iter(["a long enough password", "a long enough password"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", tty)
    assert cli.main(["members", "add", "ada@example.org"]) == 0
    assert database.verify("ada@example.org", "a long enough password")

    answers = iter(["first long password", "second long password"])
    code = cli.main(["members", "reset-password", "ada@example.org"])
    _, err = capsys.readouterr()
    _one_line_error(code, err, "do not match")


def test_password_is_not_accepted_on_the_command_line(database, monkeypatch, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["members", "add", "ada@example.org", "--password", "a long enough password"])
    assert info.value.code == 2


def test_database_option_overrides_the_environment(database, tmp_path, monkeypatch, capsys):
    other = f"sqlite://{tmp_path / 'elsewhere.sqlite3'}"
    code, _, _ = run(monkeypatch, capsys, "members", "add", "ada@example.org", "--database",
                     other, "--password-stdin", stdin="a long enough password\n")
    assert code == 0
    assert database.list() == []
    code, out, _ = run(monkeypatch, capsys, "members", "--database", other, "list")
    assert out.splitlines() == ["ada@example.org  active"]


def test_old_accounts_file_is_imported_by_the_first_command(database, tmp_path, monkeypatch, capsys,
                                                             fast_hasher):
    old = tmp_path / "members.json"
    old.write_text(json.dumps({"version": 1, "members": {
        "ada@example.org": {"password_hash": fast_hasher.hash("a long enough password"),
                            "session_epoch": "x"}}}))
    code, out, _ = run(monkeypatch, capsys, "members", "--members-file", str(old), "list")
    assert (code, out) == (0, "ada@example.org  active\n")
    assert database.verify("ada@example.org", "a long enough password")
    assert not old.exists() and old.with_name("members.json.imported").exists()
    events = [(e["event"], e["account"]) for e in AuditLog(tmp_path / "audit.jsonl").read()]
    assert events == [("accounts_imported", "ada@example.org")]


def test_unreachable_database_is_a_one_line_error(monkeypatch, capsys, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("LT_DATABASE_URL", f"sqlite://{blocker / 'db.sqlite3'}")
    code, _, err = run(monkeypatch, capsys, "members", "list")
    _one_line_error(code, err, "cannot open the database")


def test_corrupt_accounts_file_is_a_one_line_error(database, tmp_path, monkeypatch, capsys):
    old = tmp_path / "members.json"
    old.write_text("{oops")
    monkeypatch.setenv("LT_MEMBERS_FILE", str(old))
    code, _, err = run(monkeypatch, capsys, "members", "list")
    _one_line_error(code, err, "cannot read accounts file")


def test_serve_without_a_session_key_is_a_one_line_error(database, site, monkeypatch, capsys):
    monkeypatch.setenv("LT_MEMBERS_SITE", str(site.root))
    monkeypatch.delenv("LT_SESSION_KEY", raising=False)
    monkeypatch.delenv("LT_GATEWAY_MODE", raising=False)
    code, _, err = run(monkeypatch, capsys, "members", "serve")
    _one_line_error(code, err, "LT_SESSION_KEY")


def test_serve_runs_uvicorn_with_host_and_port(database, site, monkeypatch, capsys):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("LT_MEMBERS_SITE", str(site.root))
    monkeypatch.setenv("LT_SESSION_KEY", "x" * 40)
    code, _, _ = run(monkeypatch, capsys, "members", "serve", "--port", "9123")
    assert code == 0
    (app, kwargs), = calls
    assert kwargs["host"] == "127.0.0.1" and kwargs["port"] == 9123
    assert app.state.settings.site_dir == site.root


def test_register_plugs_into_someone_elses_parser(database, monkeypatch, capsys):
    parser = argparse.ArgumentParser(prog="leadingtrusts")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build")
    cli.register(sub)
    args = parser.parse_args(["members", "list"])
    assert args.func(args) == 0
    assert args.run(args) == 0


def test_project_cli_dispatches_to_the_members_group(database, monkeypatch, capsys):
    project_cli = pytest.importorskip("leadingtrusts.cli")
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert project_cli.main(["members", "add", "ada@example.org", "--password-stdin"]) == 0
    assert project_cli.main(["members", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ada@example.org  active"


def test_standalone_module_runs(tmp_path):
    path = tmp_path / "gateway.sqlite3"
    env = {**os.environ, "LT_DATABASE_URL": f"sqlite://{path}", "PYTHONPATH": str(ROOT),
           "LT_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    env.pop("LT_MEMBERS_FILE", None)
    for module in ("leadingtrusts.gateway.cli", "leadingtrusts.gateway"):
        result = subprocess.run([sys.executable, "-m", module, "members", "list"],
                                capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    result = subprocess.run(
        [sys.executable, "-m", "leadingtrusts.gateway", "members", "add", "ada@example.org",
         "--password-stdin"],
        input="a long enough password\n", capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    storage = open_storage(f"sqlite://{path}")
    assert storage.get_member("ada@example.org").password_hash.startswith("$argon2id$")
    storage.close()
    result = subprocess.run(
        [sys.executable, "-m", "leadingtrusts.gateway", "members", "remove", "nobody@example.org"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "error: nobody@example.org has no account\n"
