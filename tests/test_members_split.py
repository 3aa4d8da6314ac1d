"""Member-only text is kept out of the public build; the members' build has it all."""

from __future__ import annotations

import gzip
import re
from pathlib import Path


from leadingtrusts import schema
from leadingtrusts.leakcheck import find_leaks, member_sentences, scan_site
from leadingtrusts.thinkpieces import (collect_member_sentences, preview_document, read_markdown,
                                       split_preview)

POST = "docs/thinkpieces/posts/growth-that-lasts.md"
MEMBERS_SENTENCE = "Boards that set a target number of schools tend to find the schools to match it."
PREVIEW_SENTENCE = "Trusts are often described by their size."
RESOURCE_SENTENCE = "Offer a place in an existing network, such as a subject group or a leadership forum"


def all_member_sentences(project) -> list:
    return collect_member_sentences(project.path("docs"), "members", "thinkpieces/posts",
                                    "<!-- more -->", relative_to=project.root)


# --- the preview split -------------------------------------------------------

def test_preview_is_everything_above_the_marker(built):
    source = read_markdown(built.path(POST), schema.ThinkpieceMeta)
    head, rest = split_preview(source, "<!-- more -->")
    assert PREVIEW_SENTENCE in head and MEMBERS_SENTENCE not in head
    assert MEMBERS_SENTENCE in rest
    document = preview_document(source, "<!-- more -->", "CALL TO ACTION")
    assert document.startswith(head) and document.rstrip().endswith("CALL TO ACTION")
    assert MEMBERS_SENTENCE not in document


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
    sentences = all_member_sentences(built)
    assert len(sentences) > 20
    site = built.path("site/public")
    names = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    for expected in ("search/search_index.json", "sitemap.xml", "sitemap.xml.gz", "404.html",
                     "feed_rss_created.xml", "feed_rss_updated.xml"):
        assert expected in names
    assert scan_site(site, sentences) == []
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
    assert "Boards that set a target number of schools" in index
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
    assert "In short:" in html


def test_feed_lists_public_previews_only(built):
    feed = built.path("site/public/feed_rss_created.xml").read_text()
    assert "Making the case for joining a thriving trust" in feed
    assert "Growth that lasts" in feed
    assert "Boards that set a target number" not in feed


# --- the leak check ----------------------------------------------------------

def test_leak_check_fails_the_build_naming_the_page_and_the_sentence(project):
    project.replace("docs/principles.md", "# The Thriving Trust principles\n",
                    f"# The Thriving Trust principles\n\n{MEMBERS_SENTENCE}\n")
    result = project.build()
    assert result.code != 0
    assert "leak check failed" in result.output
    assert "principles/index.html" in result.output
    assert f"from thinkpieces/posts/growth-that-lasts.md leaked: \"{MEMBERS_SENTENCE}\"" in result.output


def test_leak_check_finds_a_sentence_planted_in_a_member_piece(project):
    planted = "The planted sentence about quarterly capacity reviews must never go public."
    project.replace(POST, "## Size is an outcome", f"{planted}\n\n## Size is an outcome")
    project.replace("docs/principles.md", "# The Thriving Trust principles\n",
                    "# The Thriving Trust principles\n\n<p>The planted sentence about quarterly "
                    "<em>capacity</em> reviews must never go public!</p>\n")
    result = project.build()
    assert result.code != 0 and "planted sentence about quarterly capacity" in result.output


def test_leak_check_sees_through_markup_entities_and_json(tmp_path: Path):
    sentences = member_sentences("x.md", "Our **secret** plan doubles the coaching budget next year.")
    files = {
        "a.html": "<p>Our <strong>secret</strong> plan doubles the coaching&nbsp;budget next year.</p>",
        "b.json": "Our secret plan doubles the coaching budget next year",
        "c.html": "<p>Our public plan keeps the coaching budget as it is.</p>",
    }
    assert [leak.file for leak in find_leaks(files, sentences)] == ["a.html", "b.json"]
    (tmp_path / "search").mkdir()
    (tmp_path / "search/search_index.json").write_text(
        '{"docs": [{"text": "Our secret plan doubles the coaching budget next year \\u2014 ok"}]}')
    (tmp_path / "sitemap.xml.gz").write_bytes(gzip.compress(b"<loc>our secret plan doubles "
                                                           b"the coaching budget next year</loc>"))
    assert sorted(leak.file for leak in scan_site(tmp_path, sentences)) == [
        "search/search_index.json", "sitemap.xml.gz"]


def test_members_pages_must_declare_member_access(project):
    project.replace("docs/members/index.md", "access: members", "access: public")
    result = project.build()
    assert result.code != 0
    assert re.search(r"docs/members/index.md:4:9: access: expected 'members'", result.output), \
        result.output
