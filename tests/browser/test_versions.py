"""The published versions in a browser: the root lands on latest, the selector switches cohort.

The project's source is copied into a temporary git repository, published
with `leadingtrusts.pipeline.publish.publish`, and the resulting gh-pages tree is
served as GitHub Pages would serve it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leadingtrusts.site.loading import load_site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE = "programme/schedule/"


@pytest.fixture
def desktop(browser):
    """A wide window: the version selector sits in the header."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def titles() -> list[str]:
    return [cohort.title for cohort in load_site(ROOT / "content").cohorts]


def open_selector(page) -> None:
    """Open Material's version menu the way a visitor does.

    The menu opens on hover (or keyboard focus) of `.md-version`; while it is
    closed, its transparent list lies over `.md-version__current`, so a
    click on the button never reaches it.
    """
    page.locator(".md-version__current").first.wait_for(state="visible")
    page.locator(".md-version").first.hover()
    page.locator(".md-version__list .md-version__link").first.wait_for(state="visible")


def test_the_root_lands_on_latest_and_the_selector_lists_every_cohort(
        desktop, serve_dir, published: Path) -> None:
    base = serve_dir(published)
    desktop.goto(f"{base}/")
    desktop.wait_for_url(f"{base}/latest/")
    newest = titles()[-1]
    current = desktop.locator(".md-version__current").first
    current.wait_for(state="visible")
    assert current.inner_text().strip().startswith(newest)
    assert current.locator(".md-version__alias").inner_text().strip() == "latest"
    shown = [t.strip() for t in desktop.locator(".md-version__list .md-version__link")
             .all_inner_texts()]
    assert all(any(title in text for text in shown) for title in titles()), shown
    assert desktop.locator('[data-lt-banner="earlier-cohort"]').count() == 0


def test_switching_to_an_earlier_cohort_keeps_the_page_and_shows_the_banner(
        desktop, serve_dir, published: Path) -> None:
    base = serve_dir(published)
    desktop.goto(f"{base}/latest/{SCHEDULE}")
    open_selector(desktop)
    earlier = titles()[0]
    desktop.locator(".md-version__list .md-version__link", has_text=earlier).first.click()
    desktop.wait_for_url(f"{base}/cohort-2/{SCHEDULE}")
    banner = desktop.locator('[data-lt-banner="earlier-cohort"]')
    banner.wait_for(state="visible")
    assert earlier in banner.inner_text()
    assert desktop.locator(".md-version__current").first.inner_text().strip().startswith(earlier)
    # The banner leads back to the same page for the latest cohort.
    banner.locator("a").click()
    desktop.wait_for_url(f"{base}/latest/{SCHEDULE}")


def test_the_selector_works_on_a_phone(page, serve_dir, published: Path) -> None:
    base = serve_dir(published)
    page.goto(f"{base}/cohort-2/{SCHEDULE}")
    assert page.locator('[data-lt-banner="earlier-cohort"]').is_visible()
    open_selector(page)
    page.locator(".md-version__list .md-version__link", has_text=titles()[-1]).first.click()
    page.wait_for_url(f"{base}/cohort-3/{SCHEDULE}")
