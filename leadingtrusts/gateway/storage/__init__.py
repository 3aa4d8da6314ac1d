"""Where the gateway keeps members, sessions, single-use tokens and sign-in
failures: SQLite on one host, PostgreSQL across several, behind one interface.

    storage = open_storage("sqlite:////var/lib/leadingtrusts/gateway.sqlite3")
    storage = open_storage("postgresql://gateway@db.internal/leadingtrusts")

open_storage applies any pending migrations (storage/migrations/NNNN_*.sql)
before returning. Every method raises StorageUnavailable when the database
cannot be reached or stays locked; the gateway turns that into a 503.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .model import ActiveSession, Member, NewMember, SessionRecord, StorageError, StorageUnavailable
from .sql import SHORT_ID_LENGTH, SqlStorage, TokenPurpose, token_hash

Storage = SqlStorage

__all__ = [
    "SHORT_ID_LENGTH", "ActiveSession", "Member", "NewMember", "SessionRecord", "Storage",
    "StorageError", "StorageUnavailable", "TokenPurpose", "open_storage", "token_hash",
]


def open_storage(url: str, *, clock: Callable[[], float] = time.time, migrate: bool = True) -> Storage:
    """The storage at `url` (sqlite:///... or postgresql://...), migrated."""
    scheme = url.partition(":")[0].lower()
    storage: Storage
    if scheme == "sqlite":
        from .sqlite import SqliteStorage

        storage = SqliteStorage(url, clock)
    elif scheme in ("postgresql", "postgres"):
        # Imported only when used, so SQLite deployments never load psycopg.
        from .postgres import PostgresStorage

        storage = PostgresStorage(url, clock)
    else:
        raise StorageError(
            f"unsupported database URL {redact(url)!r}: use sqlite:///absolute/path.sqlite3 "
            "or postgresql://user@host/dbname"
        )
    if migrate:
        try:
            storage.migrate()
        except BaseException:
            storage.close()
            raise
    return storage


def redact(url: str) -> str:
    """The URL without any password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"
