"""Every built page is valid HTML with its headings in order, and our stylesheets are valid CSS.

The Nu Html Checker (vnu.jar, from npm: `make checkers`) reads both builds;
its errors fail the test, except a few in Material's own markup that no
visitor's assistive technology relies on (nu_checker.py, with the reasons). Two
rules are checked here directly, with plain messages: headings in order (one
h1, first, and no level skipped) and aria-label only where it is announced.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from nu_checker import describe, is_allowed, run_vnu
from projects import ROOT, Project

OUR_STYLESHEETS = sorted([*ROOT.glob("docs/assets/stylesheets/*.css"),
                          *ROOT.glob("leadingtrusts/gateway/static/*.css")])


# Elements on which aria-label is announced: controls, landmarks, images and
# anything given a role. On a list, a paragraph or a div it is mostly ignored,
# so what it says must be visible text instead.
NAMEABLE = {"a", "area", "button", "input", "select", "textarea", "img", "svg", "iframe",
            "nav", "aside", "section", "form", "dialog", "details", "summary", "table",
            "meter", "progress", "output"}


class _PageOutline(HTMLParser):
    """The headings of a page, and the elements carrying aria-label, with their lines."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, int]] = []  # (level, line)
        self.labelled: list[tuple[str, int]] = []  # (tag, line) where aria-label is not announced

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((int(tag[1]), self.getpos()[0]))
        if "aria-label" in attributes and tag not in NAMEABLE and "role" not in attributes:
            self.labelled.append((tag, self.getpos()[0]))


def outline_problems(html: str, where: str) -> list[str]:
    """Headings out of order and aria-labels nobody hears, as one message each."""
    outline = _PageOutline()
    outline.feed(html)
    problems = []
    levels = outline.headings
    if not levels or levels[0][0] != 1:
        problems.append(f"{where}: the first heading is not an h1"
                        + (f" (h{levels[0][0]}, line {levels[0][1]})" if levels else " (no headings)"))
    if sum(1 for level, _ in levels if level == 1) > 1:
        lines = ", ".join(str(line) for level, line in levels if level == 1)
        problems.append(f"{where}: more than one h1 (lines {lines})")
    for (before, _), (level, line) in zip(levels, levels[1:]):
        if level > before + 1:
            problems.append(f"{where}:{line}: an h{level} straight after an h{before}: "
                            f"no h{before + 1} between them")
    for tag, line in outline.labelled:
        problems.append(f"{where}:{line}: aria-label on a <{tag}> is not announced; "
                        "say it in visible text (a heading or caption) instead")
    return problems


def built_pages(built: Project) -> list[Path]:
    return sorted(path for audience in ("public", "members")
                  for path in built.path(f"site/{audience}").rglob("*.html"))


def test_every_built_page_is_valid_html(built: Project) -> None:
    site = built.path("site")
    messages = run_vnu("--skip-non-html", site / "public", site / "members")
    errors = [m for m in messages if m["type"] == "error" and not is_allowed(m)]
    assert not errors, "The Nu Html Checker found errors in the built pages:\n" + "\n".join(
        describe(m, site) for m in errors)


def test_our_stylesheets_are_valid_css() -> None:
    messages = run_vnu("--css", *OUR_STYLESHEETS)
    errors = [m for m in messages if m["type"] == "error"]
    assert not errors, "The Nu Html Checker found errors in our stylesheets:\n" + "\n".join(
        describe(m, ROOT) for m in errors)


def test_every_built_page_has_its_headings_in_order(built: Project) -> None:
    site = built.path("site")
    problems = [problem for page in built_pages(built)
                for problem in outline_problems(page.read_text(encoding="utf-8"),
                                                str(page.relative_to(site)))]
    assert not problems, "\n".join(problems)


def test_the_outline_check_names_a_skipped_heading_and_an_unheard_label() -> None:
    html = ("<h1>Principles</h1><h3>Purpose</h3>"
            '<ul aria-label="Sessions in the schedule"><li>4 visits</li></ul>'
            '<nav aria-label="Pages"></nav><div role="group" aria-label="Kinds"></div>')
    assert outline_problems(html, "principles/index.html") == [
        "principles/index.html:1: an h3 straight after an h1: no h2 between them",
        "principles/index.html:1: aria-label on a <ul> is not announced; "
        "say it in visible text (a heading or caption) instead",
    ]
