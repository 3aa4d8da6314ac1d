"""Server-side sessions.

The cookie carries only a random session id; the database keeps its SHA-256
with the member, when it started, when it was last used and from where.
Ending a session deletes its row, so a copied cookie stops working at once
in every gateway process. A session ends after `max_age` seconds whatever
happens, after `idle_timeout` seconds unused, when its member signs out (of
this device or all of them), is removed, gets a new password, or reaches the
end date of their membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .accounts import access_ended
from .storage import ActiveSession, Storage

COOKIE_NAME = "lt_session"
# last_seen is written at most this often per session, so that most page
# fetches cost one indexed read and no write; the idle timeout is exact to
# within this many seconds.
TOUCH_INTERVAL = 60


@dataclass(frozen=True)
class MembershipEnded:
    """The cookie was good, but the member's access ended on `ended_on`."""

    email: str
    ended_on: date


class Sessions:
    def __init__(self, storage: Storage, *, max_age: int, idle_timeout: int) -> None:
        self.storage = storage
        self.max_age = max_age
        self.idle_timeout = idle_timeout

    def start(self, email: str, address: str) -> str:
        """A new session; returns the cookie value."""
        return self.storage.create_session(email, address, max_age=self.max_age)

    def check(self, cookie: str | None) -> ActiveSession | MembershipEnded | None:
        """The session a cookie value belongs to, if it is still good right now.

        A session whose member's access has ended is ended here and reported
        as MembershipEnded, so the page can say why."""
        if not cookie:
            return None
        session = self.storage.active_session(cookie, idle_timeout=self.idle_timeout,
                                              touch_after=TOUCH_INTERVAL)
        if session is not None and access_ended(session.access_ends):
            self.storage.end_sessions(session.email)
            return MembershipEnded(session.email, session.access_ends)  # type: ignore[arg-type]
        return session

    def member(self, cookie: str | None) -> str | None:
        """The signed-in member's email, or None."""
        session = self.check(cookie)
        return session.email if isinstance(session, ActiveSession) else None

    def end(self, cookie: str | None) -> str | None:
        """End this session; return whose it was."""
        return self.storage.end_session(cookie) if cookie else None

    def end_all(self, email: str) -> int:
        return self.storage.end_sessions(email)
