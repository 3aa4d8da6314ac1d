"""Every option of the leadingtrusts MkDocs plugin, with its type and default."""

from __future__ import annotations

import datetime as dt

from mkdocs.config.base import Config
from mkdocs.config.config_options import Choice, Type


class LeadingTrustsConfig(Config):
    # Data: where the validated YAML lives, and which cohort this build shows.
    # During `mike deploy` the version being built names the cohort instead.
    content_dir = Type(str, default="content")
    cohort = Type(str, default="latest")

    # Audience: the public build never reads member-only text; the members'
    # build holds everything.
    audience = Choice(("public", "members"), default="public")
    members_dir = Type(str, default="members")
    thinkpieces_dir = Type(str, default="thinkpieces/posts")
    more_marker = Type(str, default="<!-- more -->")
    members_url = Type(str, default="http://127.0.0.1:8001/")

    # Time: the moment the build treats as now (ISO 8601, Europe/London when
    # no offset); empty means the clock. Deadline wording depends on it.
    # (A value read with !ENV arrives already parsed as a datetime.)
    now = Type((str, dt.datetime), default="")

    # Checks run on every build.
    leak_check = Type(bool, default=True)
