"""Member-only text is kept out of the public build; the members' build has it all."""

from __future__ import annotations

import gzip
import re


from leadingtrusts.pages.frontmatter import read_markdown
from leadingtrusts.pages.previews import split_preview
from leadingtrusts.pipeline.leakcheck import LeakIndex, scan_site
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import read_sources

POST = "docs/thinkpieces/posts/growth-that-lasts.md"
MEMBERS_SENTENCE = "Boards that set a target number of schools tend to find the schools to match it."
PREVIEW_SENTENCE = "Trusts are often described by their size."
RESOURCE_SENTENCE = "Offer a place in an existing network, such as a subject group or a leadership forum"


def member_index(project) -> LeakIndex:
    return LeakIndex.from_texts(read_sources(Project(project.root)).member_texts())


# --- the preview split -------------------------------------------------------

def test_preview_is_everything_above_the_marker(built):
    source = read_markdown(built.path(POST), POST.removeprefix("docs/"))
    head, rest = split_preview(source)
    assert PREVIEW_SENTENCE in head and MEMBERS_SENTENCE not in head
    assert MEMBERS_SENTENCE in rest
    staged = built.read("build/stage/public/" + POST)
    assert PREVIEW_SENTENCE in staged and MEMBERS_SENTENCE not in staged
    assert "Sign in to read on" in staged
    assert not built.path("build/stage/public/docs/members").exists()


def test_a_member_only_piece_without_a_marker_is_an_error(project):
    project.replace(POST, "<!-- more -->\n", "")
    result = project.build()
    assert result.code != 0 and "Traceback" not in result.output
    assert re.search(rf"{POST}:\d+:1: a member-only piece needs a '<!-- more -->' line", result.output)


# --- the public build --------------------------------------------------------

def test_public_build_shows_title_summary_preview_and_a_call_to_log_in(built):
    html = built.page("thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for")
    assert "Growth that lasts: rethinking what trust expansion is for" in html
    assert PREVIEW_SENTENCE in html
    assert "Growth is a means, not a goal." in html  # the summary, in the meta description
    assert "The rest of this thinkpiece is for members" in html
    assert 'href="http://127.0.0.1:8001/thinkpieces/growth-that-lasts' in html
    assert "Ask about joining" in html
    assert MEMBERS_SENTENCE not in html


def test_not_one_member_only_sentence_reaches_any_public_file(built):
    index = member_index(built)
    assert len(index) > 200
    site = built.path("site/public")
    names = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    for expected in ("search/search_index.json", "sitemap.xml", "sitemap.xml.gz", "404.html",
                     "feed_rss_created.xml"):
        assert expected in names
    assert scan_site(site, index) == []
    assert scan_site(built.path("site/members"), index), "the check must see the members' text"
    assert not any(name.startswith("members/") for name in names)
    assert "members/" not in (site / "sitemap.xml").read_text()
    assert "members/" not in gzip.decompress((site / "sitemap.xml.gz").read_bytes()).decode()


def test_members_build_holds_everything_and_searches_it(built):
    site = built.path("site/members")
    html = built.page("thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for",
                      "members")
    assert MEMBERS_SENTENCE in html and "The rest of this thinkpiece is for members" not in html
    assert RESOURCE_SENTENCE in built.page("members/masterclass-engaging-schools", "members")
    index = (site / "search/search_index.json").read_text()
    # Thinkpieces are searched by title, summary and headings (their text would make
    # the index megabytes at 1,000 pieces); members' resources by their full text.
    assert "Four questions before any school joins" in index
    assert "Offer a place in an existing network" in index
    assert (site / "programme/schedule/index.html").exists()
    assert 'name="robots" content="noindex, nofollow"' in built.page("", "members")


def test_thinkpiece_cards_newest_first_with_badge_and_reading_time(built):
    html = built.page("thinkpieces")
    titles = re.findall(r'<h2 id="[^"]*"><a[^>]*>([^<]+)</a>', html) or re.findall(
        r"<h2[^>]*>\s*<a[^>]*>([^<]+)<", html)
    order = [t for t in ("Governance that spreads", "Growth that lasts", "Making the case")
             if any(x.startswith(t) for x in titles)]
    assert order == ["Governance that spreads", "Growth that lasts", "Making the case"], titles
    assert html.count("lt-badge--members") == 2
    assert "min read" in html and "By LeadingTrusts editorial team" in html
    assert "In short:" not in html  # a summary only repeats the opening the card shows


def test_feed_lists_public_previews_only(built):
    feed = built.path("site/public/feed_rss_created.xml").read_text()
    assert "Making the case for joining a thriving trust" in feed
    assert "Growth that lasts" in feed
    assert "Boards that set a target number" not in feed


def test_members_pages_must_declare_member_access(project):
    project.replace("docs/members/index.md", "access: members", "access: public")
    result = project.build()
    assert result.code != 0
    assert re.search(r"docs/members/index.md:4:9: access: expected 'members'", result.output), \
        result.output
