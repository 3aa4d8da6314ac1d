"""The staged context: everything a build of one audience depends on, as plain data.

`page_variables` is what macros.py gives the Markdown pages; `theme_context` is
what the theme templates read (as `config.extra.edition`). Both are plain
functions of the context, so no engine or plugin instance is involved.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any, Literal

from ..site.loading import Cohort, SiteData
from ..site.wording import DeadlineStatus
from ..pages.frontmatter import as_html_text

Audience = Literal["public", "members"]
AUDIENCES: tuple[Audience, ...] = ("public", "members")

# Local defaults: `make serve` and `make build` work with nothing set.
LOCAL_SITE_URL = "https://leadingtrusts.example/"
LOCAL_MEMBERS_URL = "http://127.0.0.1:8001/"


@dataclass(frozen=True)
class Settings:
    """The deployment's addresses, read from the environment."""

    site_url: str = LOCAL_SITE_URL
    members_url: str = LOCAL_MEMBERS_URL

    @classmethod
    def from_env(cls) -> Settings:
        return cls(site_url=_with_slash(os.environ.get("LT_SITE_URL") or LOCAL_SITE_URL),
                   members_url=_with_slash(os.environ.get("LT_MEMBERS_URL") or LOCAL_MEMBERS_URL))


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def build_time(setting: str | None = None) -> dt.datetime:
    """The moment the build treats as now: LT_NOW (ISO 8601, London time when no
    offset) if given, else the clock."""
    from ..site.schema import LONDON

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
    }
