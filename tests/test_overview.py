"""The programme overview PDF: what it says agrees with content/ and the pages, it is
accessible (tagged, titled, in English, A4), small, linked from the pages, made
again when the content changes, identical when it does not, and a failure to
make it fails the build without touching the last good site."""

from __future__ import annotations

import html
import posixpath
import re
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from projects import BEFORE_DEADLINE, Project

PDF = "downloads/leadingtrusts-{cohort}-programme-overview.pdf"
LATEST = "cohort-3"
LINKING_PAGES = ("", "programme/price/", "programme/apply/")
A4_POINTS = (595.3, 841.9)
_LINK = re.compile(
    r'<a href="(?P<href>[^"]+\.pdf)"[^>]*>(?P<text>[^<]*programme overview[^<]*)</a>')


def pdf_of(project: Project, cohort: str = LATEST, audience: str = "public") -> Path:
    return project.path(f"site/{audience}/{PDF.format(cohort=cohort)}")


def text_of(pdf: Path) -> str:
    """The PDF's words, one space between each, a word broken at its hyphen joined again."""
    words = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    return re.sub(r"(?<=\w-) (?=\w)", "", " ".join(words.split()))


def content(project: Project, relative: str) -> dict:
    return yaml.safe_load(project.read(f"content/{relative}"))


def shown(page_html: str, pattern: str) -> str:
    """The text of the first match of `pattern` in a built page, tags removed."""
    found = re.search(pattern, page_html, re.S)
    assert found, f"{pattern!r} not in the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def overview_link(page_html: str, url: str) -> re.Match[str]:
    """The page's link to the overview PDF."""
    link = _LINK.search(page_html)
    assert link, f"no link to the programme overview on /{url}"
    return link


@pytest.fixture(scope="module")
def overview(built: Project) -> tuple[Project, str]:
    return built, text_of(pdf_of(built))


def test_the_price_and_deadline_are_worded_as_the_pages_word_them(overview):
    project, text = overview
    pricing = content(project, f"cohorts/{LATEST}/pricing.yml")
    price = shown(project.page("programme/price/"), r"costs <strong>(.*?)</strong>")
    assert price == f"£{pricing['price']['amount']:,} per person"
    deadline = shown(project.page("programme/apply/"), r"Apply by <strong>(.*?)</strong>")
    due = content(project, f"cohorts/{LATEST}/cohort.yml")["application"]["deadline"]
    assert f"{due.day} {due:%B %Y}" in deadline  # the page says the date cohort.yml gives
    assert price in text
    assert f"Complete the form by {deadline}" in text


def test_the_counts_come_from_the_schedule(overview):
    project, text = overview
    schedule = content(project, f"cohorts/{LATEST}/schedule.yml")
    kinds = [s["kind"] for term in schedule["terms"] for s in term["sessions"]]
    home = project.page("")
    for kind in set(kinds):
        count = shown(home, rf'lt-kind--{kind}">(.*?)</li>')  # e.g. "12 webinars"
        assert count.split()[0] == str(kinds.count(kind))
        assert count in text, count
    assert f"{kinds.count('webinar')} webinars" in text


def test_every_objective_figure_criterion_and_step_is_in_it(overview):
    project, text = overview
    programme = content(project, "programme.yml")
    eligibility = content(project, f"cohorts/{LATEST}/eligibility.yml")
    # The list reads on from the same lead-in as on the home page.
    lead_in = shown(project.page(""), r"<p>([^<]*you will:)</p>\s*<ol class=\"lt-objectives\"")
    assert lead_in.startswith("From ") and lead_in in text
    for objective in programme["objectives"]:
        assert f"{objective['title']}." in text
    pricing = content(project, f"cohorts/{LATEST}/pricing.yml")
    assert pricing["not_included"] and "The price does not include:" in text
    for line in pricing["includes"] + pricing["not_included"]:
        if "text" in line:
            assert " ".join(line["text"].split()) in text
    for figure in programme["figures"].values():
        assert figure["value"] in text
        assert " ".join(figure["statement"].split()) in text
    for criterion in eligibility["criteria"]:
        assert criterion in text
    for step in eligibility["steps"]:
        assert f"{step['title']}." in text
    for term in content(project, f"cohorts/{LATEST}/schedule.yml")["terms"]:
        assert term["name"] in text
        for session in term["sessions"]:
            assert " ".join(session["title"].split()) in text


