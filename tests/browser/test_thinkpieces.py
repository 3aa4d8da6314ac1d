"""Thinkpieces as a visitor meets them: cards that say each thing once, one way of
grouping pieces (by theme), and on a phone a byline under the title and a Tab order
that runs down the page. (Tags and the card's meta line are in test_schedule.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
POSTS = "docs/thinkpieces/posts"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def pieces(project) -> dict[str, dict]:
    """Each thinkpiece's front matter, by title."""
    return {meta["title"]: meta for meta in map(front_matter, sorted(project.path(POSTS).glob("*.md")))}


def piece_url(page, base: str, title: str) -> str:
    """A piece's address, found as a visitor finds it: from its card."""
    page.goto(f"{base}/thinkpieces/")
    return page.locator(".md-post--excerpt").filter(has_text=title).get_by_role(
        "link", name=title).get_attribute("href")


def test_a_card_shows_the_pieces_opening_once_and_its_summary_only_to_search_engines(
        built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    page.goto(f"{base}/thinkpieces/")
    for title, meta in pieces(built).items():
        card = page.locator(".md-post--excerpt").filter(has_text=title)
        assert card.count() == 1, title
        text = " ".join(card.inner_text().split())
        assert meta["summary"] not in text and "In short" not in text, title
        # The summary still describes the piece to search engines and link previews.
        page.goto(f"{base}/thinkpieces/{piece_url(page, base, title)}")
        description = page.locator('meta[name="description"]').get_attribute("content")
        assert description == meta["summary"], title
        page.goto(f"{base}/thinkpieces/")


def test_pieces_are_grouped_by_theme_only(built, page, serve_dir):
    site = built.path("site/public")
    assert any(meta.get("categories") for meta in pieces(built).values()), "no piece has a category to test"
    # No topic pages, and no page links to one or lists "Categories".
    assert not list(site.rglob("topic")) and not list(site.rglob("category"))
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'href="[^"]*/(topic|category)/', text), html.relative_to(site)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{serve_dir(site)}/thinkpieces/")
    navigation = page.locator(".md-sidebar--primary")
    assert navigation.get_by_role("link", name="Thinkpieces by theme").count() == 1
    assert "Categories" not in navigation.inner_text()
    first = page.locator(".md-post--excerpt").first
    assert not re.search(r"\bin\s+[A-Z]", first.locator(".md-post__meta").inner_text())


def test_on_a_phone_a_piece_has_its_byline_under_its_title(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    metas = pieces(built)
    names = {key: author["name"] for key, author in yaml.safe_load(
        built.read("docs/thinkpieces/.authors.yml"))["authors"].items()}
    for title in metas:
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/thinkpieces/{piece_url(page, base, title)}")
        heading = page.get_by_role("heading", level=1, name=title)
        byline = page.locator("article .lt-byline")
        assert byline.is_visible(), title
        # The date and authors as the front matter gives them (the dots between are drawn).
        meta, date = metas[title], metas[title]["date"]
        authors = ", ".join(names[author] for author in meta["authors"])
        words = " ".join(byline.inner_text().split())
        assert re.fullmatch(rf"{date.day} {date:%B} {date.year} By {re.escape(authors)} \d+ min read",
                            words), words
        # Right under the title, above the text.
        gap = byline.bounding_box()["y"] - (heading.bounding_box()["y"] + heading.bounding_box()["height"])
        assert 0 <= gap < 20, f"{title}: the byline is {gap:.0f}px under the title"
        # Said once: no bare "Metadata" block at the bottom.
        assert not page.get_by_text("Metadata", exact=True).is_visible()
        # A wide screen has them in the sidebar beside the text instead.
        page.set_viewport_size(DESKTOP)
        assert not byline.is_visible()
        assert page.locator(".md-sidebar--post").get_by_text("min read").is_visible()


def test_on_a_phone_tab_runs_down_a_piece_without_jumping_back_up(built, page, serve_dir):
    base = serve_dir(built.path("site/public"))
    for title in pieces(built):
        page.goto(f"{base}/thinkpieces/{piece_url(page, base, title)}")
        tops, names = [], []
        for _ in range(80):
            page.keyboard.press("Tab")
            focused = page.evaluate("""() => {
              const focused = document.activeElement;
              if (!focused || focused === document.body || !focused.closest('.md-main')) return null;
              return [focused.getBoundingClientRect().top + scrollY, focused.textContent.trim()];
            }""")
            if focused is None:
                if tops:
                    break  # past the piece, into the footer
                continue  # still in the header
            tops.append(focused[0])
            names.append(focused[1])
        assert len(tops) >= 2, f"{title}: Tab reached {names}"
        jumps = [(names[i], names[i + 1]) for i in range(len(tops) - 1) if tops[i + 1] < tops[i] - 1]
        assert not jumps, f"{title}: Tab goes back up the page from “{jumps[0][0]}” to “{jumps[0][1]}”"
