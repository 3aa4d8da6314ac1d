"""Step 3 of the pipeline: check the finished sites, then put them in place together.

- The leak check (leakcheck.py, run by run.verify_site): no run of member-only words
  in any file of a public site.
- Links and anchors: every relative link, image and file reference in every
  page leads to a file of the same site, and every `#anchor` to an element
  with that id; a broken one is reported at the editor's file and line.
- The swap: every site of one build replaces its predecessor by renames, and
  only when every check has passed, so a failed build changes nothing.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import shutil
import threading
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import Problem
from ..pages.links import locate_in_source
from .stage import StagedTree

_REF = re.compile(r"""<(a|img|link|script|source)\b[^>]*?\s(href|src)=["']([^"']*)["']""", re.I)
_ID = re.compile(r"""\sid=["']([^"']+)["']""", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class BrokenLink:
    page: str  # the built page, e.g. programme/price/index.html
    target: str
    reason: str


def broken_links(site_dir: Path) -> list[BrokenLink]:
    """Relative links, images and file references that lead nowhere in the site."""
    pages = {p.relative_to(site_dir).as_posix(): p for p in site_dir.rglob("*.html")}
    texts = {name: path.read_text(encoding="utf-8", errors="replace") for name, path in pages.items()}
    ids: dict[str, set[str]] = {}

    def anchors(name: str) -> set[str]:
        if name not in ids:
            ids[name] = {html.unescape(i) for i in _ID.findall(texts[name])}
        return ids[name]

    built_file = lru_cache(maxsize=None)(partial(_built_file, site_dir))  # many links, few targets
    broken = []
    for name, text in texts.items():
        for _tag, _attribute, raw in _REF.findall(text):
            target = html.unescape(raw)
            if not target or _SCHEME.match(target) or target.startswith(("//", "/")):
                continue
            parts = urlsplit(target)
            path, fragment = unquote(parts.path), unquote(parts.fragment)
            if path:
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), path))
                if resolved.startswith("../") or resolved == "..":
                    continue  # another version of a published site (the banner's link)
                file = built_file(resolved, path.endswith("/"))
                if file is None:
                    broken.append(BrokenLink(name, target, "no such page or file"))
                    continue
            else:
                file = name
            if fragment and file.endswith(".html") and file in texts \
                    and fragment not in anchors(file):
                broken.append(BrokenLink(name, target, f"no heading or anchor '#{fragment}'"))
    return broken


def _built_file(site_dir: Path, resolved: str, is_dir: bool) -> str | None:
    candidate = site_dir / resolved
    if resolved == ".":
        candidate = site_dir
    if candidate.is_dir():
        index = candidate / "index.html"
        return index.relative_to(site_dir).as_posix() if index.is_file() else None
    if candidate.is_file() and not is_dir:
        return candidate.relative_to(site_dir).as_posix()
    return None


def link_problems(tree: StagedTree, links: list[BrokenLink]) -> list[Problem]:
    """Broken links as editors' messages, at the line of the file they wrote."""
    problems = []
    for link in links:
        url = link.page[:-len("index.html")] if link.page.endswith("index.html") else link.page
        source = tree.sources.get(url)
        if source is None:
            problems.append(Problem(f"{link.page} (built by the theme)", None, None, "",
                                    f"broken link '{link.target}': {link.reason}"))
            continue
        text = Path(source).read_text(encoding="utf-8") if Path(source).is_file() else ""
        line, column = _find(text, link.target)
        produced = "" if line else " (in text produced by a macro or the theme)"
        problems.append(Problem(source, line, column, "",
                                f"broken link '{link.target}': {link.reason}{produced}"))
    return problems


def _find(text: str, target: str) -> tuple[int | None, int | None]:
    """Where the editor wrote a link whose built form is `target` (x.md#a is built as x/#a)."""
    for candidate in (target, target.split("#")[-1] if "#" in target else None):
        if candidate:
            line, column = locate_in_source(text, candidate)
            if line:
                return line, column
    return None, None


# --- putting the sites in place --------------------------------------------------

def ordinary_mode(folder: Path) -> int:
    """The mode a directory made in `folder` gets (0o777 less the umask), found by making one:
    os.umask can only be read by changing it, which other threads would feel."""
    probe = folder / f".mode-probe-{os.getpid()}-{threading.get_ident()}"
    os.mkdir(probe)
    try:
        return probe.stat().st_mode & 0o777
    finally:
        os.rmdir(probe)


def swap_into_place(staged: dict[Path, Path]) -> None:
    """Replace each target with its staged build, by renames (never a half-written tree).

    A staged build is a temporary folder, made readable by its owner only; it
    gets the mode of any other new folder there, as the files the engine wrote
    inside it have, so a web server running as another user can serve it
    wherever the umask allows (with the usual 022: 0755, files 0644)."""
    retired = []
    for build, target in staged.items():
        os.chmod(build, ordinary_mode(target.parent))
        old = target.with_name(f".{target.name}-retired-{os.getpid()}")
        if target.exists():
            os.rename(target, old)
            retired.append(old)
        os.rename(build, target)
    for old in retired:
        shutil.rmtree(old, ignore_errors=True)
