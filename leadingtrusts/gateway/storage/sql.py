"""Everything the gateway keeps, in SQL both SQLite and PostgreSQL accept.

The backends (sqlite.py, postgres.py) only say how to connect, how to start
a write transaction and which driver errors mean "unavailable"; every query
lives here, written once with `?` placeholders.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any, Literal

from .model import ActiveSession, Member, NewMember, SessionRecord, StorageError, StorageUnavailable

TokenPurpose = Literal["invite", "reset"]
TOKEN_PURPOSES = ("invite", "reset")
# Shown by `members sessions` and accepted by its --end: long enough to be
# unique among one member's sessions, far too short to forge a cookie.
SHORT_ID_LENGTH = 12
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_MEMBER_COLUMNS = "email, name, cohort, password_hash, access_ends, created_at"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def load_migrations() -> list[Migration]:
    """The numbered files in migrations/, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, _statements(entry.read_text("utf-8"))))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StorageError(f"two migrations share a number: {versions}")
    return found


def _statements(script: str) -> tuple[str, ...]:
    # Our migrations never put a semicolon inside a string, so splitting on
    # them is exact; comments are dropped so empty chunks can be skipped.
    text = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return tuple(chunk.strip() for chunk in text.split(";") if chunk.strip())


def token_hash(raw: str) -> str:
    """What is stored in place of a session id or an emailed token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class SqlStorage:
    """Members, sessions, tokens and sign-in failures in one SQL database.

    Every method is synchronous and opens its own short transaction; a
    connection per thread is kept, so Starlette's thread pool can call in
    concurrently. `clock` (Unix seconds) lets tests move time.
    """

    url: str

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._local = threading.local()
        self._all_connections: list[Any] = []
        self._connections_lock = threading.Lock()

    # -- backend hooks ----------------------------------------------------------

    def _connect(self) -> Any:
        raise NotImplementedError

    def _begin(self, conn: Any) -> contextlib.AbstractContextManager[None]:
        """A write transaction on conn, committed when the block ends."""
        raise NotImplementedError

    def _is_unavailable(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def _sql(self, query: str) -> str:
        return query

    def _before_migrating(self, cur: _Cursor) -> None:
        """Serialise migrations between processes (inside the transaction)."""

    def _lock_keys(self, cur: _Cursor, keys: Sequence[str]) -> None:
        """Serialise transactions on these throttle keys between processes."""

    def _prepare_database(self) -> None:
        """Once per process, before migrating (e.g. SQLite's WAL mode)."""

    # -- connections and transactions ---------------------------------------------

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._connections_lock:
                self._all_connections.append(conn)
        return conn

    def _discard_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._connections_lock:
                if conn in self._all_connections:
                    self._all_connections.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()

    @contextlib.contextmanager
    def _unavailable_as_503(self) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:
            if not self._is_unavailable(exc):
                raise
            # A broken connection is dropped, so the next call reconnects:
            # the gateway recovers as soon as the database is back.
            self._discard_connection()
            raise StorageUnavailable(f"database unavailable: {_one_line(exc)}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[_Cursor]:
        with self._unavailable_as_503():
            conn = self._connection()
            with self._begin(conn):
                yield _Cursor(conn, self._sql)

    @contextlib.contextmanager
    def _read(self) -> Iterator[_Cursor]:
        with self._unavailable_as_503():
            yield _Cursor(self._connection(), self._sql)

    def close(self) -> None:
        with self._connections_lock:
            conns, self._all_connections = self._all_connections, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()

    # -- schema -------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations this database lacks; return their names."""
        migrations = load_migrations()
        known = {m.version for m in migrations}
        with self._unavailable_as_503():
            self._prepare_database()
        with self._write() as cur:
            self._before_migrating(cur)
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at DOUBLE PRECISION NOT NULL)"
            )
            applied = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
            if applied - known:
                raise StorageError(
                    f"the database at {self.url} has schema version {max(applied)}, newer than "
                    f"this gateway understands ({max(known)}); upgrade the gateway"
                )
            done = []
            for migration in migrations:
                if migration.version in applied:
                    continue
                for statement in migration.statements:
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, self.clock()),
                )
                done.append(migration.name)
            return done

    def schema_version(self) -> int:
        with self._read() as cur:
            row = cur.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # -- members ------------------------------------------------------------------

    def get_member(self, email: str) -> Member | None:
        with self._read() as cur:
            row = cur.execute(f"SELECT {_MEMBER_COLUMNS} FROM members WHERE email = ?", (email,)).fetchone()
        return _member(row) if row else None

    def list_members(self) -> list[Member]:
        with self._read() as cur:
            rows = cur.execute(f"SELECT {_MEMBER_COLUMNS} FROM members ORDER BY email").fetchall()
        return [_member(row) for row in rows]

    def add_member(self, email: str, password_hash: str | None, *, name: str = "", cohort: str = "",
                   access_ends: date | None = None) -> bool:
        """Create a member; False (and nothing changed) if the email is taken."""
        with self._write() as cur:
            return self._insert_member(cur, email, password_hash, name, cohort, access_ends)

    def _insert_member(self, cur: _Cursor, email: str, password_hash: str | None, name: str,
                       cohort: str, access_ends: date | None) -> bool:
        cur.execute(
            f"INSERT INTO members ({_MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (email) DO NOTHING",
            (email, name, cohort, password_hash, _iso(access_ends), self.clock()),
        )
        return cur.rowcount == 1

    def add_invited_member(self, email: str, *, name: str = "", cohort: str = "",
                           access_ends: date | None = None) -> Member | None:
        """Create the member without a password, or update their details; what
        they were before (see add_invited_members)."""
        return self.add_invited_members([NewMember(email, name, cohort, access_ends)])[email]

    def add_invited_members(self, rows: Iterable[NewMember | Mapping[str, Any]]) -> dict[str, Member | None]:
        """Create each member without a password, or update their details, all
        in one transaction: all or none.

        An existing member keeps their password, and their end date when the
        row gives none: a spreadsheet with that cell left empty must not quietly
        give back access that was ended. Returns each email's member as it was
        before (None if new), so the caller can say what changed."""
        members = [_new_member(row) for row in rows]
        before: dict[str, Member | None] = {}
        with self._write() as cur:
            for m in members:
                row = cur.execute(f"SELECT {_MEMBER_COLUMNS} FROM members WHERE email = ?",
                                  (m.email,)).fetchone()
                before[m.email] = _member(row) if row else None
                cur.execute(
                    f"INSERT INTO members ({_MEMBER_COLUMNS}) VALUES (?, ?, ?, NULL, ?, ?)"
                    " ON CONFLICT (email) DO UPDATE SET name = excluded.name,"
                    " cohort = excluded.cohort,"
                    " access_ends = COALESCE(excluded.access_ends, members.access_ends)",
                    (m.email, m.name, m.cohort, _iso(m.access_ends), self.clock()),
                )
        return before

    def remove_member(self, email: str) -> bool:
        """Delete a member with their sessions and tokens; False if unknown."""
        with self._write() as cur:
            cur.execute("DELETE FROM sessions WHERE email = ?", (email,))
            cur.execute("DELETE FROM tokens WHERE email = ?", (email,))
            cur.execute("DELETE FROM members WHERE email = ?", (email,))
            return cur.rowcount == 1

    def set_password(self, email: str, password_hash: str) -> None:
        """Store a new password hash, end every session the member has and
        every link still out for them: an older invitation or reset email must
        not choose another password over this one."""
        with self._write() as cur:
            cur.execute("UPDATE members SET password_hash = ? WHERE email = ?", (password_hash, email))
            if cur.rowcount != 1:
                raise StorageError(f"{email} has no account")
            cur.execute("DELETE FROM sessions WHERE email = ?", (email,))
            cur.execute("DELETE FROM tokens WHERE email = ?", (email,))

    def set_access_ends(self, email: str, access_ends: date | None) -> None:
        with self._write() as cur:
            cur.execute("UPDATE members SET access_ends = ? WHERE email = ?", (_iso(access_ends), email))
            if cur.rowcount != 1:
                raise StorageError(f"{email} has no account")

    # -- single-use tokens (invitations, password resets) ---------------------------

    def create_token(self, email: str, purpose: TokenPurpose, ttl: timedelta) -> str:
        """A new single-use token for `email`; only its SHA-256 is stored."""
        if purpose not in TOKEN_PURPOSES:
            raise ValueError(f"unknown token purpose {purpose!r}")
        raw = secrets.token_urlsafe(32)
        now = self.clock()
        with self._write() as cur:
            if cur.execute("SELECT 1 FROM members WHERE email = ?", (email,)).fetchone() is None:
                raise StorageError(f"{email} has no account")
            # Old tokens are useless; clearing them keeps the table small.
            cur.execute("DELETE FROM tokens WHERE expires_at < ?", (now,))
            cur.execute(
                "INSERT INTO tokens (token_hash, email, purpose, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (token_hash(raw), email, purpose, now, now + ttl.total_seconds()),
            )
        return raw

    def consume_token(self, token: str, purpose: TokenPurpose) -> str | None:
        """The token's email, marking it used; None if unknown, used or expired.

        One UPDATE both checks and spends the token, so two requests racing
        with the same link cannot both succeed."""
        if not token:
            return None
        digest, now = token_hash(token), self.clock()
        with self._write() as cur:
            cur.execute(
                "UPDATE tokens SET used_at = ? WHERE token_hash = ? AND purpose = ?"
                " AND used_at IS NULL AND expires_at > ?",
                (now, digest, purpose, now),
            )
            if cur.rowcount != 1:
                return None
            row = cur.execute("SELECT email FROM tokens WHERE token_hash = ?", (digest,)).fetchone()
        return row[0] if row else None

    def peek_token(self, token: str, purpose: TokenPurpose) -> str | None:
        """The email a token would give, without spending it (G2: so the page
        behind an emailed link can say at once that it has expired)."""
        if not token:
            return None
        with self._read() as cur:
            row = cur.execute(
                "SELECT email FROM tokens WHERE token_hash = ? AND purpose = ?"
                " AND used_at IS NULL AND expires_at > ?",
                (token_hash(token), purpose, self.clock()),
            ).fetchone()
        return row[0] if row else None

    # -- sessions -------------------------------------------------------------------

    def create_session(self, email: str, address: str, *, max_age: float) -> str:
        """Start a session; return the random id for the cookie (only its hash is kept)."""
        raw = secrets.token_urlsafe(32)
        now = self.clock()
        with self._write() as cur:
            cur.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            cur.execute(
                "INSERT INTO sessions (id_hash, email, created_at, expires_at, last_seen, address)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_hash(raw), email, now, now + max_age, now, address),
            )
        return raw

    def active_session(self, raw_id: str, *, idle_timeout: float,
                       touch_after: float = 60.0) -> ActiveSession | None:
        """The session behind a cookie, if it has not expired or ended.

        `last_seen` is written at most once per `touch_after` seconds, so
        most page fetches cost one indexed read and no write."""
        if not raw_id:
            return None
        digest, now = token_hash(raw_id), self.clock()
        with self._read() as cur:
            row = cur.execute(
                "SELECT s.email, s.expires_at, s.last_seen, m.access_ends"
                " FROM sessions s JOIN members m ON m.email = s.email WHERE s.id_hash = ?",
                (digest,),
            ).fetchone()
        if row is None:
            return None
        email, expires_at, last_seen, access_ends = row
        if now >= expires_at or now >= last_seen + idle_timeout:
            with self._write() as cur:
                cur.execute("DELETE FROM sessions WHERE id_hash = ?", (digest,))
            return None
        if now - last_seen >= touch_after:
            with self._write() as cur:
                cur.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, digest))
        return ActiveSession(id_hash=digest, email=email, access_ends=_date(access_ends))

    def end_session(self, raw_id: str) -> str | None:
        """End the session behind a cookie; return its member's email, if any."""
        if not raw_id:
            return None
        digest = token_hash(raw_id)
        with self._write() as cur:
            row = cur.execute("SELECT email FROM sessions WHERE id_hash = ?", (digest,)).fetchone()
            cur.execute("DELETE FROM sessions WHERE id_hash = ?", (digest,))
        return row[0] if row else None

    def end_sessions(self, email: str, *, except_id: str | None = None) -> int:
        """End all of a member's sessions, except the one whose cookie value
        is `except_id`; return how many ended."""
        with self._write() as cur:
            if except_id:
                cur.execute("DELETE FROM sessions WHERE email = ? AND id_hash <> ?",
                            (email, token_hash(except_id)))
            else:
                cur.execute("DELETE FROM sessions WHERE email = ?", (email,))
            return max(cur.rowcount, 0)

    def end_session_by_short_id(self, email: str, short_id: str) -> bool:
        """End one session named as `list_sessions` shows it."""
        short_id = short_id.strip().lower()
        if len(short_id) != SHORT_ID_LENGTH or not all(c in "0123456789abcdef" for c in short_id):
            return False
        with self._write() as cur:
            cur.execute("DELETE FROM sessions WHERE email = ? AND id_hash LIKE ?", (email, short_id + "%"))
            return cur.rowcount == 1

    def list_sessions(self, email: str) -> list[SessionRecord]:
        """A member's sessions that have not reached their absolute age, oldest first."""
        with self._read() as cur:
            rows = cur.execute(
                "SELECT id_hash, created_at, last_seen, address FROM sessions"
                " WHERE email = ? AND expires_at > ? ORDER BY created_at",
                (email, self.clock()),
            ).fetchall()
        return [SessionRecord(id=r[0][:SHORT_ID_LENGTH], created_at=_datetime(r[1]),
                              last_seen=_datetime(r[2]), address=r[3]) for r in rows]

    # -- sign-in failures -------------------------------------------------------------

    def begin_attempt(self, keys: Sequence[str], delay: Callable[[str, int], float], *,
                      quiet: float, keep_for: float) -> float:
        """Count a sign-in attempt as a failure against every key, unless one of
        them must still wait; return that wait in seconds (0: go ahead).

        `delay(key, failures)` is how long after its last failure a key with
        that many failures must wait. A key left alone for `quiet` seconds
        beyond its wait starts afresh; rows older than `keep_for` seconds are
        deleted. Checking and counting happen in one transaction, so parallel
        guesses cannot all slip through."""
        with self._write() as cur:
            self._lock_keys(cur, sorted(set(keys)))
            # Read the clock only once the keys are locked: a `now` taken while
            # waiting for the lock can be older than a failure another attempt
            # has just recorded, which would look like a wait still to run.
            now = self.clock()
            cur.execute("DELETE FROM login_failures WHERE last_failure < ?", (now - keep_for,))
            wait = 0.0
            for key in keys:
                row = cur.execute(
                    "SELECT failures, last_failure FROM login_failures WHERE throttle_key = ?", (key,)
                ).fetchone()
                if row is None:
                    continue
                failures, last = row
                pause = delay(key, failures)
                ready_at = last + pause
                if now >= ready_at + quiet:
                    cur.execute("DELETE FROM login_failures WHERE throttle_key = ?", (key,))
                elif pause > 0:
                    wait = max(wait, ready_at - now)
            if wait > 0:
                return wait
            for key in keys:
                cur.execute(
                    "INSERT INTO login_failures (throttle_key, failures, last_failure) VALUES (?, 1, ?)"
                    " ON CONFLICT (throttle_key) DO UPDATE SET"
                    " failures = login_failures.failures + 1, last_failure = excluded.last_failure",
                    (key, now),
                )
            return 0.0

    def forgive_failure(self, key: str) -> None:
        """Withdraw one failure counted by begin_attempt (the attempt succeeded)."""
        with self._write() as cur:
            cur.execute("UPDATE login_failures SET failures = failures - 1 WHERE throttle_key = ?", (key,))
            cur.execute("DELETE FROM login_failures WHERE throttle_key = ? AND failures <= 0", (key,))

    def clear_failures(self, key: str) -> None:
        with self._write() as cur:
            cur.execute("DELETE FROM login_failures WHERE throttle_key = ?", (key,))

    # -- facts about the database ---------------------------------------------------

    def import_password_hashes(self, hashes: Mapping[str, str], *, source: str) -> list[str] | None:
        """Add members with these password hashes, once per `source`.

        Returns the emails added or given their password, or None if `source`
        was imported before. A member already in the database keeps their
        row, and gains the imported hash only if they have none. All in one
        transaction with the record of the import, so a crash half-way leaves
        nothing to clean up."""
        key = f"imported:{source}"
        now = self.clock()
        with self._write() as cur:
            if cur.execute("SELECT 1 FROM gateway_meta WHERE meta_key = ?", (key,)).fetchone():
                return None
            added = []
            for email, password_hash in hashes.items():
                cur.execute(
                    f"INSERT INTO members ({_MEMBER_COLUMNS}) VALUES (?, '', '', ?, NULL, ?)"
                    " ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash"
                    " WHERE members.password_hash IS NULL",
                    (email, password_hash, now),
                )
                if cur.rowcount > 0:
                    added.append(email)
            cur.execute("INSERT INTO gateway_meta (meta_key, meta_value) VALUES (?, ?)",
                        (key, _datetime(self.clock()).isoformat()))
        return added

    def get_meta(self, key: str) -> str | None:
        with self._read() as cur:
            row = cur.execute("SELECT meta_value FROM gateway_meta WHERE meta_key = ?", (key,)).fetchone()
        return row[0] if row else None


class _Cursor:
    """A connection's execute() with `?` placeholders translated for the backend."""

    def __init__(self, conn: Any, translate: Callable[[str], str]) -> None:
        self._conn = conn
        self._translate = translate
        self.rowcount = -1

    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        cursor = self._conn.execute(self._translate(query), tuple(params))
        self.rowcount = cursor.rowcount
        return cursor


def _new_member(row: NewMember | Mapping[str, Any]) -> NewMember:
    if isinstance(row, NewMember):
        return row
    return NewMember(email=row["email"], name=row.get("name") or "", cohort=row.get("cohort") or "",
                     access_ends=row.get("access_ends"))


def _member(row: Sequence[Any]) -> Member:
    email, name, cohort, password_hash, access_ends, created_at = row
    return Member(email=email, name=name, cohort=cohort, password_hash=password_hash,
                  access_ends=_date(access_ends), created_at=_datetime(created_at))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
