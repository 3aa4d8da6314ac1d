"""Links between Markdown pages, found where the editor wrote them."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
                   r"|^\s{0,3}\[[^\]\n]+\]:\s*<?(?P<ref>\S+?)>?(?:\s|$)", re.M)
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


def internal_links(markdown: str, page_uri: str) -> list[Link]:
    """Relative links and image or file references (Markdown or HTML), outside code."""
    text = _CODE_SPAN.sub(_blank, _FENCE.sub(_blank, markdown))
    links = []
    matches = sorted([*_LINK.finditer(text), *_HTML_REF.finditer(text)], key=lambda m: m.start())
    for match in matches:
        target = match.group("target") or match.groupdict().get("ref")
        if not target or _SCHEME.match(target) or target.startswith(("/", "{{", "//")):
            continue
        path, _, anchor = target.partition("#")
        path = path.partition("?")[0]
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page_uri), path)) if path else ""
        line, column = _position(text, match.start("target") if match.group("target") else match.start("ref"))
        links.append(Link(target, resolved, anchor, line, column))
    return links


def locate_in_source(source: str, target: str) -> tuple[int | None, int | None]:
    """Where `target` is written in the editor's file (macros may have moved it in
    the rendered text); (None, None) when a macro produced it."""
    index = source.find(f"({target}") if f"({target}" in source else source.find(target)
    if index < 0:
        return None, None
    line, column = _position(source, index)
    return line, column + (1 if source[index] == "(" else 0)
