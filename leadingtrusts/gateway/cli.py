"""The `members` command group: manage accounts, run the gateway.

Passwords are never taken from the command line (they would sit in shell
history and in `ps` output): they are typed at a prompt, twice, or piped in
with --password-stdin.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .accounts import AccountError, AccountStore, validate_email, validate_password
from .settings import GatewayConfigError, GatewaySettings


class CommandError(Exception):
    """A one-line reason the command could not do what was asked."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `members` group to a parser's subparsers.

    The group sets both `func` and `run` to the same handler (the two usual
    argparse conventions), so the owning parser dispatches with
    `return args.run(args)` or `args.func(args)`; either returns the exit code.
    """
    # SUPPRESS lets --members-file go before or after the subcommand without
    # the subcommand's unset default wiping out the group's value.
    file_option = argparse.ArgumentParser(add_help=False)
    file_option.add_argument(
        "--members-file", type=Path, default=argparse.SUPPRESS, metavar="PATH",
        help="the accounts file (default: $LT_MEMBERS_FILE)",
    )
    password_option = argparse.ArgumentParser(add_help=False)
    password_option.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from one line of standard input instead of prompting",
    )

    members = subparsers.add_parser(
        "members", parents=[file_option],
        help="manage members' accounts and run the members' gateway",
        description="Manage members' accounts and run the members' gateway.",
    )
    commands = members.add_subparsers(dest="members_command", metavar="COMMAND", required=True)

    add = commands.add_parser("add", parents=[file_option, password_option], help="give someone an account")
    add.add_argument("email")
    commands.add_parser("list", parents=[file_option], help="list members' email addresses")
    remove = commands.add_parser("remove", parents=[file_option],
                                 help="delete an account; its sessions end at once")
    remove.add_argument("email")
    reset = commands.add_parser("reset-password", parents=[file_option, password_option],
                                help="set a new password; existing sessions end")
    reset.add_argument("email")
    serve = commands.add_parser("serve", parents=[file_option],
                                help="run the gateway (settings from LT_* environment variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)

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
    except (CommandError, AccountError, GatewayConfigError) as exc:
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
    if email in store.list():  # checked again under the lock; this spares a prompt
        raise AccountError(f"{email} already has an account")
    store.add(email, _new_password(args))
    print(f"added {email}")
    return 0


def _list(args: argparse.Namespace) -> int:
    for email in _store(args).list():
        print(email)
    return 0


def _remove(args: argparse.Namespace) -> int:
    email = args.email.strip().lower()
    _store(args).remove(email)
    print(f"removed {email}; any session they had has ended")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    store = _store(args)
    email = args.email.strip().lower()
    if email not in store.list():
        raise AccountError(f"{email} has no account")
    store.reset_password(email, _new_password(args))
    print(f"new password set for {email}; their existing sessions have ended")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    _configure_logging()
    env = dict(os.environ)
    if getattr(args, "members_file", None):
        env["LT_MEMBERS_FILE"] = str(args.members_file)
    app = create_app(GatewaySettings.from_env(env))
    # proxy_headers (on by default) trusts X-Forwarded-For/-Proto only from
    # FORWARDED_ALLOW_IPS (default 127.0.0.1), so the throttle sees real
    # client addresses behind a local reverse proxy.
    uvicorn.run(app, host=args.host, port=args.port, server_header=False)
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": _add,
    "list": _list,
    "remove": _remove,
    "reset-password": _reset_password,
    "serve": _serve,
}


# -- helpers ----------------------------------------------------------------


def _store(args: argparse.Namespace) -> AccountStore:
    path = getattr(args, "members_file", None) or os.environ.get("LT_MEMBERS_FILE", "").strip()
    if not path:
        raise CommandError("no accounts file: set LT_MEMBERS_FILE or pass --members-file")
    return AccountStore(Path(path).expanduser())


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
