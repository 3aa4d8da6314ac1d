"""What the storage hands back: plain frozen records, no database handles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


class StorageError(Exception):
    """A request the database cannot satisfy; str() is a one-line reason."""


class StorageUnavailable(StorageError):
    """The database cannot be reached or is locked right now; try again later.

    The gateway answers 503 and lets nobody in while this is raised."""


@dataclass(frozen=True)
class Member:
    email: str
    name: str
    cohort: str
    # None while an invited member has not yet chosen a password.
    password_hash: str | None
    # The first day without access; None means no end date.
    access_ends: date | None
    created_at: datetime


@dataclass(frozen=True)
class NewMember:
    """One invited member, as a row of the programme team's spreadsheet."""

    email: str
    name: str = ""
    cohort: str = ""
    access_ends: date | None = None


@dataclass(frozen=True)
class SessionRecord:
    """A member's session as `members sessions` lists it."""

    # The first characters of the stored hash: enough to name one session,
    # useless for forging a cookie.
    id: str
    created_at: datetime
    last_seen: datetime
    address: str


@dataclass(frozen=True)
class ActiveSession:
    """The session a cookie belongs to, still within its time limits."""

    id_hash: str
    email: str
    access_ends: date | None
