"""The RSS feed: valid RSS 2.0 that feed readers accept, each item the piece's public
preview with absolute links, and never member-only text.

There is no W3C validator offline, so the tests check what it checks: the
required elements, RFC 822 dates, absolute links, no empty elements.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from leadingtrusts.documents import feed
from leadingtrusts.pipeline.context import Settings, build_time
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import pick_context, read_sources

FEED = "feed_rss_created.xml"
SITE_URL = "https://leadingtrusts.example/"  # the local defaults the builds use
MEMBERS_URL = "http://127.0.0.1:8001/"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
PUBLIC_PIECE = "docs/thinkpieces/posts/making-the-case.md"
PUBLIC_URL = SITE_URL + "thinkpieces/making-the-case-for-joining-a-thriving-trust/"
MEMBER_PIECE_URL = "thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for/"
PREVIEW_SENTENCE = "Trusts are often described by their size."
MEMBERS_SENTENCE = "Boards that set a target number of schools tend to find the schools to match it."


class Links(HTMLParser):
    """Every href and src in a piece of HTML, and its headings' texts."""

    def __init__(self, text: str):
        super().__init__()
        self.urls: list[str] = []
        self.headings: list[str] = []
        self._in_heading = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("href", "src") and value]
        self._in_heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6")
        if self._in_heading:
            self.headings.append("")

    def handle_endtag(self, tag):
        self._in_heading = False

    def handle_data(self, data):
        if self._in_heading:
            self.headings[-1] += data


def channel_of(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel")


def items_of(text: str) -> dict[str, ET.Element]:
    return {item.findtext("link"): item for item in channel_of(text).findall("item")}


def is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and (parts.netloc or parts.scheme == "mailto"))


def feed_of(project_root: Path, audience: str = "public", now: str = "2026-11-24T12:00:00") -> str:
    """The feed one build of the project at `project_root` makes (without the engine)."""
    sources = read_sources(Project(project_root))
    context = pick_context(sources, audience, None, build_time(now), Settings())
    (document,) = feed.documents(sources, context)
    return document.data.decode("utf-8")


# --- valid RSS 2.0 ----------------------------------------------------------------

def test_the_feed_has_what_rss_2_requires_and_no_empty_or_invalid_elements(built):
    text = built.read(f"site/public/{FEED}")
    channel = channel_of(text)
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    assert is_absolute(channel.findtext("link"))
    self_link = channel.find(f"{ATOM}link")
    assert self_link.get("rel") == "self" and self_link.get("href") == SITE_URL + FEED
    assert channel.find("image") is None  # there is no logo to give, so no <image>
    assert email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate")).tzinfo
    for element in ET.fromstring(text).iter():
        assert (element.text or "").strip() or len(element) or element.attrib, \
            f"empty <{element.tag}>"
    items = channel.findall("item")
    assert len(items) == 3
    for item in items:
        link = item.findtext("link")
        assert is_absolute(link) and link.startswith(SITE_URL)
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "true" and guid.text == link
        published = email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        assert published.tzinfo is not None
        assert item.find("author") is None  # RSS's <author> must be an email address
        assert item.findtext(f"{DC}creator") == "LeadingTrusts editorial team"
    dates = [email.utils.parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_dates_are_the_pieces_own_not_the_time_of_the_build(project):
    early, late = feed_of(project.root, now="2026-11-24T12:00:00"), feed_of(project.root, now="2027-03-01T09:00:00")
    assert early == late  # building again later changes nothing: no empty commit when publishing
    item = items_of(early)[PUBLIC_URL]
    assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).date() == dt.date(2026, 9, 15)


# --- each item: the public preview, as a feed reader shows it ---------------------

def test_each_description_is_the_preview_without_its_title_marker_or_sign_in_button(built):
    text = built.read(f"site/public/{FEED}")
    assert "<!-- more -->" not in text and "&lt;!-- more --&gt;" not in text
    for link, item in items_of(text).items():
        description = item.findtext("description")
        assert description.lstrip().startswith("<p>"), description  # HTML, decoded once
        headings = Links(description).headings
        assert item.findtext("title") not in headings and "<h1" not in description
        assert "md-button" not in description and "Sign in to read on" not in description
    public = items_of(text)[PUBLIC_URL].findtext("description")
    assert "This series introduces the idea of a <em>thriving</em> trust." in public
    assert "Why a different word" not in public  # below the marker: the page has it


