"""PostgreSQL backend, for gateways on several hosts sharing one database.

One connection per thread, opened on first use and dropped on any
connection-level error, so the gateway recovers on the very next request
after the server returns. (psycopg_pool would add background reconnection
with back-off, i.e. a slower and less predictable recovery, for no gain at
the gateway's few dozen threads.)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from .model import StorageError
from .sql import SqlStorage, _Cursor

# Seconds before an unreachable server or a held lock counts as unavailable.
DEFAULT_CONNECT_TIMEOUT = 5
LOCK_TIMEOUT_MS = 5000
STATEMENT_TIMEOUT_MS = 10000
# Any constant: the key of the advisory lock held while migrating.
_MIGRATION_LOCK = 0x4C54_6777


def conninfo(url: str) -> str:
    """The URL with a connect_timeout, unless it already has one."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise StorageError(f"{url!r} is not a PostgreSQL URL")
    query = dict(parse_qsl(parts.query))
    query.setdefault("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT))
    return urlunsplit(parts._replace(query=urlencode(query)))


class PostgresStorage(SqlStorage):
    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.url = url
        self._conninfo = conninfo(url)

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            self._conninfo,
            autocommit=True,
            options=f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS}",
        )

    def _sql(self, query: str) -> str:
        # Our queries never contain a literal ? or %.
        return query.replace("?", "%s")

    @contextlib.contextmanager
    def _begin(self, conn: psycopg.Connection[Any]) -> Iterator[None]:
        with conn.transaction():
            yield

    def _before_migrating(self, cur: _Cursor) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))

    def _lock_keys(self, cur: _Cursor, keys: Sequence[str]) -> None:
        # Rows that do not exist yet cannot be locked with FOR UPDATE, so two
        # parallel guesses lock the keys themselves (sorted: no deadlock).
        for key in keys:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (key,))

    def _is_unavailable(self, exc: BaseException) -> bool:
        # OperationalError covers refused connections, a server shutting
        # down, lock and statement timeouts; InterfaceError a closed connection.
        return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))
