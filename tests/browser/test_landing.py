"""The home page as a programme's landing page, printed pages, the pages for a missing
address, and the phone header of a published version."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DEADLINE = "Friday 25 June 2027 at 5pm (UK time)"  # content/cohorts/cohort-3/cohort.yml
# The pages a visitor may print: home, the programme's pages, the principles, the thinkpieces.
PRINTED = ["", "programme/schedule/", "programme/price/", "programme/apply/", "principles/",
           "thinkpieces/", "thinkpieces/making-the-case-for-joining-a-thriving-trust/"]
# What the site shows on a screen and never on paper.
SCREEN_ONLY = [".md-header", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer",
               ".md-search", ".md-button", ".md-banner"]


def content(project, relative: str) -> dict:
    return yaml.safe_load(project.read(f"content/{relative}"))


def heading(page) -> str:
    """The page's title, without the permalink sign Material puts after it."""
    return page.locator("h1").inner_text().rstrip("¶").strip()


def bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not shown"
    return box["y"] + box["height"]



@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


# --- the home page ------------------------------------------------------------------

def test_a_phone_shows_the_whole_offer_before_any_scrolling(built, page, serve_dir):
    page.goto(f"{serve_dir(built.path('site/public'))}/")
    programme = content(built, "programme.yml")
    price = content(built, "cohorts/cohort-3/pricing.yml")["price"]
    shown = {
        "the programme's name": page.locator("h1"),
        "what it is": page.get_by_text(programme["tagline"]).first,
        "whom it is for": page.get_by_text("It is for senior leaders").first,
        "the price": page.get_by_text(f"£{price['amount']:,} per {price['per']}").first,
        "the deadline": page.get_by_text(DEADLINE).first,
        "the time left": page.get_by_text(re.compile(r"^\d+ months? left")).first,
        "the way to apply": page.get_by_role("link", name="Ask for the application form").first,
    }
    for what, locator in shown.items():
        assert locator.is_visible(), what
        assert bottom(locator) <= PHONE["height"], f"{what} is below the first screen"


def test_the_home_page_has_no_table_of_contents_where_other_pages_do(built, desktop, serve_dir):
    base = serve_dir(built.path("site/public"))
    desktop.goto(f"{base}/")
    assert not desktop.locator(".md-sidebar--secondary").is_visible()
    assert not desktop.locator(".md-sidebar--primary").is_visible()
    desktop.goto(f"{base}/programme/apply/")
    assert desktop.locator(".md-sidebar--secondary").is_visible()


@pytest.mark.parametrize("card, title", [
    ("Structure and schedule", "Structure and schedule"),
    ("Price and what it includes", "Price and what it includes"),
    ("Eligibility and how to apply", "Eligibility and how to apply"),
])
def test_a_card_on_the_home_page_leads_to_its_page(built, page, serve_dir, card, title):
    page.goto(f"{serve_dir(built.path('site/public'))}/")
    link = page.locator(".lt-card").filter(has=page.get_by_role("link", name=card, exact=True))
    assert link.count() == 1
    # A tap anywhere on the card, not only on its title, follows the link.
    summary = link.locator("p")
    summary.scroll_into_view_if_needed()
    box = summary.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_load_state()
    assert heading(page) == title


# --- print ----------------------------------------------------------------------------

def shown(page, selector: str) -> bool:
    return any(node.is_visible() for node in page.locator(selector).all())


@pytest.mark.parametrize("url", PRINTED)
def test_a_printed_page_leaves_out_the_screens_furniture(built, desktop, serve_dir, url):
    assert desktop.goto(f"{serve_dir(built.path('site/public'))}/{url}").ok
    on_screen = [selector for selector in SCREEN_ONLY if shown(desktop, selector)]
    assert ".md-header" in on_screen and ".md-search" in on_screen
    desktop.emulate_media(media="print")
    for selector in on_screen:
        assert not shown(desktop, selector), f"{selector} is printed on /{url}"
    assert desktop.locator("h1").is_visible()


