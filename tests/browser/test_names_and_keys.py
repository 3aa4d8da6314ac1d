"""What a screen reader announces and what the keyboard does, beyond axe's rules
(test_accessibility.py): headings without a "¶" stop or name, and without a blank
line under them on a phone; the light/dark toggle on Space as on Enter; logos that are
not announced as "logo"; figures announced with their number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MATERIAL_SCHEME = {"light": "default", "dark": "slate"}
# How far below a title's last line of words its box may end (its own line spacing).
TITLE_SLACK = 6
# The bottom of a heading's last line of visible words, and of its box.
TITLE_BOTTOMS = """h => {
  const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
  let words = -Infinity;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    let shown = node.data.trim() !== "";
    for (let e = node.parentElement; shown && e && e !== h.parentElement; e = e.parentElement) {
      const style = getComputedStyle(e);
      shown = parseFloat(style.opacity) > 0 && style.visibility === "visible";
    }
    if (!shown) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) words = Math.max(words, r.bottom);
  }
  return [words, h.getBoundingClientRect().bottom];
}"""


def public_pages(site: Path) -> list[str]:
    """Every page of the public build, as the address a visitor opens."""
    return [path.relative_to(site).as_posix().removesuffix("index.html")
            for path in sorted(site.rglob("index.html"))]


def test_headings_are_no_tab_stops_and_are_announced_without_a_pilcrow(built, browser, serve_dir):
    site = built.path("site/public")
    base = serve_dir(site)
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    problems = []
    for url in public_pages(site):
        tab.goto(f"{base}/{url}")
        headings = tab.get_by_role("heading").all_inner_texts()
        assert headings, url
        problems += [f"/{url}: heading “{h.strip()}”" for h in headings if "¶" in h]
        problems += [f"/{url}: a link named “¶”" for _ in tab.get_by_role("link", name="¶", exact=True).all()]
    # Tab from the top of a page with many headings never stops on one of their links.
    tab.goto(f"{base}/programme/apply/")
    for _ in range(40):
        tab.keyboard.press("Tab")
        if tab.evaluate("() => document.activeElement.closest('h1, h2, h3, h4, h5, h6') !== null"):
            problems.append("/programme/apply/: Tab stops in a heading: "
                            + tab.evaluate("() => document.activeElement.outerHTML"))
            break
    context.close()
    assert not problems, "\n".join(problems)


def test_no_blank_line_under_a_pages_title_on_a_phone(built, browser, serve_dir):
    site = built.path("site/public")
    base = serve_dir(site)
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    gaps = []
    for url in public_pages(site):
        tab.goto(f"{base}/{url}")
        words, box = tab.locator(".md-content h1").first.evaluate(TITLE_BOTTOMS)
        if box - words > TITLE_SLACK:
            gaps.append(f"/{url}: {box - words:.0f}px of nothing under the title's words")
    context.close()
    assert not gaps, "\n".join(gaps)


@pytest.mark.parametrize("start", ["light", "dark"])
def test_the_colour_scheme_toggle_answers_space_and_enter(built, browser, serve_dir, start):
    context = browser.new_context(viewport=PHONE, color_scheme=start)
    tab = context.new_page()
    tab.goto(f"{serve_dir(built.path('site/public'))}/programme/price/")
    scheme = "document.body.dataset.mdColorScheme"
    tab.wait_for_function(f"s => {scheme} === s", arg=MATERIAL_SCHEME[start])
    for _ in range(10):
        tab.keyboard.press("Tab")
        if tab.evaluate("() => document.activeElement.matches('[data-md-component=palette] input')"):
            break
    else:
        pytest.fail("Tab never reaches the colour scheme toggle")
    other = "dark" if start == "light" else "light"
    for key, expected in ((" ", other), (" ", start), ("Enter", other), ("Enter", start)):
        tab.keyboard.press(key)
        shown = tab.evaluate(f"() => {scheme}")
        assert shown == MATERIAL_SCHEME[expected], f"{key!r} left the page in {shown}"
        # Still on the toggle, which now offers the other switch.
        name = tab.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert name == f"Switch to {'dark' if expected == 'light' else 'light'} mode", name
    context.close()


def test_logos_are_not_announced_as_logo(built, browser, serve_dir):
    base = serve_dir(built.path("site/public"))
    config = yaml.safe_load(built.read("mkdocs.yml"))
    site_name, logo_file = config["site_name"], config["theme"]["logo"]
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport)
        tab = context.new_page()
        for url in ("", "thinkpieces/"):
            tab.goto(f"{base}/{url}")
            # The site's logo, in the header, the drawer and as the editorial team's avatar
            # on the cards, is decorative: the site's or the team's name is beside it.
            logos = [img.get_attribute("alt") for img in tab.locator(f'img[src$="{logo_file}"]').all()]
            assert logos and all(alt == "" for alt in logos), f"/{url}: logos named {logos}"
            # The logo's link is named after the site, whose name it leads home with.
            logo = tab.locator(".md-header .md-logo")
            assert logo.get_attribute("aria-label") == site_name
        context.close()


def test_each_figure_is_announced_with_its_number(built, page, serve_dir):
    figures = yaml.safe_load(built.read("content/programme.yml"))["figures"]
    page.goto(f"{serve_dir(built.path('site/public'))}/")
    for figure in figures.values():
        value, statement = str(figure["value"]), figure["statement"]
        named = page.get_by_role("figure", name=re.compile("^" + re.escape(value) + r"\s+" + re.escape(statement)))
        assert named.count() == 1, f"no figure is announced as “{value} {statement}…”"
