"""The members' build's inline scripts, hashed for the gateway's
Content-Security-Policy.

Material puts small scripts inline in every page (the colour palette, the
search scope, ...), and other templates may add their own. The gateway allows
exactly these by hash instead of `'unsafe-inline'`, so an injected script is
refused. The hashes are computed here, once per build, and written inside the
build at SCRIPT_HASHES_FILE: it is swapped into place with the pages it
describes, so the gateway never pairs new pages with old hashes. The gateway
never serves its `_gateway/` folder (its own addresses start with `/_gateway/`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

SCRIPT_HASHES_FILE = "_gateway/script-hashes.json"

# Script types a browser runs; anything else (application/ld+json, the
# application/json of Material's __config) is a data block that CSP ignores.
_RUNNABLE_TYPES = frozenset({"", "text/javascript", "application/javascript", "module"})


# Every script element, from its start tag to its end tag (a script's text ends at
# the first `</script`, as in a browser). Only these pieces are given to the
# parser: parsing whole pages took 6 s for a build of 1,000 pages.
_SCRIPT_ELEMENT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)


class _InlineScripts(HTMLParser):
    """Collects the text of every inline script a browser would run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            return
        attributes = dict(attrs)
        kind = (attributes.get("type") or "").strip().lower()
        if "src" not in attributes and kind in _RUNNABLE_TYPES:
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_scripts(html: str) -> list[str]:
    """The inline scripts of one page, as the browser hashes them."""
    parser = _InlineScripts()
    # Browsers turn CR LF into LF before anything else reads the page.
    page = html.replace("\r\n", "\n").replace("\r", "\n")
    for element in _SCRIPT_ELEMENT.finditer(page):
        parser.feed(element.group(0))
    parser.close()
    return parser.scripts


def script_hash(script: str) -> str:
    """The CSP source expression for one script, e.g. 'sha256-...'."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def write_script_hashes(site_dir: Path) -> Path:
    """Hash every inline script of every page in `site_dir`; write SCRIPT_HASHES_FILE there."""
    hashes = {
        script_hash(script)
        for page in sorted(site_dir.rglob("*.html"))
        for script in inline_scripts(page.read_text(encoding="utf-8"))
    }
    target = site_dir / SCRIPT_HASHES_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"script-src": sorted(hashes)}, indent=1) + "\n", encoding="utf-8")
    return target
