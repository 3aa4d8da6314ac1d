"""Signed session cookies.

The cookie carries {email, epoch}, signed and timestamped with the session
key. Nothing is kept server-side, so any number of gateway processes sharing
the key and the accounts file accept each other's sessions. Revocation works
through the accounts file: a session counts only while its account exists and
its epoch is the account's current one.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from .accounts import AccountStore

COOKIE_NAME = "lt_session"
# A salt per purpose, so a CSRF token can never be replayed as a session.
_SALT = "leadingtrusts.gateway.session"


@dataclass(frozen=True)
class Session:
    email: str
    epoch: str


class SessionCodec:
    def __init__(self, secret_key: str, max_age: int) -> None:
        self.max_age = max_age
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)

    def issue(self, email: str, epoch: str) -> str:
        return self._serializer.dumps({"email": email, "epoch": epoch})

    def read(self, token: str | None) -> Session | None:
        """The session in a cookie value, or None if it is forged, altered,
        expired or malformed. Does not consult the accounts file."""
        if not token:
            return None
        try:
            # SignatureExpired is a BadSignature, so expiry lands here too.
            data = self._serializer.loads(token, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        email, epoch = data.get("email"), data.get("epoch")
        if not isinstance(email, str) or not isinstance(epoch, str):
            return None
        return Session(email=email, epoch=epoch)


def signed_in_email(token: str | None, codec: SessionCodec, accounts: AccountStore) -> str | None:
    """The member a cookie value belongs to, if it is still good right now."""
    session = codec.read(token)
    if session is None:
        return None
    current = accounts.current_epoch(session.email)
    if current is None or not hmac.compare_digest(current, session.epoch):
        return None
    return session.email
