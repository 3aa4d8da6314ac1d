"""The `members` command group: manage accounts and sessions, run the gateway.

Passwords are never taken from the command line (they would sit in shell
history and in `ps` output): they are typed at a prompt, twice, or piped in
with --password-stdin. Usually the team types none at all: `members invite`
emails each member a link to choose their own.

Every subcommand takes its database the same way (command_options.py):
--database, else $LT_DATABASE_URL; an old JSON accounts file (--members-file
or $LT_MEMBERS_FILE) is imported into it on first use.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from . import invite_command, logs
from .accounts import (
    AccountError,
    AccountStore,
    access_ended,
    normalise_email,
    validate_email,
    validate_password,
)
from .command_options import CommandError, audit_log, open_command_storage, store_options
from .dates import EndDateError, parse_end_date
from .settings import GatewayConfigError, GatewaySettings
from .storage import Member, StorageError


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `members` group to a parser's subparsers.

    The group sets both `func` and `run` to the same handler (the two usual
    argparse conventions), so the owning parser dispatches with
    `return args.run(args)` or `args.func(args)`; either returns the exit code.
    """
    store = store_options()
    password_option = argparse.ArgumentParser(add_help=False)
    password_option.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from one line of standard input instead of prompting",
    )

    members = subparsers.add_parser(
        "members", parents=[store],
        help="manage members' accounts and run the members' gateway",
        description="Manage members' accounts and run the members' gateway.",
    )
    commands = members.add_subparsers(dest="members_command", metavar="COMMAND", required=True)

    add = commands.add_parser("add", parents=[store, password_option],
                              help="give someone an account with a password you type "
                                   "(prefer `invite`, which lets them choose it)")
    add.add_argument("email")
    commands.add_parser("list", parents=[store],
                        help="list members: email, name, cohort, end date, and invited, active or ended")
    remove = commands.add_parser("remove", parents=[store],
                                 help="delete an account; its sessions end at once")
    remove.add_argument("email")
    reset = commands.add_parser("reset-password", parents=[store, password_option],
                                help="set a new password; existing sessions end")
    reset.add_argument("email")
    sessions = commands.add_parser(
        "sessions", parents=[store],
        help="list a member's sessions (started, last seen, from where), or end them",
    )
    sessions.add_argument("email")
    sessions.add_argument("--end", nargs="?", const="all", metavar="ID",
                          help="end the session with this ID (as listed), or all of them without one")
    end_date = commands.add_parser(
        "end-date", parents=[store],
        help="set the first day a member no longer has access, or `none`",
    )
    end_date.add_argument("email")
    end_date.add_argument("date", help="2028-08-01 or 01/08/2028 (day first), or none for no end")
    serve = commands.add_parser("serve", parents=[store],
                                help="run the gateway (settings from LT_* environment variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    invite_command.register(commands, [store])  # invitations by email (invite_command.py)

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
    audit_log(args).record("member_added", account=email)
    print(f"added {email}")
    return 0


def _list(args: argparse.Namespace) -> int:
    for member in _store(args).members():
        print(_describe(member))
    return 0


def _remove(args: argparse.Namespace) -> int:
    email = normalise_email(args.email)
    _store(args).remove(email)
    audit_log(args).record("member_removed", account=email)
    print(f"removed {email}; any session they had has ended")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    store = _store(args)
    email = normalise_email(args.email)
    if store.get(email) is None:
        raise AccountError(f"{email} has no account")
    store.reset_password(email, _new_password(args))
    audit_log(args).record("password_set_by_team", account=email)
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
        audit_log(args).record("session_ended_by_team", account=email)
        print(f"ended {ended} session{'s' if ended != 1 else ''} of {email}")
        return 0
    if args.end:
        if not storage.end_session_by_short_id(email, args.end):
            raise CommandError(f"{email} has no session {args.end!r}; `members sessions {email}` lists them")
        audit_log(args).record("session_ended_by_team", account=email)
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
    text = args.date.strip()
    try:
        ends = None if text.lower() == "none" else parse_end_date(text)
    except EndDateError as error:
        raise CommandError(str(error)) from None
    _store(args).set_access_ends(email, ends)
    audit_log(args).record("access_end_date_changed", account=email)
    print(f"{email}: access ends on {ends.isoformat()}" if ends else f"{email}: access has no end date")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .addresses import UVICORN_OPTIONS
    from .app import create_app

    logs.basic_config()
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


def _store(args: argparse.Namespace) -> AccountStore:
    return AccountStore(open_command_storage(args))


def _describe(member: Member) -> str:
    parts = [member.email]
    if member.name:
        parts.append(member.name)
    if member.cohort:
        parts.append(member.cohort)
    ended = access_ended(member.access_ends)
    if member.access_ends:
        parts.append(f"access {'ended' if ended else 'ends'} {member.access_ends.isoformat()}")
    if ended:
        parts.append("ended")
    else:
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


if __name__ == "__main__":
    raise SystemExit(main())
