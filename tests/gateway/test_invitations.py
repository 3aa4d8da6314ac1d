"""Inviting members from a spreadsheet's CSV, or one at a time: every bad row
reported by line, nothing half-imported, and "not sent" never called sent."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from leadingtrusts.gateway import cli
from leadingtrusts.gateway.accounts import AccountStore
from leadingtrusts.gateway.invitations import Invitee, invitee, read_csv, send_invitations
from leadingtrusts.gateway.mail import Mailer
from leadingtrusts.gateway.storage import open_storage

from .smtp_server import closed_port, link_in, parts, smtp_server_fixture  # noqa: F401

TODAY = dt.date(2026, 5, 1)
COHORTS = {"cohort-2", "cohort-3"}
HEADER = "name,email,cohort,access ends\n"


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "invitations.csv"
    path.write_bytes(text.encode(encoding))
    return path


def problems(tmp_path: Path, text: str, encoding: str = "utf-8") -> list[str]:
    return [str(p) for p in read_csv(write_csv(tmp_path, text, encoding), cohorts=COHORTS, today=TODAY).problems]


# -- reading the CSV ---------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line_number(tmp_path):
    found = problems(tmp_path, HEADER + (
        "Ada Lovelace,ada@example.org,cohort-3,2028-08-01\n"  # 2: good
        "Bob,bob.example.org,cohort-3,\n"                     # 3: no @
        "Cy,cy@example,cohort-3,\n"                           # 4: no domain
        "Di,di@example.org,cohort-3,31/02/2028\n"             # 5: no such day
        "Ed,ed@example.org,cohort-3,next June\n"              # 6: not a date
        "Fay,ADA@example.org,cohort-2,\n"                     # 7: duplicate of line 2
        "Gus,gus@example.org,cohort-9,\n"                     # 8: unknown cohort
        "Hal,hal@example.org,cohort-3,2026-04-30\n"           # 9: already ended
        ",ivy@example.org,cohort-3,\n"                        # 10: no name
        "Jo,jo@example.org,cohort-3,,surplus\n"               # 11: extra value
    ))
    assert [p.split(":")[0] for p in found] == [f"line {n}" for n in range(3, 12)]
    assert "bob.example.org" in found[0] and "@" in found[0]
    assert "cy@example" in found[1]
    assert "31/02/2028" in found[2] and "there is no 31 February 2028" in found[2]
    assert "write it as" not in found[2] and "write it as" in found[3]
    assert "ada@example.org is already on line 2" in found[4]
    assert "cohort-9" in found[5] and "cohort-2, cohort-3" in found[5]
    assert "not in the future" in found[6]


def test_the_header_row_is_required_and_unknown_columns_are_named(tmp_path):
    assert problems(tmp_path, "Ada,ada@example.org,cohort-3\n") == [
        "line 1: the first row must name the columns (name, email, cohort, access ends); "
        "this one looks like a member's details",
    ]
    assert problems(tmp_path, "name,email,phone,cohort\nAda,ada@example.org,0123,cohort-3\n") == [
        "line 1: unknown column 'phone'; the columns are name, email, cohort and (optionally) access ends",
    ]
    assert problems(tmp_path, "Name,Cohort\n") == ["line 1: no email column in the header row"]
    assert problems(tmp_path, "") == [
        "line 1: the file is empty; it needs a header row (name, email, cohort, access ends)"
    ]


def test_excel_csv_with_bom_crlf_uk_dates_quotes_and_blank_rows_is_read(tmp_path):
    text = ("\ufeffName,Email Address,Cohort,Access End Date\r\n"
            "\"Lovelace, Ada\",Ada@Example.org,Cohort 3,01/08/2028\r\n"
            ",,,\r\n"
            "Zoë Brontë,zoe@example.org,3,\r\n")
    result = read_csv(write_csv(tmp_path, text), cohorts=COHORTS, today=TODAY)
    assert result.problems == []
    ada, zoe = (i.member for i in result.invitees)
    assert (ada.name, ada.email, ada.cohort, ada.access_ends) == \
        ("Lovelace, Ada", "ada@example.org", "cohort-3", dt.date(2028, 8, 1))
    assert (zoe.name, zoe.cohort, zoe.access_ends) == ("Zoë Brontë", "cohort-3", None)
    assert [i.line for i in result.invitees] == [2, 4]


def test_excel_plain_csv_in_windows_1252_keeps_accented_names(tmp_path):
    result = read_csv(write_csv(tmp_path, HEADER + "Zoë Brontë,zoe@example.org,cohort-3,\n", "cp1252"),
                      cohorts=COHORTS, today=TODAY)
    assert result.problems == [] and result.invitees[0].member.name == "Zoë Brontë"


def test_line_numbers_count_physical_lines_past_a_quoted_line_break(tmp_path):
    found = problems(tmp_path, HEADER + '"Ada\nLovelace",ada@example.org,cohort-3,\nBob,bob,cohort-3,\n')
    assert found[0].startswith("line 4:")


# -- sending -------------------------------------------------------------------------


def test_invitations_are_stored_and_sent_and_a_member_with_a_password_is_not_reinvited(
        storage, smtp_server, tmp_path):
    accounts = AccountStore(storage, hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024))
    accounts.add("grace@example.org", "an existing long password")
    invitees = [invitee("ada@example.org", name="Ada & <Co>", cohort="cohort-3", cohorts=COHORTS,
                        access_ends="2028-08-01", today=TODAY),
                invitee("grace@example.org", name="Grace", cohort="cohort-3", cohorts=COHORTS)]
    outcomes = send_invitations(storage, Mailer(smtp_server.settings), invitees,
                                members_url="https://members.example/", contact_email="team@example.org",
                                ttl=dt.timedelta(days=7))
    assert [(o.email, o.status) for o in outcomes] == [("ada@example.org", "sent"),
                                                       ("grace@example.org", "not needed")]
    assert "details updated, no invitation needed" in outcomes[1].detail

    ada = storage.get_member("ada@example.org")
    assert (ada.name, ada.cohort, ada.access_ends, ada.password_hash) == \
        ("Ada & <Co>", "cohort-3", dt.date(2028, 8, 1), None)
    assert storage.get_member("grace@example.org").password_hash is not None  # kept

    message = smtp_server.wait_for("ada@example.org")
    token = link_in(message).split("token=")[1]
    assert storage.consume_token(token, "invite") == "ada@example.org"
    assert [str(m["To"]) for m in smtp_server.messages] == ['"Ada & <Co>" <ada@example.org>']


# -- the command ---------------------------------------------------------------------


@pytest.fixture
def command_env(tmp_path, monkeypatch, smtp_server):
    """The environment `members invite` reads, pointing at a fresh SQLite file."""
    database = tmp_path / "gateway.sqlite3"
    for name, value in {
        "LT_DATABASE_URL": f"sqlite:///{database}",
        "LT_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "LT_SMTP_HOST": "127.0.0.1", "LT_SMTP_PORT": str(smtp_server.port), "LT_SMTP_TLS": "none",
        "LT_MAIL_FROM": "team@leadingtrusts.test", "LT_MEMBERS_URL": "https://members.example/",
    }.items():
        monkeypatch.setenv(name, value)
    return database


def run(*argv: str) -> int:
    return cli.main(["members", *argv])


def members_in(database: Path) -> list[str]:
    storage = open_storage(f"sqlite:///{database}")
    try:
        return [m.email for m in storage.list_members()]
    finally:
        storage.close()


def test_invite_one_address_emails_a_link(command_env, smtp_server, capsys):
    assert run("invite", "ada@example.org", "--name", "Ada Lovelace", "--cohort", "cohort-3",
               "--until", "01/08/2028") == 0
    assert "ada@example.org: invitation sent" in capsys.readouterr().out
    text, _ = parts(smtp_server.wait_for("ada@example.org"))
    assert "Dear Ada Lovelace," in text and "https://members.example/set-password?token=" in text
    assert members_in(command_env) == ["ada@example.org"]


def test_a_csv_with_a_bad_row_imports_nothing_and_sends_nothing(command_env, smtp_server, tmp_path, capsys):
    path = write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,\nBob,bob@example,cohort-3,\n")
    assert run("invite", "--csv", str(path)) != 0
    err = capsys.readouterr().err
    assert "line 3:" in err and "bob@example" in err and "nothing was imported" in err
    assert members_in(command_env) == []
    assert smtp_server.messages == []


def test_a_csv_with_partial_imports_the_good_rows_and_still_fails(command_env, smtp_server, tmp_path, capsys):
    path = write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,\nBob,bob@example,cohort-3,\n")
    assert run("invite", "--csv", str(path), "--partial") != 0
    captured = capsys.readouterr()
    assert "line 3:" in captured.err and "line 2: ada@example.org: invitation sent" in captured.out
    assert members_in(command_env) == ["ada@example.org"]
    smtp_server.wait_for("ada@example.org")


def test_smtp_down_is_reported_as_not_sent_with_a_failing_exit_code(command_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LT_SMTP_PORT", str(closed_port()))
    path = write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,\nBob,bob@example.org,cohort-3,\n")
    assert run("invite", "--csv", str(path)) != 0
    captured = capsys.readouterr()
    assert "invitation sent" not in captured.out
    assert "line 2: ada@example.org: not sent" in captured.err
    assert "line 3: bob@example.org: not sent" in captured.err
    assert "0 sent, 2 not sent" in captured.err
    # The members are there, so running the command again sends their invitations.
    assert members_in(command_env) == ["ada@example.org", "bob@example.org"]
    audit = (tmp_path / "audit.jsonl").read_text()
    assert audit.count('"invitation_not_sent"') == 2 and "invitation_sent" not in audit


def test_smtp_settings_are_checked_before_anything_is_imported(command_env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LT_SMTP_TLS", "always")
    assert run("invite", "ada@example.org", "--name", "Ada", "--cohort", "cohort-3") != 0
    assert "LT_SMTP_TLS" in capsys.readouterr().err
    assert members_in(command_env) == []


def test_one_bad_address_on_the_command_line_is_refused(command_env, capsys):
    assert run("invite", "ada@example", "--name", "Ada", "--cohort", "cohort-3") != 0
    assert "ada@example" in capsys.readouterr().err
    assert members_in(command_env) == []


def test_invitee_from_the_command_line_needs_name_and_cohort(command_env, capsys):
    assert run("invite", "ada@example.org") != 0
    assert "--name" in capsys.readouterr().err


def test_blank_lines_still_count_towards_line_numbers(tmp_path):
    result = read_csv(write_csv(tmp_path, HEADER + "\nAda,ada@example.org,cohort-3,\n"),
                      cohorts=COHORTS, today=TODAY)
    assert result.invitees == [Invitee(result.invitees[0].member, 3)]


# -- running the same spreadsheet again ---------------------------------------------


def test_a_row_without_an_end_date_keeps_the_one_the_member_has(command_env, smtp_server, tmp_path, capsys):
    assert run("invite", "--csv", str(write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,01/08/2028\n"))) == 0
    # The same member again, the date cell left empty: her access still ends.
    assert run("invite", "--csv", str(write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,\n"))) == 0
    assert "changed" not in capsys.readouterr().out
    assert end_date_in(command_env, "ada@example.org") == dt.date(2028, 8, 1)
    second = smtp_server.wait_for("ada@example.org", count=2)
    assert "1 August 2028" in parts(second)[0]  # the email gives the date she has


def test_a_changed_end_date_is_said_and_recorded(command_env, smtp_server, tmp_path, capsys):
    assert run("invite", "--csv", str(write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,01/08/2028\n"))) == 0
    capsys.readouterr()
    assert run("invite", "--csv", str(write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,2029-08-01\n"))) == 0
    out = capsys.readouterr().out
    assert "access end date changed from 2028-08-01 to 2029-08-01" in out
    assert end_date_in(command_env, "ada@example.org") == dt.date(2029, 8, 1)
    assert '"access_end_date_changed"' in (tmp_path / "audit.jsonl").read_text()


def test_a_member_with_a_password_is_a_note_not_a_failure(command_env, smtp_server, tmp_path, capsys):
    storage = open_storage(f"sqlite:///{command_env}")
    storage.add_member("grace@example.org", "$argon2id$stand-in", name="Grace", cohort="cohort-3")
    storage.close()
    path = write_csv(tmp_path, HEADER + "Ada,ada@example.org,cohort-3,\nGrace Hopper,grace@example.org,cohort-3,\n")
    assert run("invite", "--csv", str(path)) == 0
    captured = capsys.readouterr()
    assert "line 3: grace@example.org: details updated, no invitation needed" in captured.out
    assert "error" not in captured.err
    assert "1 sent, 0 not sent, 1 already had a password" in captured.out
    smtp_server.wait_for("ada@example.org")
    assert smtp_server.recipients == ["ada@example.org"]


# -- the database, as for every `members` subcommand ----------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_invite_writes_to_the_database_it_is_given(command_env, smtp_server, tmp_path, where):
    other = tmp_path / "elsewhere.sqlite3"
    option = ["--database", f"sqlite:///{other}"]
    invite = ["invite", "ada@example.org", "--name", "Ada", "--cohort", "cohort-3"]
    assert run(*(option + invite if where == "before" else invite + option)) == 0
    assert members_in(other) == ["ada@example.org"]
    assert members_in(command_env) == []


def test_invite_imports_the_old_accounts_file_first(command_env, smtp_server, tmp_path, monkeypatch):
    old = tmp_path / "members.json"
    old.write_text(json.dumps({"version": 1, "members": {
        "grace@example.org": {"password_hash": "$argon2id$stand-in", "session_epoch": "x"}}}))
    monkeypatch.setenv("LT_MEMBERS_FILE", str(old))
    assert run("invite", "ada@example.org", "--name", "Ada", "--cohort", "cohort-3") == 0
    assert members_in(command_env) == ["ada@example.org", "grace@example.org"]
    assert old.with_name("members.json.imported").exists()


def end_date_in(database: Path, email: str) -> dt.date | None:
    storage = open_storage(f"sqlite:///{database}")
    try:
        return storage.get_member(email).access_ends
    finally:
        storage.close()
