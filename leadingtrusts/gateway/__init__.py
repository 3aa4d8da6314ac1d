"""The members' gateway: an ASGI app that serves the members' build of the
site only to signed-in members.

Run it with `python -m leadingtrusts.gateway members serve`; manage accounts
with the other `members` subcommands (see cli.py).
"""

from .accounts import AccountError, AccountStore
from .app import create_app
from .settings import GatewayConfigError, GatewaySettings

__all__ = ["AccountError", "AccountStore", "GatewayConfigError", "GatewaySettings", "create_app"]
