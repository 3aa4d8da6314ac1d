"""What every `members` subcommand takes the same way: the database
(--database, else $LT_DATABASE_URL), an old JSON accounts file to import
into it first (--members-file, else $LT_MEMBERS_FILE) and the audit log
($LT_AUDIT_LOG)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import logs
from .accounts import import_accounts_file
from .audit import AuditLog
from .settings import default_audit_log, default_database_url
from .storage import Storage, StorageError, open_storage, redact


class CommandError(Exception):
    """A one-line reason the command could not do what was asked."""


def store_options() -> argparse.ArgumentParser:
    """A parent parser with --database and --members-file, for the `members`
    group and each of its subcommands."""
    # SUPPRESS lets the options go before or after the subcommand without
    # the subcommand's unset default wiping out the group's value.
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--database", default=argparse.SUPPRESS, metavar="URL",
        help="sqlite:///path or postgresql://... (default: $LT_DATABASE_URL, else a file "
             "under ~/.local/state/leadingtrusts)",
    )
    options.add_argument(
        "--members-file", type=Path, default=argparse.SUPPRESS, metavar="PATH",
        help="an old JSON accounts file to import first (default: $LT_MEMBERS_FILE)",
    )
    return options


def database_url(args: argparse.Namespace) -> str:
    return (getattr(args, "database", None) or os.environ.get("LT_DATABASE_URL", "").strip()
            or default_database_url())


def members_file(args: argparse.Namespace) -> Path | None:
    given = getattr(args, "members_file", None) or os.environ.get("LT_MEMBERS_FILE", "").strip()
    return Path(given).expanduser() if given else None


def audit_log(args: argparse.Namespace) -> AuditLog:
    path = os.environ.get("LT_AUDIT_LOG", "").strip()
    return AuditLog(Path(path).expanduser() if path else default_audit_log(database_url(args)))


def open_command_storage(args: argparse.Namespace) -> Storage:
    """The database the command works on, migrated, with any old accounts
    file imported into it first."""
    url = database_url(args)
    try:
        storage = open_storage(url)
    except StorageError as exc:
        raise CommandError(f"cannot open the database {redact(url)}: {exc}") from None
    old_file = members_file(args)
    if old_file is not None:
        logs.basic_config()  # the import says what it did in a log line
        try:
            import_accounts_file(storage, old_file, audit_log(args).record)
        except BaseException:
            storage.close()
            raise
    return storage
