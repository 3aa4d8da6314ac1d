"""SQLite backend: one file on this host, shared safely by several processes.

WAL mode lets readers carry on while one process writes; busy_timeout makes
a writer wait its turn instead of failing at once. Write transactions start
with BEGIN IMMEDIATE so two processes never both read, then both try to
upgrade to writing (which SQLite would refuse with "database is locked").
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .model import StorageError
from .sql import SqlStorage

# How long a write waits for another process's write before the request
# gives up with 503. Writes here take milliseconds.
DEFAULT_BUSY_TIMEOUT = 5.0


def parse_sqlite_url(url: str) -> tuple[Path, float]:
    """sqlite:///var/lib/x.sqlite3[?timeout=SECONDS] -> (/var/lib/x.sqlite3, timeout).

    The path is always absolute (a relative one would depend on the working
    directory of whichever process opens it); four slashes mean the same."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or parts.path.strip("/") == "":
        raise StorageError(f"{url!r} is not a SQLite URL; expected sqlite:///absolute/path.sqlite3")
    path = Path("/" + unquote(parts.path).lstrip("/"))
    query = parse_qs(parts.query)
    try:
        timeout = float(query.get("timeout", [DEFAULT_BUSY_TIMEOUT])[0])
    except ValueError as exc:
        raise StorageError(f"timeout in {url!r} must be a number of seconds") from exc
    return path, timeout


class SqliteStorage(SqlStorage):
    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.url = url
        self.path, self.busy_timeout = parse_sqlite_url(url)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; _begin says when.
        # check_same_thread=False only so close() may run on another thread;
        # each connection is used by the one thread that opened it.
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                               check_same_thread=False)
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)
        conn.execute("PRAGMA foreign_keys = ON")
        # Safe with WAL: a power cut may lose the last commit, never corrupt.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _prepare_database(self) -> None:
        # Persistent, so once per file is enough; repeating it is a no-op.
        self._connection().execute("PRAGMA journal_mode = WAL")

    @contextlib.contextmanager
    def _begin(self, conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.rollback()
            raise
        conn.commit()

    # _before_migrating and _lock_keys need nothing: BEGIN IMMEDIATE already
    # holds the database's one write lock.

    def _is_unavailable(self, exc: BaseException) -> bool:
        # "database is locked", "unable to open database file", "disk I/O
        # error", a directory that cannot be created: all mean try later.
        # Programming errors are not Operational.
        return isinstance(exc, (sqlite3.OperationalError, OSError))
