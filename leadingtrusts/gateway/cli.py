"""The `members` command group: manage accounts and sessions, run the gateway.

Passwords are never taken from the command line (they would sit in shell
history and in `ps` output): they are typed at a prompt, twice, or piped in
with --password-stdin. Usually the team types none at all: `members invite`
emails each member a link to choose their own.

The database is $LT_DATABASE_URL (or --database); an old JSON accounts file
($LT_MEMBERS_FILE or --members-file) is imported into it on first use.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import invite_command
from .accounts import (
    AccountError,
    AccountStore,
    import_accounts_file,
    normalise_email,
    validate_email,
    validate_password,
)
from .audit import AuditLog
from .settings import GatewayConfigError, GatewaySettings, default_audit_log, default_database_url
from .storage import Member, StorageError, open_storage, redact


class CommandError(Exception):
    """A one-line reason the command could not do what was asked."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `members` group to a parser's subparsers.

    The group sets both `func` and `run` to the same handler (the two usual
    argparse conventions), so the owning parser dispatches with
    `return args.run(args)` or `args.func(args)`; either returns the exit code.
    """
    # SUPPRESS lets the options go before or after the subcommand without
    # the subcommand's unset default wiping out the group's value.
    store_options = argparse.ArgumentParser(add_help=False)
    store_options.add_argument(
        "--database", default=argparse.SUPPRESS, metavar="URL",
        help="sqlite:///path or postgresql://... (default: $LT_DATABASE_URL, else a file "
             "under ~/.local/state/leadingtrusts)",
    )
    store_options.add_argument(
        "--members-file", type=Path, default=argparse.SUPPRESS, metavar="PATH",
        help="an old JSON accounts file to import first (default: $LT_MEMBERS_FILE)",
    )
    password_option = argparse.ArgumentParser(add_help=False)
    password_option.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from one line of standard input instead of prompting",
    )

    members = subparsers.add_parser(
        "members", parents=[store_options],
        help="manage members' accounts and run the members' gateway",
        description="Manage members' accounts and run the members' gateway.",
    )
    commands = members.add_subparsers(dest="members_command", metavar="COMMAND", required=True)

    add = commands.add_parser("add", parents=[store_options, password_option],
                              help="give someone an account with a password you type "
                                   "(prefer `invite`, which lets them choose it)")
    add.add_argument("email")
    commands.add_parser("list", parents=[store_options],
                        help="list members: email, cohort, end date, invited or active")
    remove = commands.add_parser("remove", parents=[store_options],
                                 help="delete an account; its sessions end at once")
    remove.add_argument("email")
    reset = commands.add_parser("reset-password", parents=[store_options, password_option],
                                help="set a new password; existing sessions end")
    reset.add_argument("email")
    sessions = commands.add_parser(
        "sessions", parents=[store_options],
        help="list a member's sessions (started, last seen, from where), or end them",
    )
    sessions.add_argument("email")
    sessions.add_argument("--end", nargs="?", const="all", metavar="ID",
                          help="end the session with this ID (as listed), or all of them without one")
    end_date = commands.add_parser(
        "end-date", parents=[store_options],
        help="set the first day a member no longer has access (YYYY-MM-DD), or `none`",
    )
    end_date.add_argument("email")
    end_date.add_argument("date", help="YYYY-MM-DD, or none for no end")
    serve = commands.add_parser("serve", parents=[store_options],
                                help="run the gateway (settings from LT_* environment variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    invite_command.register(commands, [])  # G2: invitations by email (invite_command.py)

    members.set_defaults(func=run, run=run)
    return members


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m leadingtrusts.gateway",
        description="LeadingTrusts members' gateway.",
    )
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def run(args: argparse.Namespace) -> int:
    try:
        return _COMMANDS[args.members_command](args)
    except (CommandError, AccountError, GatewayConfigError, StorageError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except (KeyboardInterrupt, EOFError):
        print(file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


# -- commands ---------------------------------------------------------------


def _add(args: argparse.Namespace) -> int:
    store = _store(args)
    email = validate_email(args.email)
    if store.get(email):  # checked again when adding; this spares a prompt
        raise AccountError(f"{email} already has an account")
    store.add(email, _new_password(args))
    _audit(args).record("member_added", account=email)
    print(f"added {email}")
    return 0


def _list(args: argparse.Namespace) -> int:
    for member in _store(args).members():
        print(_describe(member))
    return 0


def _remove(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    _store(args).remove(email)
    _audit(args).record("member_removed", account=email)
    print(f"removed {email}; any session they had has ended")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    store = _store(args)
    email = normalise_email(args.email)
    if store.get(email) is None:
        raise AccountError(f"{email} has no account")
    store.reset_password(email, _new_password(args))
    _audit(args).record("password_set_by_team", account=email)
    print(f"new password set for {email}; their existing sessions have ended")
    return 0


def _sessions(args: argparse.Namespace) -> int:
    store = _store(args)
    email = normalise_email(args.email)
    if store.get(email) is None:
        raise AccountError(f"{email} has no account")
    storage = store.storage
    if args.end == "all":
        ended = storage.end_sessions(email)
        _audit(args).record("session_ended_by_team", account=email)
        print(f"ended {ended} session{'s' if ended != 1 else ''} of {email}")
        return 0
    if args.end:
        if not storage.end_session_by_short_id(email, args.end):
            raise CommandError(f"{email} has no session {args.end!r}; `members sessions {email}` lists them")
        _audit(args).record("session_ended_by_team", account=email)
        print(f"ended session {args.end} of {email}")
        return 0
    records = storage.list_sessions(email)
    if not records:
        print(f"{email} has no sessions")
    for record in records:
        print(f"{record.id}  started {_when(record.created_at)}  last seen {_when(record.last_seen)}"
              f"  from {record.address or 'an unknown address'}")
    return 0


def _end_date(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    text = args.date.strip().lower()
    try:
        ends = None if text == "none" else date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{args.date!r} is not a date: use YYYY-MM-DD, or none") from None
    _store(args).set_access_ends(email, ends)
    print(f"{email}: access ends on {ends.isoformat()}" if ends else f"{email}: access has no end date")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .addresses import UVICORN_OPTIONS
    from .app import create_app

    _configure_logging()
    env = dict(os.environ)
    if getattr(args, "members_file", None):
        env["LT_MEMBERS_FILE"] = str(args.members_file)
    if getattr(args, "database", None):
        env["LT_DATABASE_URL"] = args.database
    app = create_app(GatewaySettings.from_env(env))
    # X-Forwarded-* count only from LT_TRUSTED_PROXIES (addresses.py), not
    # from uvicorn's default of any local peer.
    uvicorn.run(app, host=args.host, port=args.port, **UVICORN_OPTIONS)
    return 0


# One entry per subcommand (its parser is added in register()).
_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": _add,
    "list": _list,
    "remove": _remove,
    "reset-password": _reset_password,
    "sessions": _sessions,
    "end-date": _end_date,
    "serve": _serve,
    "invite": invite_command.run,
}


# -- helpers ----------------------------------------------------------------


def database_url(args: argparse.Namespace) -> str:
    return (getattr(args, "database", None) or os.environ.get("LT_DATABASE_URL", "").strip()
            or default_database_url())


def _store(args: argparse.Namespace) -> AccountStore:
    url = database_url(args)
    try:
        storage = open_storage(url)
    except StorageError as exc:
        raise CommandError(f"cannot open the database {redact(url)}: {exc}") from None
    members_file = getattr(args, "members_file", None) or os.environ.get("LT_MEMBERS_FILE", "").strip()
    if members_file:
        _configure_logging()  # the import says what it did in a log line
        import_accounts_file(storage, Path(members_file).expanduser())
    return AccountStore(storage)


def _audit(args: argparse.Namespace) -> AuditLog:
    path = os.environ.get("LT_AUDIT_LOG", "").strip()
    return AuditLog(Path(path).expanduser() if path else default_audit_log(database_url(args)))


def _describe(member: Member) -> str:
    parts = [member.email]
    if member.cohort:
        parts.append(member.cohort)
    if member.access_ends:
        parts.append(f"access ends {member.access_ends.isoformat()}")
    parts.append("invited, no password yet" if member.password_hash is None else "active")
    return "  ".join(parts)


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("no password on standard input")
        return validate_password(password)
    if not sys.stdin.isatty():
        raise CommandError("cannot prompt for a password without a terminal; use --password-stdin")
    password = validate_password(getpass.getpass("New password: "))
    if getpass.getpass("Type it again: ") != password:
        raise CommandError("the two passwords do not match")
    return password


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")


if __name__ == "__main__":
    raise SystemExit(main())
