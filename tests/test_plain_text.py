"""Every text an editor types shows as typed, in every output: never as markup.

The rule: front matter and YAML hold plain text, escaped exactly once where it
is written into HTML or XML (leadingtrusts.pages.frontmatter.as_html_text for
what the theme prints, autoescape for the partials and the feed).
"""

from __future__ import annotations

import html
import json
import re

POST = "docs/thinkpieces/posts/growth-that-lasts.md"
HOSTILE = '<img src=x onerror=alert(1)> "Growth" & <b>more</b>'
URL = "thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for"


def _attribute(page: str, name: str) -> str:
    match = re.search(rf'<meta name="{name}" content="([^"]*)"', page)
    assert match, f"no <meta name={name}>"
    return html.unescape(match.group(1))


def test_a_summary_with_markup_and_quotes_is_text_in_meta_search_and_feed(project):
    text = project.read(POST)
    line = next(line for line in text.splitlines() if line.startswith("summary:"))
    project.write(POST, text.replace(line, f"summary: '{HOSTILE} Growth is a means.'"))
    result = project.build()
    assert result.code == 0, result.output
    index = project.page("thinkpieces")
    piece = project.page(URL)
    for page in (index, piece):
        assert "<img src=x" not in page and "<b>more</b>" not in page
    assert _attribute(piece, "description").startswith(HOSTILE)  # one intact attribute
    search = json.loads(project.path("site/public/search/search_index.json").read_text())
    assert not any("<img src=x" in json.dumps(doc) for doc in search["docs"])
    feed = project.path("site/public/feed_rss_created.xml").read_text()
    assert "<img src=x" not in feed  # the feed carries the preview; its summary test is in test_feed


def test_a_title_with_markup_is_text_in_the_title_tag_the_page_and_the_feed(project):
    project.replace(POST, 'title: "Growth that lasts: rethinking what trust expansion is for"',
                    "title: 'Growth <script>alert(1)</script> that lasts'\nslug: growth-that-lasts")
    result = project.build()
    assert result.code == 0, result.output
    piece = project.page("thinkpieces/growth-that-lasts")
    assert "<script>alert(1)</script>" not in piece
    title = re.search(r"<title>(.*?)</title>", piece, re.S).group(1)
    assert html.unescape(title).startswith("Growth <script>alert(1)</script> that lasts")
    feed = project.path("site/public/feed_rss_created.xml").read_text()
    assert "<title>Growth &lt;script&gt;alert(1)&lt;/script&gt; that lasts</title>" in feed


def test_a_cohort_title_with_markup_is_text_in_the_earlier_cohort_banner(project):
    project.replace("content/cohorts/cohort-3/cohort.yml", "title: Cohort 3 (2027–28)",
                    "title: 'Cohort 3 <em onmouseover=alert(1)>now</em>'")
    result = project.run("build", "--audience", "public", "--cohort", "cohort-2")
    assert result.code == 0, result.output
    home = project.page("")
    assert "<em onmouseover" not in home
    assert "Cohort 3 &lt;em onmouseover=alert(1)&gt;now&lt;/em&gt;" in home
    assert 'data-lt-banner="earlier-cohort"' in home


def test_an_author_name_with_markup_is_text_on_the_cards(project):
    project.replace("docs/thinkpieces/.authors.yml", "name: LeadingTrusts editorial team",
                    "name: 'Editors <i>and</i> friends'")
    result = project.build()
    assert result.code == 0, result.output
    index = project.page("thinkpieces")
    assert "<i>and</i>" not in index and "Editors &lt;i&gt;and&lt;/i&gt; friends" in index
