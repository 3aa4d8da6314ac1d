"""Printed pages as a visitor gets them on paper: the light scheme's colours whichever
scheme the screen showed, the site's name and the page's address at the top, the
schedule's terms running on from page to page, and the calendar's address under its
link. (What paper leaves out, and links' addresses, are in test_landing.py.)"""

from __future__ import annotations

import io
import re

import pytest
import yaml
from pypdf import PdfReader

DESKTOP = {"width": 1280, "height": 900}
SCHEDULE = "programme/schedule/"
# Pages with what the dark scheme colours its own way: links, notes in the muted grey,
# panels, the home page's figures, the schedule's calendar link, a thinkpiece's byline.
PRINTED = ["", SCHEDULE, "programme/price/",
           "thinkpieces/making-the-case-for-joining-a-thriving-trust/"]
# Colours as they end, not halfway through a transition from the screen's.
STILL = "*, *::before, *::after { transition: none !important; }"
# The paper: the colour scheme the margins are painted in (the root's, else the one
# Material gives in <meta name="color-scheme">), and the page's background.
PAPER = """() => {
  const root = getComputedStyle(document.documentElement).colorScheme;
  const meta = document.querySelector('meta[name="color-scheme"]');
  return [root !== "normal" ? root : (meta ? meta.content : "normal"),
          getComputedStyle(document.body).backgroundColor];
}"""
# Every element's colours as printed, in document order; links' printed addresses too.
PRINTED_COLOURS = """() => {
  const seen = [];
  for (const node of document.querySelectorAll(".md-content *")) {
    if (!node.getClientRects().length) continue;
    const style = getComputedStyle(node), after = getComputedStyle(node, "::after");
    seen.push([node.tagName + "." + node.className, style.color, style.backgroundColor,
               style.borderLeftColor, after.content !== "none" ? after.color : ""]);
  }
  return seen;
}"""


def printed_tab(browser, scheme: str):
    """A desktop's tab in the colour `scheme`, with its context (to close)."""
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    return context, context.new_page()


def pdf_pages(tab) -> list[str]:
    """The text of each sheet of the page as the browser prints it on A4."""
    return [sheet.extract_text() for sheet in PdfReader(io.BytesIO(tab.pdf(format="A4"))).pages]


@pytest.mark.parametrize("url", PRINTED)
def test_a_page_printed_from_the_dark_scheme_is_printed_in_the_light_ones_colours(
        built, browser, serve_dir, url):
    base = serve_dir(built.path("site/public"))
    printed = {}
    for scheme in ("light", "dark"):
        context, tab = printed_tab(browser, scheme)
        tab.goto(f"{base}/{url}")
        tab.wait_for_function("s => document.body.dataset.mdColorScheme === s",
                              arg={"light": "default", "dark": "slate"}[scheme])
        tab.add_style_tag(content=STILL)
        tab.emulate_media(media="print")
        printed[scheme] = {
            "colours": tab.evaluate(PRINTED_COLOURS),
            "paper": tab.evaluate(PAPER),
        }
        context.close()
    assert printed["dark"]["paper"] == printed["light"]["paper"]
    assert "dark" not in printed["dark"]["paper"][0]
    assert printed["dark"]["paper"][1] == "rgb(255, 255, 255)"
    different = [(light, dark) for light, dark in zip(printed["light"]["colours"], printed["dark"]["colours"])
                 if light != dark]
    assert len(printed["light"]["colours"]) == len(printed["dark"]["colours"])
    assert not different, f"/{url} prints differently from the dark scheme: {different[:3]}"


@pytest.mark.parametrize("url", PRINTED)
def test_a_printed_page_starts_with_the_sites_name_and_its_address(built, browser, serve_dir, url):
    site = built.path("site/public")
    site_name = yaml.safe_load(built.read("mkdocs.yml"))["site_name"]
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', built.page(url)).group(1)
    context, tab = printed_tab(browser, "light")
    tab.goto(f"{serve_dir(site)}/{url}")
    first = pdf_pages(tab)[0]
    context.close()
    assert first.lstrip().startswith(site_name), first[:80]
    assert canonical in "".join(first.split()), f"/{url}: {canonical} is not on the first sheet"
    # On a screen the header says it already.
    context, tab = printed_tab(browser, "light")
    tab.goto(f"{serve_dir(site)}/{url}")
    assert not tab.get_by_text(canonical, exact=True).is_visible()
    context.close()


def test_the_printed_schedule_runs_its_terms_on_from_page_to_page(built, browser, serve_dir):
    terms = [term["name"] for term in yaml.safe_load(
        built.read("content/cohorts/cohort-3/schedule.yml"))["terms"]]
    context, tab = printed_tab(browser, "dark")
    tab.goto(f"{serve_dir(built.path('site/public'))}/{SCHEDULE}")
    sheets = pdf_pages(tab)
    context.close()
    starts = {}
    for term in terms:
        sheet = next(number for number, text in enumerate(sheets) if term in text)
        starts[term] = (sheet, sheets[sheet].lstrip().index(term))
    # The first term starts under the introduction, not on a sheet of its own; and the
    # terms do not each wait for a new sheet: some term starts partway down a sheet.
    assert starts[terms[0]][0] == 0, f"the first term is printed on sheet {starts[terms[0]][0] + 1}"
    assert any(offset > 0 for _, offset in list(starts.values())[1:]), starts


def test_the_printed_calendar_link_has_its_address_under_its_words(built, browser, serve_dir):
    context, tab = printed_tab(browser, "light")
    tab.goto(f"{serve_dir(built.path('site/public'))}/{SCHEDULE}")
    link = tab.locator(".lt-calendar__link")
    tab.emulate_media(media="print")
    address = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert ".ics" in address
    words, box = link.evaluate("""a => {
      const range = document.createRange();
      range.selectNodeContents(a);
      const text = [...range.getClientRects()].filter(r => r.width > 0);
      const box = a.getBoundingClientRect();
      return [{left: Math.min(...text.map(r => r.left)), bottom: Math.max(...text.map(r => r.bottom))},
              {left: box.left, right: box.right, bottom: box.bottom}];
    }""")
    context.close()
    # The address (the link's ::after) takes the space below the words, not beside them.
    line = 0.58 * 20  # the address's font size, in px (print.css)
    assert box["bottom"] - words["bottom"] >= line, (words, box)
