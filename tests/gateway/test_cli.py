"""The `members` command group."""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import subprocess
import sys

import pytest

from leadingtrusts.gateway import AccountStore, cli

from .conftest import ROOT


@pytest.fixture
def members_file(tmp_path, monkeypatch, fast_hasher):
    monkeypatch.setattr(cli, "AccountStore", functools.partial(AccountStore, hasher=fast_hasher))
    path = tmp_path / "private" / "members.json"
    monkeypatch.setenv("LT_MEMBERS_FILE", str(path))
    return path


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_remove_reset(members_file, monkeypatch, capsys, fast_hasher):
    code, out, err = run(monkeypatch, capsys, "members", "add", "Ada@Example.org", "--password-stdin",
                         stdin="a long enough password\n")
    assert (code, err) == (0, "")
    assert "ada@example.org" in out
    run(monkeypatch, capsys, "members", "add", "grace@example.org", "--password-stdin",
        stdin="another long password\n")

    code, out, _ = run(monkeypatch, capsys, "members", "list")
    assert code == 0
    assert out.splitlines() == ["ada@example.org", "grace@example.org"]

    store = AccountStore(members_file, fast_hasher)
    assert store.verify("ada@example.org", "a long enough password")
    epoch = store.current_epoch("ada@example.org")
    code, _, _ = run(monkeypatch, capsys, "members", "reset-password", "ada@example.org",
                     "--password-stdin", stdin="the replacement password\n")
    assert code == 0
    assert store.verify("ada@example.org", "the replacement password")
    assert not store.verify("ada@example.org", "a long enough password")
    assert store.current_epoch("ada@example.org") != epoch

    code, _, _ = run(monkeypatch, capsys, "members", "remove", "grace@example.org")
    assert code == 0
    assert store.list() == ["ada@example.org"]
    assert "a long enough password" not in members_file.read_text()


def _one_line_error(code: int, err: str, words: str) -> None:
    assert code == 2
    assert err.startswith("error: ")
    assert words in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_duplicate_add_is_a_one_line_error(members_file, monkeypatch, capsys):
    run(monkeypatch, capsys, "members", "add", "ada@example.org", "--password-stdin",
        stdin="a long enough password\n")
    code, _, err = run(monkeypatch, capsys, "members", "add", "ADA@example.org", "--password-stdin",
                       stdin="a long enough password\n")
    _one_line_error(code, err, "already has an account")


def test_remove_unknown_is_a_one_line_error(members_file, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "remove", "nobody@example.org")
    _one_line_error(code, err, "has no account")


def test_reset_unknown_is_a_one_line_error(members_file, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "reset-password", "nobody@example.org",
                       "--password-stdin", stdin="a long enough password\n")
    _one_line_error(code, err, "has no account")


def test_short_password_is_a_one_line_error(members_file, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "ada@example.org", "--password-stdin",
                       stdin="short\n")
    _one_line_error(code, err, "at least 12")
    assert not members_file.exists()


def test_bad_email_is_a_one_line_error(members_file, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "not-an-email", "--password-stdin",
                       stdin="a long enough password\n")
    _one_line_error(code, err, "exactly one @")


def test_empty_stdin_is_a_one_line_error(members_file, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "ada@example.org", "--password-stdin")
    _one_line_error(code, err, "no password")


def test_without_a_terminal_the_prompt_is_not_attempted(members_file, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "members", "add", "ada@example.org",
                       stdin="a long enough password\n")
    _one_line_error(code, err, "--password-stdin")


def test_prompt_asks_twice_and_checks_they_match(members_file, monkeypatch, capsys, fast_hasher):
    answers = iter(["a long enough password", "a long enough password"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", tty)
    assert cli.main(["members", "add", "ada@example.org"]) == 0
    assert AccountStore(members_file, fast_hasher).verify("ada@example.org", "a long enough password")

    answers = iter(["first long password", "second long password"])
    code = cli.main(["members", "reset-password", "ada@example.org"])
    _, err = capsys.readouterr()
    _one_line_error(code, err, "do not match")


def test_password_is_not_accepted_on_the_command_line(members_file, monkeypatch, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["members", "add", "ada@example.org", "--password", "a long enough password"])
    assert info.value.code == 2


def test_members_file_option_overrides_the_environment(members_file, tmp_path, monkeypatch, capsys):
    other = tmp_path / "elsewhere.json"
    code, _, _ = run(monkeypatch, capsys, "members", "add", "ada@example.org", "--members-file",
                     str(other), "--password-stdin", stdin="a long enough password\n")
    assert code == 0
    assert other.exists() and not members_file.exists()
    code, out, _ = run(monkeypatch, capsys, "members", "--members-file", str(other), "list")
    assert out.splitlines() == ["ada@example.org"]


def test_no_accounts_file_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.delenv("LT_MEMBERS_FILE", raising=False)
    code, _, err = run(monkeypatch, capsys, "members", "list")
    _one_line_error(code, err, "LT_MEMBERS_FILE")


def test_corrupt_accounts_file_is_a_one_line_error(members_file, monkeypatch, capsys):
    members_file.parent.mkdir(parents=True)
    members_file.write_text("{oops")
    code, _, err = run(monkeypatch, capsys, "members", "list")
    _one_line_error(code, err, "cannot read accounts file")


def test_serve_without_a_session_key_is_a_one_line_error(members_file, site, monkeypatch, capsys):
    monkeypatch.setenv("LT_MEMBERS_SITE", str(site.root))
    monkeypatch.delenv("LT_SESSION_KEY", raising=False)
    monkeypatch.delenv("LT_GATEWAY_MODE", raising=False)
    code, _, err = run(monkeypatch, capsys, "members", "serve")
    _one_line_error(code, err, "LT_SESSION_KEY")


def test_serve_runs_uvicorn_with_host_and_port(members_file, site, monkeypatch, capsys):
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


def test_register_plugs_into_someone_elses_parser(members_file, monkeypatch, capsys):
    parser = argparse.ArgumentParser(prog="leadingtrusts")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build")
    cli.register(sub)
    args = parser.parse_args(["members", "list"])
    assert args.func(args) == 0
    assert args.run(args) == 0


def test_project_cli_dispatches_to_the_members_group(members_file, monkeypatch, capsys):
    project_cli = pytest.importorskip("leadingtrusts.cli")
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert project_cli.main(["members", "add", "ada@example.org", "--password-stdin"]) == 0
    assert project_cli.main(["members", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ada@example.org"


def test_standalone_module_runs(tmp_path):
    path = tmp_path / "members.json"
    env = {**os.environ, "LT_MEMBERS_FILE": str(path), "PYTHONPATH": str(ROOT)}
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
    assert "$argon2id$" in json.loads(path.read_text())["members"]["ada@example.org"]["password_hash"]
    result = subprocess.run(
        [sys.executable, "-m", "leadingtrusts.gateway", "members", "remove", "nobody@example.org"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "error: nobody@example.org has no account\n"