def test_it_is_tagged_titled_in_english_a4_with_embedded_fonts_and_small(built):
    pdf = pdf_of(built)
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    cohort = content(built, f"cohorts/{LATEST}/cohort.yml")
    assert cohort["title"] in reader.metadata.title
    assert "programme overview" in reader.metadata.title
    assert str(root["/Lang"]) == "en-GB"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True  # viewers show the title
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1)
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # embedded: nothing depends on the reader's fonts
    assert pdf.stat().st_size <= 300_000


@pytest.mark.parametrize("url", LINKING_PAGES)
def test_the_pages_link_to_it_with_its_type_and_size(built, url):
    link = overview_link(built.page(url), url)
    target = built.path("site/public") / posixpath.normpath(posixpath.join(url, link["href"]))
    assert target.resolve() == pdf_of(built).resolve()
    size_kb = max(1, round(target.stat().st_size / 1000))
    text = " ".join(html.unescape(link["text"]).split())  # the size is kept from its unit by &nbsp;
    assert text == f"Download the full programme overview (PDF, {size_kb} KB)"


def test_each_cohort_has_its_own_overview_with_its_own_price(project):
    result = project.run("build", "--audience", "public", "--cohort", "cohort-2")
    assert result.code == 0, result.output
    older = content(project, "cohorts/cohort-2/pricing.yml")["price"]["amount"]
    text = text_of(pdf_of(project, "cohort-2"))
    assert f"£{older:,} per person" in text
    assert content(project, "cohorts/cohort-2/cohort.yml")["title"] in text
    assert not pdf_of(project, LATEST).exists()
    assert overview_link(project.page(""), "")["href"] == PDF.format(cohort="cohort-2")


def test_an_edit_to_the_price_is_in_the_next_overview(project):
    assert project.build().code == 0
    before = pdf_of(project).read_bytes()
    project.replace(f"content/cohorts/{LATEST}/pricing.yml", "amount: 5000", "amount: 5250")
    result = project.build()
    assert result.code == 0, result.output
    text = text_of(pdf_of(project))
    assert "£5,250 per person" in text and "£5,000" not in text
    assert pdf_of(project).read_bytes() != before
    link = overview_link(project.page("programme/price/"), "programme/price/")
    assert f"(PDF, {max(1, round(pdf_of(project).stat().st_size / 1000))}&nbsp;KB)" in link["text"]


def test_the_same_content_makes_the_same_bytes(project):
    assert project.build().code == 0
    first = pdf_of(project).read_bytes()
    shutil.rmtree(project.path("build/cache"))  # made again, not copied from the cache
    assert project.build().code == 0
    assert pdf_of(project).read_bytes() == first
    assert project.build().code == 0  # and from the cache
    assert pdf_of(project).read_bytes() == first


def test_a_failed_overview_fails_the_build_and_keeps_the_last_good_site(project, monkeypatch,
                                                                       capsys, tmp_path):
    from leadingtrusts.documents import overview
    from leadingtrusts.pipeline import run
    from leadingtrusts.pipeline.sources import Project as SiteProject

    assert project.build().code == 0
    good = pdf_of(project).read_bytes()
    # A stylesheet that asks for a font from the web: WeasyPrint must not fetch it.
    templates = tmp_path / "templates"
    shutil.copytree(overview.TEMPLATES, templates)
    stylesheet = templates / overview.STYLESHEET
    stylesheet.write_text("@font-face { font-family: Web; src: url(https://fonts.example.com/"
                          "web.woff2); }\nhtml { font-family: Web; }\n"
                          + stylesheet.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(overview, "TEMPLATES", templates)
    monkeypatch.chdir(project.root)
    code = run.build(SiteProject(project.root), project.path("site"), ("public",),
                     now=BEFORE_DEADLINE)
    errors = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert errors[0].endswith("overview.css: the programme overview PDF could not be made: "
                              "ValueError: URI uses disallowed protocol: "
                              "https://fonts.example.com/web.woff2")
    assert errors[1].startswith("build failed: nothing was changed")
    assert len(errors) == 2
    assert pdf_of(project).read_bytes() == good
