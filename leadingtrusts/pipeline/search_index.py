"""After the engine: thinkpieces in the search index by title, summary and headings only.

Material's search plugin indexes every page's full text, so the index grows
with every thinkpiece (issue 10: with 1,000 pieces, 2.9 MB compressed, 95% of
it the pieces' text), and a visitor's first search downloads all of it. The
programme pages keep their full text; each thinkpiece keeps its title, tags,
its summary (the description its page shows search engines) in place of its
text, and one entry per section heading with no text, so a search for words
of a heading still leads to that section.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from .stage import POSTS_DIR

INDEX = Path("search/search_index.json")
_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"')


def slim_search_index(site_dir: Path, pages: dict[str, str]) -> None:
    """Rewrite site_dir's search index with the thinkpieces among `pages` (a staged
    tree's docs path -> address) reduced to their titles, summaries and headings."""
    path = site_dir / INDEX
    if not path.exists():  # a build without the search plugin
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    posts = {url for docs_path, url in pages.items() if docs_path.startswith(POSTS_DIR + "/")}
    index["docs"] = [slim_entry(entry, site_dir) if _page_of(entry) in posts else entry
                     for entry in index["docs"]]
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")


def slim_entry(entry: dict, site_dir: Path) -> dict:
    """A thinkpiece's entry: the page with its summary as text, a section with none."""
    if "#" in entry["location"]:  # a section: its heading is its title
        return {"location": entry["location"], "title": entry["title"], "text": ""}
    summary = page_description(site_dir / entry["location"] / "index.html")
    return {**entry, "text": f"<p>{html.escape(summary, quote=False)}</p>" if summary else ""}


def page_description(page: Path) -> str:
    """The text of a built page's meta description ("" if it has none)."""
    if not page.is_file():
        return ""
    with page.open(encoding="utf-8") as stream:
        head = stream.read().split("</head>", 1)[0]
    found = _DESCRIPTION.search(head)
    return html.unescape(found.group(1)) if found else ""


def _page_of(entry: dict) -> str:
    return entry["location"].split("#", 1)[0]
