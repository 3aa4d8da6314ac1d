"""The deployment's addresses (members' site, public site, contact email) for
the gateway: the same content/deployment.yml and LT_* variables the site build
reads, so the gateway's emails and pages agree with the built pages."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import ContentError
from ..pipeline.context import DEPLOYMENT_FILE, ENVIRONMENT, LOCAL, Settings

# The checkout the gateway runs from; deployments without content/ rely on
# the LT_* variables alone.
REPOSITORY = Path(__file__).resolve().parents[2]


class DeploymentError(ValueError):
    """content/deployment.yml or an LT_* address is wrong; str() says where."""


def load_deployment(environ: Mapping[str, str], root: Path = REPOSITORY) -> Settings:
    """content/deployment.yml under `root` with LT_* overrides; DeploymentError if invalid."""
    try:
        if (root / DEPLOYMENT_FILE).is_file():
            return Settings.load(root, environ)
        values = {name: environ[var].strip() for name, var in ENVIRONMENT.items()
                  if environ.get(var, "").strip()}
        for name in ("site_url", "members_url"):
            if name in values and not values[name].endswith("/"):
                values[name] += "/"
        return Settings(**values, origins={name: ENVIRONMENT[name] for name in values})
    except ContentError as error:
        raise DeploymentError(" ".join(str(error).split())) from None


def is_stand_in(settings: Settings, name: str) -> bool:
    """True if setting `name` is the local stand-in, not a real address."""
    return settings.origin(name) == LOCAL
