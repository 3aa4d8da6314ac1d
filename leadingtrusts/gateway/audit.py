"""The audit log: one JSON line per security-relevant event.

    {"time": "2026-05-01T09:30:00.123456+00:00", "event": "sign_in",
     "account": "ada@example.org", "address": "203.0.113.9"}

Only those four fields ever appear, so no password or token can reach the
log by accident. Several gateway processes may share one file: each line is
written with a single O_APPEND write, which POSIX keeps whole.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger("leadingtrusts.gateway")

# The events the gateway records, for readers of the log. Other snake_case
# names are accepted so a new feature can add its own.
EVENTS = frozenset({
    "sign_in",
    "sign_in_failed",
    "sign_in_throttled",
    "sign_in_membership_ended",
    "sign_out",
    "sign_out_everywhere",
    "session_ended_by_team",
    "membership_ended",
    "member_added",
    "member_removed",
    "access_end_date_changed",
    "password_reset_requested",
    "password_reset",
    "password_set",
    "password_set_by_team",
    "invitation_sent",
    "invitation_not_sent",
    "reset_not_sent",
    "host_refused",
    "accounts_imported",
})
_EVENT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class AuditLog:
    """Appends events to `path`; with path None, records nothing (tests, tools)."""

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()

    def record(self, event: str, *, account: str | None = None, address: str | None = None) -> None:
        if not _EVENT_NAME.fullmatch(event):
            raise ValueError(f"audit events are snake_case names, not {event!r}")
        if self.path is None:
            return
        line = json.dumps(
            {"time": datetime.now(UTC).isoformat(), "event": event, "account": account, "address": address},
            ensure_ascii=False,
        ) + "\n"
        try:
            with self._lock:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode("utf-8"))
                finally:
                    os.close(fd)
        except OSError as exc:
            # Losing an audit line must not lock members out; the operator
            # sees why in the gateway's log.
            logger.error("cannot write audit log %s: %s (event %s)", self.path, exc, event)

    def read(self) -> list[dict[str, str | None]]:
        """Every event recorded so far (for tests and the command line)."""
        if self.path is None or not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines() if line.strip()]
