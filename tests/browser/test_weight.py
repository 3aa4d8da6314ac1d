"""Page weight (issue 10): a first view downloads no search index and no sitemap; a visitor
who starts a search gets the index then, and finds programme text and thinkpieces by title
and heading."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import yaml

pytestmark = pytest.mark.browser

PUBLIC_PIECE = "docs/thinkpieces/posts/making-the-case.md"  # access: public
PRICE_PAGE = "programme/price/"
PRICE_WORD = "accommodation"  # in the price page's text (content/cohorts/*/pricing.yml)
TITLE_WORD = "joining"  # in PUBLIC_PIECE's title, "Making the case for joining a thriving trust"
HEADING = "masterclass"  # only in the heading "For members: the masterclass" of PUBLIC_PIECE
BODY_ONLY = "nurturing"  # only in the body of PUBLIC_PIECE's first section
LOADED_LATER = ("search/search_index.json", "sitemap.xml", "/workers/search.")
PLACEHOLDER = "Type to start searching"  # Material's text while the search box is empty


class Requests:
    """The paths a page asked for, in order."""

    def __init__(self, page):
        self.paths: list[str] = []
        page.on("request", lambda request: self.paths.append(urlparse(request.url).path))

    def of(self, *parts: str) -> list[str]:
        return [path for path in self.paths if any(part in path for part in parts)]


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def index_request(request) -> bool:
    return urlparse(request.url).path.endswith("/search/search_index.json")


def piece_title(project) -> str:
    front = yaml.safe_load(project.read(PUBLIC_PIECE).split("---")[1])
    return front["title"]


def search(page, words: str) -> list[str]:
    """Search for `words` in the open search box; the addresses of the results shown.

    Material searches on keyup: the box is cleared first (Material then shows its
    placeholder, once its index is ready), so the next results shown are for `words`.
    """
    box = page.locator("[data-md-component=search-query]")
    for text, shown in (("", f"text === {PLACEHOLDER!r}"),
                        (words, f"text !== {PLACEHOLDER!r} && !text.startsWith('Initializing')")):
        box.fill(text)
        box.dispatch_event("keyup")
        page.wait_for_function("() => { const text = document.querySelector("
                               f"'.md-search-result__meta').textContent.trim(); return {shown}; }}")
    hrefs = page.locator(".md-search-result__list a").evaluate_all("as => as.map(a => a.href)")
    return [urlparse(href).path + (f"#{urlparse(href).fragment}" if "#" in href else "")
            for href in hrefs]


def test_first_view_loads_no_search_index_and_no_sitemap(built, desktop, serve_dir):
    base = serve_dir(built.path("site/public"))
    requests = Requests(desktop)
    for address in ("", PRICE_PAGE, "thinkpieces/"):
        desktop.goto(f"{base}/{address}", wait_until="networkidle")
    assert requests.of("/assets/javascripts/bundle."), "Material's script did not load"
    assert not requests.of(*LOADED_LATER), requests.paths

    with desktop.expect_request(index_request):
        desktop.locator("[data-md-component=search-query]").click()
    desktop.wait_for_load_state("networkidle")
    assert requests.of("/workers/search.")
    assert not requests.of("sitemap.xml"), "a search needs no sitemap"


def test_search_finds_programme_text_and_thinkpieces_by_title_and_heading(
        built, desktop, serve_dir):
    base = serve_dir(built.path("site/public"))
    desktop.goto(f"{base}/", wait_until="networkidle")
    with desktop.expect_request(index_request):
        desktop.keyboard.press("/")  # Material's shortcut: the search box takes the focus

    assert f"/{PRICE_PAGE}" in search(desktop, PRICE_WORD)

    title = piece_title(built)
    assert TITLE_WORD in title.split()
    found = search(desktop, TITLE_WORD)
    piece = [path for path in found if path.startswith("/thinkpieces/making-the-case")]
    assert piece, f"no result for the thinkpiece titled {title!r}: {found}"

    found = search(desktop, HEADING)
    assert any(path.startswith(piece[0].split("#")[0]) and "#" in path for path in found), found

    # A thinkpiece's own text is not in the index: the index stays small as pieces grow.
    assert not [path for path in search(desktop, BODY_ONLY)
                if path.startswith("/thinkpieces/making-the-case")]


def test_the_search_button_on_a_phone_starts_the_search(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    requests = Requests(page)
    page.goto(f"{base}/programme/schedule/", wait_until="networkidle")
    assert not requests.of(*LOADED_LATER), requests.paths

    with page.expect_request(index_request):
        page.locator("label.md-header__button[for=__search]").click()
    assert f"/{PRICE_PAGE}" in search(page, PRICE_WORD)
