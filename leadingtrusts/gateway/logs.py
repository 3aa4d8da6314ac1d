"""The gateway's log lines: shown with level and logger name under uvicorn,
and never carrying an emailed link's token.

Uvicorn configures only its own loggers, so without a handler of ours the
gateway's INFO lines (sign-ins, reset links sent) would vanish and its
warnings would print bare. Its access log writes every request line, query
string included, and `GET /set-password?token=...` is a live link to choose
a member's password: a filter rewrites the token before any handler sees it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

# The gateway's own lines, and everything the `leadingtrusts` package logs.
GATEWAY_LOGGER = "leadingtrusts.gateway"
PACKAGE_LOGGER = "leadingtrusts"
# Uvicorn writes one line per request here ('GET /path?query HTTP/1.1').
ACCESS_LOGGER = "uvicorn.access"
# Like uvicorn's own lines ("INFO:     Started server process"), plus whose line it is.
LOG_FORMAT = "%(levelname)s:     %(name)s: %(message)s"
REDACTED = "[redacted]"
# token=..., csrf_token=... and their percent-encoded forms, up to the next
# separator of a query string, a quoted header or a log line.
_TOKEN_VALUE = re.compile(r"(token(?:=|%3D))[^&\s\"';,]+", re.IGNORECASE)


def redact_tokens(text: str) -> str:
    """`text` with the value of every token= parameter replaced."""
    return _TOKEN_VALUE.sub(rf"\g<1>{REDACTED}", text)


class RedactTokens(logging.Filter):
    """Rewrites token values in a record's message and arguments, in place.

    The arguments keep their shape, because uvicorn's AccessFormatter unpacks
    them (client, method, path, HTTP version, status) to build its line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True


def _redacted(value: object) -> object:
    return redact_tokens(value) if isinstance(value, str) else value


def install_redaction() -> None:
    """Keep tokens out of uvicorn's access log and the gateway's own lines.

    Filters on the loggers themselves, so they hold whatever handlers a
    deployment's log configuration attaches (uvicorn's dictConfig keeps them)."""
    for name in (ACCESS_LOGGER, GATEWAY_LOGGER):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
            logger.addFilter(RedactTokens())


def ensure_handler() -> None:
    """Show the package's INFO lines on stderr, unless logging is set up already.

    Left alone when anything up the hierarchy has a handler (`members serve`'s
    basicConfig, a deployment's log configuration, pytest), so no line is
    written twice."""
    package = logging.getLogger(PACKAGE_LOGGER)
    if package.hasHandlers():
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactTokens())
    package.addHandler(handler)
    if package.level == logging.NOTSET:
        package.setLevel(logging.INFO)


def basic_config() -> None:
    """INFO lines to stderr in LOG_FORMAT, for the `members` commands and the demo."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
