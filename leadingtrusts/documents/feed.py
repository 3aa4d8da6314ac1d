"""The RSS 2.0 feed of the thinkpieces: titles, summaries, absolute links, newest first."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..pages.frontmatter import as_html_text
from ..site.schema import LONDON
from . import Document

if TYPE_CHECKING:
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Sources

FEED_FILE = "feed_rss_created.xml"
BLOG_URL = "thinkpieces/"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def documents(sources: Sources, context: StagedContext) -> list[Document]:
    """The feed, as one document."""
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=StrictUndefined, keep_trailing_newline=True)
    site_url = context.settings.site_url
    posts = sorted((p for p in sources.pages if p.is_post),
                   key=lambda p: (p.source.meta.date, p.url), reverse=True)
    items = [{
        "title": p.source.meta.title,
        "link": site_url + p.url,
        # A feed reader renders <description> as HTML: the summary goes in as
        # escaped HTML (and the template escapes that again for XML).
        "summary_html": as_html_text(p.source.meta.summary),
        "date": _rfc822(p.source.meta.date),
        "authors": [sources.authors.get(a, a) for a in p.source.meta.authors],
        "categories": list(p.source.meta.categories),
        "members_only": p.source.members_only,
    } for p in posts]
    text = environment.get_template("feed.xml").render(
        title=f"{sources.site.programme.name}: Thriving Trusts thinkpieces",
        link=site_url + BLOG_URL, self_link=site_url + FEED_FILE,
        description=sources.engine_config.get("site_description", ""),
        updated=items[0]["date"] if items else None, items=items)
    return [Document("feed", FEED_FILE, text.encode("utf-8"))]


def _rfc822(day: dt.date) -> str:
    """A post's date as RSS writes it (midnight, London time)."""
    return format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=LONDON))
