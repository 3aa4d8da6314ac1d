"""The RSS 2.0 feed of the thinkpieces: the newest pieces, each with its public preview.

Each item's description is the piece's public preview (the text above its
`<!-- more -->` line) rendered as the page renders it: the same macros, then
the Markdown extensions of mkdocs.yml. Its title heading is left out (the item
has the title), a member-only piece adds one sentence with a link to sign in,
and every link and image is made absolute, since a feed reader shows the
description away from the site. Member-only text never enters the feed, in
either audience's build: a feed reader cannot sign in.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..pages.previews import split_preview
from ..pages.templating import JINJA_MARKERS, MacroEnvironment, load_macros
from ..site.schema import LONDON
from . import Document

if TYPE_CHECKING:
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Page, Sources

FEED_FILE = "feed_rss_created.xml"
BLOG_URL = "thinkpieces/"
# The newest pieces only, as feed readers expect (Material's RSS plugin keeps 20):
# the feed stays small, and rendering it stays cheap however many pieces there are.
FEED_LENGTH = 20
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_TITLE_HEADING = re.compile(r"\A\s*#(?!#)[^\n]*(?:\n|\Z)")  # a leading `# Title` line
_TAG = re.compile(r"<[^>]+>")


def documents(sources: Sources, context: StagedContext) -> list[Document]:
    """The feed, as one document."""
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=StrictUndefined, keep_trailing_newline=True)
    site_url = context.public_root  # a published site's feed points at its latest version
    posts = sorted((p for p in sources.pages if p.is_post),
                   key=lambda p: (p.source.meta.date, p.url), reverse=True)[:FEED_LENGTH]
    describe = _Describer(sources, context, environment)
    items = [{
        "title": p.source.meta.title,
        "link": site_url + p.url,
        "description": describe(p),
        "date": _rfc822(p.source.meta.date),
        "authors": [sources.authors.get(a, a) for a in p.source.meta.authors],
        "categories": list(p.source.meta.categories),
    } for p in posts]
    text = environment.get_template("feed.xml").render(
        title=f"{sources.site.programme.name}: Thriving Trusts thinkpieces",
        link=site_url + BLOG_URL, self_link=site_url + FEED_FILE,
        description=(sources.engine_config.get("site_description") or "").strip()
        or sources.site.programme.tagline,
        updated=items[0]["date"] if items else None, items=items)
    return [Document("feed", FEED_FILE, text.encode("utf-8"))]


def _rfc822(day: dt.date) -> str:
    """A post's date as RSS writes it (midnight, London time)."""
    return format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=LONDON))


class _Describer:
    """Turns a thinkpiece into its feed description (HTML, links absolute)."""

    def __init__(self, sources: Sources, context: StagedContext, environment: Environment):
        self.sources, self.context = sources, context
        self.template = environment.get_template("feed_description.html")
        self.markdown = markdown.Markdown(**_markdown_options(sources.engine_config))
        self._macros: MacroEnvironment | None = None
        # Where each file under docs/ is published: pages at their address, files as they are.
        self.published = {page.docs_path: page.url for page in sources.pages}
        self.published.update({asset: quote(asset) for asset in sources.assets})

    def __call__(self, page: Page) -> str:
        """The description of one piece's feed item."""
        preview_html = self._preview_html(page)
        settings = self.context.settings
        body = self.template.render(
            preview_html=Markup(preview_html), summary=page.source.meta.summary,
            members_only=page.source.members_only,
            sign_in_url=settings.members_url + page.url)
        root = self.context.public_root
        return absolute_links(body.strip(), page.docs_path, root + page.url, root,
                              self.published)

    def _preview_html(self, page: Page) -> str:
        """The preview above the marker, its macros and Markdown rendered, without its
        title heading; empty when nothing but the heading is there."""
        preview, _ = split_preview(page.source)
        if any(marker in preview for marker in JINJA_MARKERS):
            preview = self.macros.render(preview, page.info, page.source.name,
                                         page.source.body_line)
        rendered = self.markdown.reset().convert(_TITLE_HEADING.sub("", preview, count=1))
        return rendered if _TAG.sub("", rendered).strip() else ""

    @property
    def macros(self) -> MacroEnvironment:
        """The pages' macros, loaded only when a preview uses one (previews rarely do)."""
        if self._macros is None:
            self._macros = load_macros(self.sources.project.root, self.context)
            # The documents are still being made; a preview cannot size one in the feed.
            self._macros.variables.setdefault("documents", {})
        return self._macros


def _markdown_options(engine_config: dict[str, Any]) -> dict[str, Any]:
    """Python-Markdown's arguments for the extensions mkdocs.yml lists (same settings),
    except heading permalinks: a feed reader would show their '¶' as text."""
    extensions, configs = [], {}
    for entry in engine_config.get("markdown_extensions") or []:
        name, config = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
        extensions.append(name)
        if config:
            configs[name] = dict(config)
    if "toc" in extensions:
        configs["toc"] = {**configs.get("toc", {}), "permalink": False}
    return {"extensions": extensions, "extension_configs": configs, "output_format": "html"}


# --- links a feed reader can follow ------------------------------------------------

def absolute_links(text: str, docs_path: str, page_address: str, site_url: str,
                   published: dict[str, str]) -> str:
    """`text` (HTML) with every relative href and src made absolute, and no comments.

    A relative link to a file under docs/ (`../../principles.md`, an image) is
    resolved from the page's source file, as the engine does, to where that
    file is published; any other relative link from the page's own address.
    """
    rewriter = _LinkRewriter(lambda url: _absolute(url, docs_path, page_address, site_url,
                                                   published))
    rewriter.feed(text)
    rewriter.close()
    return "".join(rewriter.out)


def _absolute(url: str, docs_path: str, page_address: str, site_url: str,
              published: dict[str, str]) -> str:
    """One href or src, absolute."""
    parts = urlsplit(url.strip())
    if parts.scheme or parts.netloc:
        return url  # already absolute (https:, mailto:, //host)
    if parts.path and not parts.path.startswith("/"):
        source = posixpath.normpath(posixpath.join(posixpath.dirname(docs_path),
                                                   unquote(parts.path)))
        if source in published:
            target = site_url + published[source]
            return target + (f"?{parts.query}" if parts.query else "") + \
                (f"#{parts.fragment}" if parts.fragment else "")
    return urljoin(page_address, url.strip())


class _LinkRewriter(HTMLParser):
    """Copies HTML as it is, except href/src values (rewritten) and comments (dropped)."""

    URL_ATTRIBUTES = frozenset({"href", "src"})

    def __init__(self, rewrite):
        super().__init__(convert_charrefs=False)
        self.rewrite = rewrite
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, " /"))

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> str:
        """The tag as written, or rebuilt when one of its URLs changes."""
        new = [(k, self.rewrite(v) if k in self.URL_ATTRIBUTES and v is not None else v)
               for k, v in attrs]
        if new == attrs:
            return self.get_starttag_text() or ""
        written = "".join(f" {k}" if v is None else f' {k}="{html.escape(v, quote=True)}"'
                          for k, v in new)
        return f"<{tag}{written}{close}>"

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        """Comments are dropped: a feed has no use for them (nor for `<!-- more -->`)."""

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")
