"""Checks on Markdown pages that name the file, line and column an editor must fix."""

from __future__ import annotations

import difflib
import posixpath
import re
import sys
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, UndefinedError

from .errors import Problem

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
                   r"|^\s{0,3}\[[^\]\n]+\]:\s*<?(?P<ref>\S+?)>?(?:\s|$)", re.M)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


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
    """Links to other Markdown pages (or to anchors on this page), outside code."""
    text = _CODE_SPAN.sub(_blank, _FENCE.sub(_blank, markdown))
    links = []
    for match in _LINK.finditer(text):
        target = match.group("target") or match.group("ref")
        if not target or _SCHEME.match(target) or target.startswith(("/", "{{")):
            continue
        path, _, anchor = target.partition("#")
        if path and not path.endswith(".md"):
            continue  # assets and directory URLs: MkDocs' own validation covers them
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


def check_template(env: Environment, markdown: str, variables: dict[str, Any], file: str,
                   first_line: int) -> Problem | None:
    """Render `markdown` as mkdocs-macros will; on failure, say where and why in one line.

    mkdocs-macros itself reports a failure with a traceback and `exit()`; this
    runs the same render first, so an editor reads one line instead.
    """
    try:
        env.from_string(markdown).render(**variables)
    except TemplateSyntaxError as error:
        return Problem(file, first_line + (error.lineno or 1) - 1, None, "",
                       f"macro syntax error: {error.message}")
    except UndefinedError as error:
        line = _template_line(error)
        name_match = _UNDEFINED_NAME.search(str(error))
        name = next(g for g in name_match.groups() if g) if name_match else ""
        column = None
        if line is not None and name:
            text_line = markdown.splitlines()[line - 1]
            column = text_line.find(name) + 1 or None
        where = first_line + line - 1 if line is not None else None
        return Problem(file, where, column, "",
                       f"unknown macro or variable: {error.message}" + _suggest(name, env, variables))
    except Exception as error:  # a macro raised: report it at the calling line
        line = _template_line(error)
        return Problem(file, first_line + line - 1 if line else None, None, "",
                       f"macro failed: {type(error).__name__}: {error}")
    return None


def _suggest(name: str, env: Environment, variables: dict[str, Any]) -> str:
    candidates = [k for k in (*env.globals, *variables) if not k.startswith("_")]
    close = difflib.get_close_matches(name, candidates, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _template_line(error: BaseException) -> int | None:
    """The template line at which Jinja raised, from its rewritten traceback."""
    line = None
    tb = error.__traceback__ or sys.exc_info()[2]
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
