"""Links between Markdown pages, found where the editor wrote them."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
# An inline link or image `[text](target "title")`, and a reference definition
# `[id]: target`. Only the target matters, so the link text is not matched: a
# pattern that starts with the literal `](` is scanned for several times faster.
_INLINE = re.compile(r"\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_DEFINITION = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(?P<target>\S+?)>?(?:\s|$)", re.M)
_HTML_REF = re.compile(r"""\b(?:src|href)\s*=\s*["'](?P<target>[^"'\s]+)["']""", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _blank(match: re.Match[str]) -> str:
    """Replace code with spaces, keeping line breaks so positions still match."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


@dataclass(frozen=True)
class Link:
    target: str  # as written, e.g. "../apply.md#steps"
    path: str  # resolved docs path, e.g. "programme/apply.md" ("" for this page)
    anchor: str
    line: int
    column: int


@lru_cache(maxsize=4096)
def internal_links(markdown: str, page_uri: str, page_url: str | None = None) -> tuple[Link, ...]:
    """Relative links and image or file references (Markdown or HTML), outside code,
    resolved to paths under docs/.

    A Markdown link is relative to the page's file (the engine rewrites it); an
    href or src in raw HTML is left alone by the engine, so a browser reads it
    from the page's address (`page_url`, a folder with directory URLs).
    Cached: the stage asks again for the same page text (link checks, assets).
    """
    text = _FENCE.sub(_blank, markdown) if ("```" in markdown or "~~~" in markdown) else markdown
    text = _CODE_SPAN.sub(_blank, text) if "`" in text else text
    matches = [*_INLINE.finditer(text)]
    if "]:" in text:
        matches += _DEFINITION.finditer(text)
    if "src" in text or "href" in text:
        matches += _HTML_REF.finditer(text)
    matches.sort(key=lambda m: m.start())
    links = []
    for match in matches:
        target = match.group("target")
        if not target or _SCHEME.match(target) or target.startswith(("/", "{{", "//")):
            continue
        path, _, anchor = target.partition("#")
        path = path.partition("?")[0]
        base = page_url if match.re is _HTML_REF and page_url is not None \
            else posixpath.dirname(page_uri)
        resolved = posixpath.normpath(posixpath.join(base, path)) if path else ""
        line, column = _position(text, match.start("target"))
        links.append(Link(target, resolved, anchor, line, column))
    return tuple(links)


def locate_in_source(source: str, target: str) -> tuple[int | None, int | None]:
    """Where `target` is written in the editor's file (macros may have moved it in
    the rendered text); (None, None) when a macro produced it."""
    index = source.find(f"({target}") if f"({target}" in source else source.find(target)
    if index < 0:
        return None, None
    line, column = _position(source, index)
    return line, column + (1 if source[index] == "(" else 0)
