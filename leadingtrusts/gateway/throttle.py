"""Growing delays after failed sign-ins, kept in the shared database.

Failures are counted per client address and per account-and-address pair,
never per account alone: counting per account would let anyone lock a member
out by guessing wrong five times. So someone guessing a member's password
from elsewhere is slowed down more and more, while the member, signing in
from their own address, is not delayed at all.

After `limit` failures each further attempt from that key must wait
1, 2, 4, 8... seconds after the previous failure, up to `max_delay`; a key
left alone for `window` seconds beyond its wait starts afresh (so even at
the longest wait, a guesser gets one try per max_delay, not a fresh run of
`limit` tries). All gateway processes share the counts through the database.
"""

from __future__ import annotations

import math

from .storage import Storage


class LoginThrottle:
    def __init__(self, storage: Storage, *, pair_limit: int, address_limit: int,
                 max_delay: int, window: int) -> None:
        self.storage = storage
        self.pair_limit = pair_limit
        self.address_limit = address_limit
        self.max_delay = max_delay
        self.window = window

    def begin(self, email: str, address: str) -> int:
        """Seconds to wait before this attempt may be made; 0 means go ahead.

        A permitted attempt is counted as a failure before the password is
        checked (so parallel guesses cannot slip in under the limit), and
        withdrawn by succeeded()."""
        wait = self.storage.begin_attempt(
            [_address_key(address), _pair_key(email, address)], self.delay,
            quiet=self.window, keep_for=self.max_delay + self.window,
        )
        return math.ceil(wait) if wait > 0 else 0

    def succeeded(self, email: str, address: str) -> None:
        self.storage.clear_failures(_pair_key(email, address))
        self.storage.forgive_failure(_address_key(address))

    def delay(self, key: str, failures: int) -> float:
        """Seconds a key with this many failures waits after its last one."""
        limit = self.pair_limit if key.startswith("pair:") else self.address_limit
        if failures < limit:
            return 0
        # Capping the exponent first keeps 2**n small for huge counts.
        return min(2.0 ** min(failures - limit, 32), self.max_delay)


def _address_key(address: str) -> str:
    return f"address:{address}"


def _pair_key(email: str, address: str) -> str:
    return f"pair:{address} {email}"
