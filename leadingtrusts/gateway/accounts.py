"""The members' accounts file: argon2id hashes and session epochs, nothing else.

The file is JSON, kept outside the repository, written only by the `members`
command and read by every gateway process:

    {"version": 1,
     "members": {"ada@example.org": {"password_hash": "$argon2id$...",
                                     "session_epoch": "..."}}}

`session_epoch` is a random token baked into every session cookie; replacing
it (on password reset) makes every cookie issued before that moment invalid.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
# argon2 pre-hashes any length, but there is no reason to accept megabytes.
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL_LENGTH = 254
FILE_VERSION = 1


class AccountError(ValueError):
    """A request the accounts file cannot satisfy; str() is a one-line reason."""


class AccountsFileError(AccountError):
    """The accounts file exists but cannot be understood."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_email(email: str) -> str:
    """Return the normalised email, or raise AccountError.

    Deliberately loose: the file is maintained by the programme team, so this
    only catches typos such as a missing @ or a pasted space.
    """
    email = normalise_email(email)
    local, at, domain = email.partition("@")
    if not at or not local or not domain or "@" in domain:
        raise AccountError(f"{email!r} is not an email address (it needs exactly one @)")
    if any(ch.isspace() for ch in email) or not email.isprintable():
        raise AccountError(f"{email!r} is not an email address (it contains spaces)")
    if len(email) > MAX_EMAIL_LENGTH:
        raise AccountError("that email address is too long")
    return email


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"passwords may have at most {MAX_PASSWORD_LENGTH} characters")
    return password


class AccountStore:
    """Members' accounts in one JSON file, re-read whenever the file changes.

    `hasher` exists so tests can use cheap argon2 parameters; production uses
    argon2-cffi's defaults (argon2id, RFC 9106 low-memory profile).
    """

    def __init__(self, path: Path | str, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self._hasher = hasher or PasswordHasher()
        # Verified against when the account does not exist, so an unknown email
        # costs as much time as a wrong password and timing reveals nothing.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._members: dict[str, dict[str, str]] = {}

    # -- reading -------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, str]]:
        """Current members, from cache unless the file has changed.

        A stat per call is cheap and means a member removed by the command is
        refused on their very next request, with no restart. os.replace gives
        the new file a new inode, so rewrites are noticed even within one
        mtime tick.
        """
        try:
            st = self.path.stat()
        except FileNotFoundError:
            # No file yet means no members: everyone is refused.
            with self._lock:
                self._stamp, self._members = None, {}
            return {}
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._members = _parse(self.path)
                self._stamp = stamp
            return self._members

    def list(self) -> list[str]:
        return sorted(self._load())

    def current_epoch(self, email: str) -> str | None:
        record = self._load().get(normalise_email(email))
        return record["session_epoch"] if record else None

    def verify(self, email: str, password: str) -> bool:
        record = self._load().get(normalise_email(email))
        if record is None or len(password) > MAX_PASSWORD_LENGTH:
            with contextlib.suppress(VerificationError, InvalidHashError):
                self._hasher.verify(self._dummy_hash, password[:MAX_PASSWORD_LENGTH])
            return False
        try:
            return self._hasher.verify(record["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return False

    # -- writing -------------------------------------------------------------

    def add(self, email: str, password: str) -> None:
        email = validate_email(email)
        validate_password(password)
        with self._editing() as members:
            if email in members:
                raise AccountError(f"{email} already has an account")
            members[email] = self._record(password)

    def remove(self, email: str) -> None:
        email = normalise_email(email)
        with self._editing() as members:
            if email not in members:
                raise AccountError(f"{email} has no account")
            del members[email]

    def reset_password(self, email: str, password: str) -> None:
        email = normalise_email(email)
        validate_password(password)
        with self._editing() as members:
            if email not in members:
                raise AccountError(f"{email} has no account")
            # The new epoch ends every session issued under the old password.
            members[email] = self._record(password)

    def _record(self, password: str) -> dict[str, str]:
        return {
            "password_hash": self._hasher.hash(password),
            "session_epoch": secrets.token_urlsafe(16),
        }

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict[str, dict[str, str]]]:
        """Read-modify-write under an exclusive lock, so two commands run at
        once cannot silently undo each other's change."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            members = _parse(self.path) if self.path.exists() else {}
            yield members
            _write_atomically(self.path, {"version": FILE_VERSION, "members": members})
        finally:
            os.close(fd)


def _parse(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AccountsFileError(f"cannot read accounts file {path}: {exc}") from exc
    members = data.get("members") if isinstance(data, dict) else None
    if not isinstance(members, dict) or not all(
        isinstance(r, dict)
        and isinstance(r.get("password_hash"), str)
        and isinstance(r.get("session_epoch"), str)
        for r in members.values()
    ):
        raise AccountsFileError(f"accounts file {path} is not in the expected format")
    return {normalise_email(e): r for e, r in members.items()}


def _write_atomically(path: Path, data: object) -> None:
    # mkstemp creates the file 0600, and os.replace swaps it in whole, so a
    # gateway reading at the same moment sees the old file or the new one,
    # never half of one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
