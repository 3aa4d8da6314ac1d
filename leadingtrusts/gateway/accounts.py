"""Members' accounts: validation, argon2id hashing and membership end dates,
on top of the database (storage/).

Before the database, accounts lived in a JSON file (LT_MEMBERS_FILE):

    {"version": 1,
     "members": {"ada@example.org": {"password_hash": "$argon2id$...",
                                     "session_epoch": "..."}}}

import_accounts_file() copies such a file into the database once, keeping
every hash, and renames it so nobody goes on editing a file nothing reads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .storage import Member, Storage, StorageError

logger = logging.getLogger("leadingtrusts.gateway")

MIN_PASSWORD_LENGTH = 12
# argon2 pre-hashes any length, but there is no reason to accept megabytes.
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL_LENGTH = 254
# Membership dates are the programme's dates, and the programme is in England.
PROGRAMME_TIMEZONE = ZoneInfo("Europe/London")
IMPORTED_SUFFIX = ".imported"


class AccountError(ValueError):
    """A request the accounts cannot satisfy; str() is a one-line reason."""


class AccountsFileError(AccountError):
    """The old JSON accounts file exists but cannot be understood."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_email(email: str) -> str:
    """Return the normalised email, or raise AccountError.

    Deliberately loose: addresses are typed by the programme team, so this
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


def programme_today() -> date:
    return datetime.now(PROGRAMME_TIMEZONE).date()


def access_ended(access_ends: date | None, today: date | None = None) -> bool:
    """True from the end date on: access_ends is the first day without access."""
    return access_ends is not None and (today or programme_today()) >= access_ends


class AccountStore:
    """Members' accounts in the database, with passwords hashed by argon2.

    `hasher` exists so tests can use cheap argon2 parameters; production uses
    argon2-cffi's defaults (argon2id, RFC 9106 low-memory profile).
    """

    def __init__(self, storage: Storage, hasher: PasswordHasher | None = None) -> None:
        self.storage = storage
        self._hasher = hasher or PasswordHasher()
        # Verified against when the account does not exist (or has no
        # password yet), so an unknown email costs as much time as a wrong
        # password and timing reveals nothing.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    # -- reading -------------------------------------------------------------

    def list(self) -> list[str]:
        return [member.email for member in self.storage.list_members()]

    def members(self) -> list[Member]:
        return self.storage.list_members()

    def get(self, email: str) -> Member | None:
        return self.storage.get_member(normalise_email(email))

    def verify(self, email: str, password: str) -> Member | None:
        """The member, if the password is theirs; None otherwise, in the same time."""
        member = self.get(email)
        if member is None or member.password_hash is None or len(password) > MAX_PASSWORD_LENGTH:
            with contextlib.suppress(VerificationError, InvalidHashError):
                self._hasher.verify(self._dummy_hash, password[:MAX_PASSWORD_LENGTH])
            return None
        try:
            self._hasher.verify(member.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return member

    def hash_password(self, password: str) -> str:
        """The argon2 hash to store for a new password (validated first)."""
        return self._hasher.hash(validate_password(password))

    # -- writing -------------------------------------------------------------

    def add(self, email: str, password: str, *, name: str = "", cohort: str = "",
            access_ends: date | None = None) -> None:
        email = validate_email(email)
        if not self.storage.add_member(email, self.hash_password(password), name=name,
                                       cohort=cohort, access_ends=access_ends):
            raise AccountError(f"{email} already has an account")

    def remove(self, email: str) -> None:
        """Delete the account; its sessions end at once."""
        email = normalise_email(email)
        if not self.storage.remove_member(email):
            raise AccountError(f"{email} has no account")

    def reset_password(self, email: str, password: str) -> None:
        """Set a new password; every existing session of the member ends."""
        email = normalise_email(email)
        password_hash = self.hash_password(password)
        try:
            self.storage.set_password(email, password_hash)
        except StorageError as exc:
            raise AccountError(str(exc)) from None

    def set_access_ends(self, email: str, access_ends: date | None) -> None:
        try:
            self.storage.set_access_ends(normalise_email(email), access_ends)
        except StorageError as exc:
            raise AccountError(str(exc)) from None


# -- the old JSON accounts file ---------------------------------------------------


def read_accounts_file(path: Path) -> dict[str, str]:
    """email -> password hash from an old accounts file; AccountsFileError if unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AccountsFileError(f"cannot read accounts file {path}: {exc}") from exc
    members = data.get("members") if isinstance(data, dict) else None
    if not isinstance(members, dict) or not all(
        isinstance(r, dict) and isinstance(r.get("password_hash"), str) for r in members.values()
    ):
        raise AccountsFileError(f"accounts file {path} is not in the expected format")
    return {normalise_email(email): record["password_hash"] for email, record in members.items()}


def import_accounts_file(storage: Storage, path: Path,
                         record: Callable[..., None] | None = None) -> int | None:
    """Copy an old accounts file into the database, once; then rename it.

    Returns how many members were added, or None if there was nothing to do.
    Each one added is recorded as `accounts_imported` with `record` (an
    AuditLog's record). Safe with several processes starting at once: the
    import is recorded in the same transaction, keyed by the file's absolute path.
    """
    if not path.exists():
        return None
    hashes = read_accounts_file(path)
    added = storage.import_password_hashes(hashes, source=str(path.resolve()))
    imported = path.with_name(path.name + IMPORTED_SUFFIX)
    if added is None:
        logger.warning("accounts file %s was imported into the database before; it is ignored "
                       "(manage members with the `members` command)", path)
        return None
    if record is not None:
        for email in added:
            record("accounts_imported", account=email)
    try:
        path.rename(imported)
        where = f"renamed to {imported}"
    except OSError as exc:
        where = f"left in place (cannot rename it: {exc.strerror})"
    # The only members not added are those with a password in the database
    # already (import_password_hashes keeps it).
    skipped = sorted(set(hashes) - set(added))
    not_added = (f"; skipped {', '.join(skipped)}, who already had a password in the database"
                 if skipped else "")
    logger.warning("imported %d of %d members from accounts file %s into the database%s; "
                   "the file was %s", len(added), len(hashes), path, not_added, where)
    return len(added)