def test_a_member_only_piece_gives_its_preview_and_one_sentence_with_a_sign_in_link(built):
    for audience in ("public", "members"):  # a feed reader cannot sign in, whichever site
        text = built.read(f"site/{audience}/{FEED}")
        description = items_of(text)[SITE_URL + MEMBER_PIECE_URL].findtext("description")
        assert PREVIEW_SENTENCE in description
        assert MEMBERS_SENTENCE not in text
        assert "The rest of this piece is for members" in description
        assert Links(description).urls == [MEMBERS_URL + MEMBER_PIECE_URL]


def test_a_piece_with_nothing_above_the_marker_but_its_title_gives_its_summary_as_text(project):
    post = "docs/thinkpieces/posts/growth-that-lasts.md"
    text = project.read(post)
    head, _, rest = text.partition("<!-- more -->")
    heading = "# Growth that lasts: rethinking what trust expansion is for\n"
    project.write(post, head[:head.index(heading) + len(heading)] + "\n<!-- more -->" + rest)
    summary = next(line for line in text.splitlines() if line.startswith("summary:"))
    project.replace(post, summary, "summary: 'Growth <img src=x onerror=alert(1)> & belonging.'")
    description = items_of(feed_of(project.root))[SITE_URL + MEMBER_PIECE_URL].findtext("description")
    assert description.startswith("<p>Growth &lt;img src=x onerror=alert(1)&gt; &amp; belonging.</p>")
    assert "The rest of this piece is for members" in description and PREVIEW_SENTENCE not in description


def test_links_images_and_macros_in_a_preview_come_out_absolute_and_rendered(project):
    project.replace(PUBLIC_PIECE, "explaining to a school that is weighing its future why it might join them.\n",
                    "explaining to a school that is weighing its future why it might join them.\n\n"
                    "See the [principles](../../principles.md#collective-vision), the "
                    "[schedule](../../programme/schedule.md), a [sibling file](notes.txt), "
                    "[a heading](#why-a-different-word), [mail](mailto:a@b.example) and "
                    "{{ programme.name }}'s [logo](../../assets/images/logo.svg).\n\n"
                    "![The logo](../../assets/images/logo.svg)\n\n"
                    '<p><a href="../../programme/price/">Raw HTML link</a> <img src="logo.png" alt=""></p>\n\n'
                    "!!! note\n    An admonition, as the page shows it.\n")
    project.write("docs/thinkpieces/posts/notes.txt", "a file next to the piece\n")
    description = items_of(feed_of(project.root))[PUBLIC_URL].findtext("description")
    urls = Links(description).urls
    assert urls and all(is_absolute(url) for url in urls), urls
    assert urls == [SITE_URL + "principles/#collective-vision",
                    SITE_URL + "programme/schedule/",
                    SITE_URL + "thinkpieces/posts/notes.txt",
                    PUBLIC_URL + "#why-a-different-word",
                    "mailto:a@b.example",
                    SITE_URL + "assets/images/logo.svg",
                    SITE_URL + "assets/images/logo.svg",
                    SITE_URL + "programme/price/",
                    PUBLIC_URL + "logo.png"]
    assert "LeadingTrusts's" in description and "{{" not in description  # the macro, rendered
    assert '<div class="admonition note">' in description  # mkdocs.yml's extensions
    assert "¶" not in description and "headerlink" not in description


def test_only_the_newest_pieces_are_in_the_feed(project):
    template = project.read("docs/thinkpieces/posts/governance-that-spreads.md")
    for day in range(1, feed.FEED_LENGTH + 2):
        project.write(f"docs/thinkpieces/posts/extra-{day}.md",
                      template.replace("date: 2026-11-10", f"date: 2027-01-{day:02d}")
                      .replace("title: Governance that spreads", f"title: Extra {day}, governance that spreads"))
    items = channel_of(feed_of(project.root)).findall("item")
    assert len(items) == feed.FEED_LENGTH
    newest = [email.utils.parsedate_to_datetime(i.findtext("pubDate")).date() for i in items]
    assert newest[0] == dt.date(2027, 1, feed.FEED_LENGTH + 1)
    assert min(newest) == dt.date(2027, 1, 2)
