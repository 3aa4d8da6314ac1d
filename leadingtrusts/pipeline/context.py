"""The staged context: everything a build of one audience depends on, as plain data.

`page_variables` is what macros.py gives the Markdown pages; `theme_context` is
what the theme templates read (as `config.extra.edition`). Both are plain
functions of the context, so no engine or plugin instance is involved.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import ContentError, Problem
from ..site.loading import Cohort, SiteData, load_file, problems_from_pydantic
from ..site.schema import LONDON, DeploymentFile
from ..site.wording import DeadlineStatus
from ..site.yamlsource import parse_yaml
from ..pages.frontmatter import as_html_text

# The version alias of the newest cohort in a published site; every version's
# canonical addresses point at it.
LATEST = "latest"

Audience = Literal["public", "members"]
AUDIENCES: tuple[Audience, ...] = ("public", "members")

# The deployment's settings live in one file, under content/ with the other
# facts the pages are made from (so copies of the project and the build date
# follow it); each can be overridden by an environment variable, which is how
# the publish workflow passes the repository's variables.
DEPLOYMENT_FILE = "content/deployment.yml"
ENVIRONMENT = {"site_url": "LT_SITE_URL", "members_url": "LT_MEMBERS_URL",
               "contact_email": "LT_CONTACT_EMAIL"}
# Local stand-ins for a setting left empty, so `make serve` and `make build`
# work with nothing set; `make publish` refuses every one of them.
LOCAL_SITE_URL = "https://leadingtrusts.example/"
LOCAL_MEMBERS_URL = "http://127.0.0.1:8001/"
LOCAL_CONTACT_EMAIL = "programme@leadingtrusts.example"
LOCAL = "the local stand-in"


@dataclass(frozen=True)
class Settings:
    """The deployment's addresses, and where each was set (for messages)."""

    site_url: str = LOCAL_SITE_URL
    members_url: str = LOCAL_MEMBERS_URL
    contact_email: str = LOCAL_CONTACT_EMAIL
    # name -> "content/deployment.yml:22", "LT_SITE_URL" or LOCAL
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def load(cls, root: Path, environ: Mapping[str, str] | None = None) -> Settings:
        """content/deployment.yml under `root`, then the LT_* variables of `environ`
        over it; raises ContentError naming file:line or the variable."""
        environ = os.environ if environ is None else environ
        loaded = load_file(Path(root) / DEPLOYMENT_FILE, DeploymentFile)
        values, origins, problems = {}, {}, []
        for name, variable in ENVIRONMENT.items():
            override = environ.get(variable, "").strip()
            if override:
                problems += _variable_problems(name, variable, override)
                values[name], origins[name] = override, variable
            elif getattr(loaded.model, name) is not None:
                at = loaded.source.locate((name,))
                values[name] = getattr(loaded.model, name)
                origins[name] = f"{loaded.source.file}:{at.line}" if at else loaded.source.file
            else:
                origins[name] = LOCAL
        if problems:
            raise ContentError(problems)
        for name in ("site_url", "members_url"):
            if name in values:
                values[name] = _with_slash(values[name])
        return cls(**values, origins=origins)

    def origin(self, name: str) -> str:
        """Where setting `name` came from, for a message."""
        return self.origins.get(name, LOCAL)


def _variable_problems(name: str, variable: str, value: str) -> list[Problem]:
    """What is wrong with `value` given for setting `name` in environment `variable`,
    worded as for the file (the same model checks both)."""
    document = parse_yaml(f"{name}: {json.dumps(value)}\n", variable)
    try:
        DeploymentFile.model_validate(document.data)
    except ValidationError as error:
        return [Problem(f"environment variable {variable}", None, None, "", p.message)
                for p in problems_from_pydantic(error, document.source, DeploymentFile)]
    return []


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def build_time(setting: str | None = None) -> dt.datetime:
    """The moment the build treats as now: LT_NOW (ISO 8601, London time when no
    offset) if given, else the clock."""
    setting = setting if setting is not None else os.environ.get("LT_NOW", "")
    if not setting:
        return dt.datetime.now(LONDON)
    moment = dt.datetime.fromisoformat(setting)
    return moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class StagedContext:
    """One audience's build of one cohort at one moment."""

    site: SiteData
    cohort: Cohort
    audience: Audience
    now: dt.datetime
    settings: Settings
    versioned: bool = False  # a version published with mike, with a version selector

    @property
    def public(self) -> bool:
        return self.audience == "public"

    @property
    def public_root(self) -> str:
        """The absolute address pages are found at for good: the site, or in a published
        site its `latest/` version (mike's `canonical_version`: each version's
        canonical addresses point there)."""
        site_url = self.settings.site_url
        return f"{site_url}{LATEST}/" if self.versioned else site_url

    @property
    def deadline(self) -> DeadlineStatus:
        return DeadlineStatus(self.cohort.deadline, self.now)


def page_variables(context: StagedContext) -> dict[str, Any]:
    """The variables every Markdown page and partial can use."""
    return {
        "programme": context.site.programme,
        "principles": context.site.principles,
        "cohorts": context.site.cohorts,
        "cohort": context.cohort,
        "deadline": context.deadline,
        "audience": context.audience,
        "members_url": context.settings.members_url,
        "contact_email": context.settings.contact_email,
    }


def theme_context(context: StagedContext) -> dict[str, Any]:
    """What the theme's templates read as `config.extra.edition` (texts escaped once)."""
    return {
        "audience": context.audience,
        "cohort_title": as_html_text(context.cohort.title),
        "latest_title": as_html_text(context.site.latest.title),
        "is_latest": context.cohort is context.site.latest,
        "versioned": context.versioned,
        "members_url": context.settings.members_url,
        # Absolute addresses in the <head> (share images) start here. Not
        # config.site_url: mike rewrites that for each version, without its slash.
        "public_root": context.public_root,
    }