def test_a_printed_page_gives_each_links_full_address(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    page.goto(f"{base}/")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "".join("".join(sheet.extract_text() for sheet in pdf.pages).split())  # no spaces
    # The cards' relative links, resolved to where they lead.
    for address in ("programme/schedule/", "programme/price/", "programme/apply/"):
        assert f"({base}/{address})" in text, address
    assert "Askfortheapplicationform" not in text  # a button cannot be pressed on paper
    assert "Prepare" in text and DEADLINE.replace(" ", "") in text


# --- a missing address ------------------------------------------------------------------

def test_a_missing_address_offers_search_and_the_sections(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    response = page.goto(f"{base}/programme/no-such-page/")
    assert response.status == 404
    assert heading(page) == "Page not found"
    sections = page.locator("article").get_by_role("link")
    names = [n.strip() for n in sections.all_inner_texts()]
    for name in ("Home page", "Structure and schedule", "Price and what it includes",
                 "Eligibility and how to apply", "The Thriving Trust principles"):
        assert name in names, names
    assert any("thinkpieces" in n.lower() for n in names), names
    for link in sections.all():
        assert page.request.get(f"{base}{link.get_attribute('href')}").ok, link.inner_text()

    page.get_by_label("Words to look for").fill("sponsor")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/\?q=sponsor$"))
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible")
    assert page.locator(".md-search__input").input_value() == "sponsor"


# --- a published site: the root's page for a missing address, the phone header ---------

def test_a_missing_address_on_the_published_site_leads_to_the_latest_cohort(
        page, serve_dir, published: Path) -> None:
    base = serve_dir(published)
    page.goto(f"{base}/cohort-9/nowhere/")
    page.wait_for_url(f"{base}/latest/404.html")
    assert heading(page) == "Page not found"
    page.locator("article").get_by_role("link", name="Price and what it includes").click()
    page.wait_for_url(f"{base}/latest/programme/price/")


def test_without_javascript_the_root_page_for_a_missing_address_lists_the_sections(
        browser, serve_dir, published: Path) -> None:
    base = serve_dir(published)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/cohort-9/nowhere/")
        assert page.url == f"{base}/cohort-9/nowhere/"  # no redirect without JavaScript
        assert heading(page) == "Page not found"
        links = page.get_by_role("link").all()
        names = [link.inner_text().strip() for link in links]
        assert "Structure and schedule" in names and "Eligibility and how to apply" in names
        for link in links:
            href = link.get_attribute("href")
            assert href.startswith("/latest/"), href
            assert page.request.get(f"{base}{href}").ok, href
    finally:
        context.close()


@pytest.mark.parametrize("version", ["cohort-2", "latest"])
def test_a_phone_header_shows_the_whole_site_name_beside_the_version_selector(
        page, serve_dir, published: Path, version: str) -> None:
    page.goto(f"{serve_dir(published)}/{version}/programme/schedule/")
    selector = page.locator(".md-version__current").first
    selector.wait_for(state="visible")
    name = page.locator(".md-header__topic:first-child > .md-ellipsis")
    assert name.inner_text().strip() == "LeadingTrusts"
    # Not cut short: an ellipsis shows when the text is wider than its box.
    assert name.evaluate("e => e.scrollWidth <= e.clientWidth")
    # The selector whole, in the header, clear of the colour-scheme button beside it.
    box = selector.bounding_box()
    header = page.locator(".md-header").bounding_box()
    toggle = page.locator(".md-header__option").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= toggle["x"]
    assert box["y"] >= header["y"] and box["y"] + box["height"] <= header["y"] + header["height"]


def test_an_earlier_cohorts_first_screen_says_its_applications_have_closed(
        page, serve_dir, published: Path) -> None:
    page.goto(f"{serve_dir(published)}/cohort-2/")
    card = page.locator(".lt-glance")
    assert "applications closed" in card.inner_text()
    assert page.get_by_role("link", name="Ask for the application form").count() == 0
    next_cohort = card.get_by_role("link", name="Hear when the next cohort opens")
    assert next_cohort.is_visible() and bottom(next_cohort) <= PHONE["height"]
