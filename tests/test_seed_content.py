"""What the source documents promise, on the pages: further reading, the members'
masterclass, the figures with (or without) their sources, and notices on sample data."""

from __future__ import annotations

import re

THINKPIECE = "docs/thinkpieces/posts/making-the-case.md"
THINKPIECE_URL = "thinkpieces/making-the-case-for-joining-a-thriving-trust/"
MEMBERS_URL = "http://127.0.0.1:8001/"  # the local default the builds use
SAMPLE_PIECES = ("thinkpieces/growth-that-lasts-rethinking-what-trust-expansion-is-for/",
                 "thinkpieces/governance-that-spreads-capacity-not-just-control/")


def block(html: str, start: str, end: str) -> str:
    """The HTML from the first `start` to the next `end` (inclusive)."""
    found = re.search(re.escape(start) + r".*?" + re.escape(end), html, re.S)
    assert found, f"{start!r} not found"
    return found.group(0)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def figure(html: str, key: str) -> str:
    return block(html, f'<figure class="lt-figure" id="figure-{key}">', "</figure>")


# --- further reading --------------------------------------------------------------

def test_further_reading_cites_the_three_works_with_author_year_publisher_and_no_link(built):
    html = built.page(THINKPIECE_URL)
    heading = html.index('id="further-reading"')
    reading = block(html[heading:], '<ul class="lt-references">', "</ul>")
    works = [visible_text(item) for item in re.findall(r"<li.*?</li>", reading, re.S)]
    assert len(works) == 3
    assert works[0].startswith("It’s time for CEOs and boards to reconceptualise what we mean "
                               "by trust ‘growth’") and works[0].endswith("Forum Strategy.")
    assert works[1] == ("Pain (2019), Being The CEO: The Six Dimensions of Organisational "
                        "Leadership. John Catt Educational.")
    assert works[2].startswith("PURE ACCOUNTABILITY: An accountability vacuum?")
    assert "Forum Strategy" in works[2] and "(" not in works[2]  # no year was given: none shown
    assert "<a " not in reading and "<cite>" in reading


def test_a_work_naming_neither_author_nor_publisher_is_one_line_at_its_entry(project):
    project.replace(THINKPIECE, "    publisher: Forum Strategy\n  - title: \"Being", "  - title: \"Being")
    result = project.run("check")
    line = project.line_of(THINKPIECE, "  - title: It’s time")
    assert result.code == 1 and "Traceback" not in result.output
    assert (f"{THINKPIECE}:{line}:5: further_reading[0]: say who wrote or published it"
            in result.output), result.output


# --- the members' masterclass ---------------------------------------------------------

def test_public_thinkpiece_names_the_masterclass_with_login_required_and_a_sign_in_link(built):
    html = built.page(THINKPIECE_URL)
    section = block(html, 'id="for-members-the-masterclass"', "</p>\n<h2")
    text = visible_text(section)
    assert "masterclass" in text and "(login required)" in text
    link = f'href="{MEMBERS_URL}members/masterclass-engaging-schools/"'
    assert link in section
    # The link leads to the masterclass on the members' site, not into the public one.
    assert built.path("site/members/members/masterclass-engaging-schools/index.html").is_file()
    assert not built.path("site/public/members").exists()


# --- the figures ----------------------------------------------------------------------

def test_home_page_says_around_5000_more_schools_reach_the_top_grades_with_its_source(built):
    shown = visible_text(figure(built.page(""), "more-schools-at-top-grades"))
    assert shown.startswith("around 5,000 more schools")
    assert "top grades" in shown and "Source: Ofsted, 2024" in shown


def test_a_figure_without_a_source_shows_no_source_line_and_check_lists_it(project):
    project.replace("content/programme.yml", "    source:\n      name: OECD PISA\n      year: 2022\n",
                    "    source:\n")
    line = project.line_of("content/programme.yml", "under two-thirds") + 3  # its `source:` key
    assert project.read("content/programme.yml").splitlines()[line - 1].strip() == "source:"

    check = project.run("check")
    assert check.code == 0, check.output
    assert (f"content/programme.yml:{line}: figures.belonging: no source yet "
            "(shown without a source line)") in check.output.splitlines()
    assert "figures.good-or-outstanding" not in check.output  # it has a source

    assert project.build().code == 0
    unsourced = figure(project.page(""), "belonging")
    assert "under two-thirds" in unsourced
    assert "Source" not in unsourced and "cited" not in unsourced
    assert "lt-figure__source" not in unsourced
    assert "Source: Ofsted, 2024" in figure(project.page(""), "good-or-outstanding")


# --- sample data, said where it is seen -------------------------------------------------

# Where a page gives the deadline: the home page's first-screen card, the apply page's notice.
DEADLINE_BLOCKS = {"": ('<section class="lt-glance"', "</section>"),
                   "programme/apply/": ('<div class="admonition info lt-deadline', "</div>")}


def test_home_and_apply_pages_say_the_deadline_year_is_a_sample_beside_the_deadline(built):
    for url, (start, end) in DEADLINE_BLOCKS.items():
        notice = block(built.page(url), start, end)
        text = visible_text(notice)
        assert "Apply by" in text
        assert "The year of this deadline is a sample" in text, url


def test_a_deadline_without_a_note_shows_none(project):
    text = project.read("content/cohorts/cohort-3/cohort.yml")
    without_note = re.sub(r"  deadline_note: >-\n(    .*\n)+", "", text)
    assert without_note != text
    project.write("content/cohorts/cohort-3/cohort.yml", without_note)
    assert project.build().code == 0
    for url, (start, end) in DEADLINE_BLOCKS.items():
        notice = block(project.page(url), start, end)
        assert "Apply by" in notice and "Please note" not in notice and "sample" not in notice, url


def test_invented_member_pieces_say_they_are_samples_on_their_page_and_the_index(built):
    index = visible_text(built.page("thinkpieces/"))
    assert index.count("Sample piece:") == len(SAMPLE_PIECES)
    for url in SAMPLE_PIECES:
        page = visible_text(built.page(url))
        assert "Sample piece: written to show how a members' thinkpiece is presented" in page
    # The piece taken from the source documents carries no such note.
    assert "Sample piece" not in built.page(THINKPIECE_URL)
