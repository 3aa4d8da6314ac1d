"""Macros in Markdown pages, rendered by the stage with every error at its file and line.

macros.py is written for mkdocs-macros' `define_env(env)` interface
(`env.variables`, `env.filters`, `env.macro`); `MacroEnvironment` offers that
interface on a Jinja environment of our own, so the pages are rendered before
any engine sees them. That keeps the two promises engine-neutral: text from
content/ is autoescaped whatever engine builds the site (Zensical's macros do
not autoescape), and an editor's mistake is reported as one line naming the
file and line instead of a traceback.

Conventions kept from mkdocs-macros: undefined names are errors, and comments
are `{// ... //}` because `{#` would swallow attribute lists such as `{#pricing}`.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from jinja2 import (Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError,
                    UndefinedError)
from markupsafe import Markup

from ..errors import ContentError, Problem, display_path

JINJA_MARKERS = ("{{", "{%", "{//")
_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


class MacroError(ValueError):
    """A macro was called wrongly; the message says what it accepts."""


@dataclass(frozen=True)
class PageInfo:
    """What a page's macros may know about the page itself."""

    url: str  # e.g. "thinkpieces/growth-that-lasts/"
    meta: dict[str, Any] = field(default_factory=dict)


class MacroEnvironment:
    """mkdocs-macros' `env`, as macros.py sees it, backed by our own Jinja environment."""

    def __init__(self, partials_dir: Path, staged: Any):
        self.staged = staged  # the StagedContext this build renders
        self.partials_dir = partials_dir
        self.env = Environment(
            loader=FileSystemLoader(str(partials_dir)), autoescape=True,
            undefined=StrictUndefined, keep_trailing_newline=True,
            comment_start_string="{//", comment_end_string="//}")
        self.filters = self.env.filters
        self.variables: dict[str, Any] = {}
        self.macros: dict[str, Callable[..., Any]] = {}
        self.page: PageInfo | None = None

    def macro(self, function: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
        """Register `function` as a macro pages can call (a decorator, as in mkdocs-macros)."""
        self.macros[name or function.__name__] = function
        return function

    def partial_names(self) -> list[str]:
        """Every partial in the folder; each is the macro of the same name."""
        return sorted(p.stem for p in self.partials_dir.glob("*.html"))

    def render_partial(self, name: str, **context: Any) -> Markup:
        """A partial rendered with the page's variables (autoescaped)."""
        template = self.env.get_template(f"{name}.html")
        return Markup(template.render(**self._variables(), **context))

    def _variables(self) -> dict[str, Any]:
        page = self.page or PageInfo("")
        return {**self.variables, **self.macros, **page.meta, "page": page}

    def render(self, markdown: str, page: PageInfo, file: str, first_line: int) -> str:
        """`markdown` with its macros rendered; a ContentError names the line at fault."""
        if not any(marker in markdown for marker in JINJA_MARKERS):
            return markdown
        self.page = page
        try:
            return self.env.from_string(markdown).render(**self._variables())
        except Exception as error:  # every failure becomes one editor's message
            raise ContentError([self._problem(error, markdown, file, first_line)]) from None
        finally:
            self.page = None

    def _problem(self, error: Exception, markdown: str, file: str, first_line: int) -> Problem:
        """One editor's message for an error raised while rendering `markdown`."""
        if isinstance(error, TemplateSyntaxError):
            line, column, message = syntax_error_at(self.env, markdown, error, first_line)
            return Problem(file, line, column, "", message)
        line = _template_line(error)
        where = first_line + line - 1 if line is not None else None
        if isinstance(error, UndefinedError):
            name_match = _UNDEFINED_NAME.search(str(error))
            name = next(g for g in name_match.groups() if g) if name_match else ""
            column = None
            if line is not None and name:
                column = markdown.splitlines()[line - 1].find(name) + 1 or None
            return Problem(file, where, column, "",
                           f"unknown macro or variable: {error.message}{self._suggest(name)}")
        if isinstance(error, MacroError):
            return Problem(file, where, _call_column(markdown, line, str(error)), "", str(error))
        return Problem(file, where, None, "", f"macro failed: {type(error).__name__}: {error}")

    def _suggest(self, name: str) -> str:
        candidates = [k for k in (*self.env.globals, *self._variables()) if not k.startswith("_")]
        close = difflib.get_close_matches(name, candidates, n=1)
        return f" (did you mean '{close[0]}'?)" if close else ""


def _call_column(markdown: str, line: int | None, message: str) -> int | None:
    """The column of the call `name(` a MacroError's message (`name() ...`) is about."""
    called = re.match(r"(\w+)\(", message)
    if line is None or not called:
        return None
    return markdown.splitlines()[line - 1].find(called.group(0)) + 1 or None


# --- syntax errors, named where the unclosed tag was opened -----------------------

BLOCK_TAGS = {"if", "for", "macro", "call", "filter", "with", "autoescape", "block", "set"}


@dataclass
class _Tag:
    """One `{{ ... }}` or `{% ... %}` tag as the lexer saw it."""

    marker: str  # "{{" or "{%"
    line: int  # where it was opened
    column: int | None
    name: str = ""  # a block tag's name, e.g. "if"
    end_line: int | None = None  # where it was closed, if it was
    assigns: bool = False  # `{% set x = ... %}` has no end tag

    @property
    def closing(self) -> str:
        return "}}" if self.marker == "{{" else "%}"

    def runs_on(self, last_line: int, finished: bool) -> bool:
        """Whether the tag is not closed on the line it was opened on."""
        if self.end_line is not None:
            return self.end_line > self.line
        return finished or last_line > self.line


def syntax_error_at(env: Environment, markdown: str, error: TemplateSyntaxError,
                    first_line: int = 1) -> tuple[int, int | None, str]:
    """(line, column, message) of a macro syntax error, at the tag that caused it; lines
    count from `first_line`, the line of the file on which `markdown` starts.

    Jinja reports where it noticed the mistake: the end of the page for an
    `{% if %}` with no `{% endif %}`, a later line for a `{{` with no `}}`.
    We read the page's tags ourselves to name the line where the tag was opened.
    """
    noticed = error.lineno or 1
    tags, last_line, finished = _tags(env, markdown)
    at_end = error.message.lower().startswith("unexpected end of template")
    block = _innermost_open_block(tags) if at_end else None
    tag = block or _tag_at(tags, noticed)
    if tag is None:
        return noticed + first_line - 1, None, f"macro syntax error: {error.message}"
    line = tag.line + first_line - 1
    if block is not None:
        message = (f"'{{% {block.name} %}}' is opened here but never closed: "
                   f"add '{{% end{block.name} %}}' where it should end")
    elif tag.runs_on(last_line, finished):
        further = max(tag.end_line or last_line, noticed) + first_line - 1
        message = f"'{tag.marker}' is opened here but not closed on this line: add '{tag.closing}'"
        if further > line:
            message += f" (Jinja read on to line {further} looking for it)"
    else:
        message = error.message
    return line, tag.column, f"macro syntax error: {message}"


def _tag_at(tags: list[_Tag], line: int) -> _Tag | None:
    """The last tag opened at or before `line` and not closed before it."""
    return next((t for t in reversed(tags)
                 if t.line <= line and (t.end_line is None or t.end_line >= line)), None)


def _tags(env: Environment, markdown: str) -> tuple[list[_Tag], int, bool]:
    """Every tag the lexer reaches, the last line it reached, and whether it reached the end."""
    tags: list[_Tag] = []
    current: _Tag | None = None
    line = 1
    opened_on_line: dict[int, int] = {}
    try:
        for line, kind, value in env.lex(markdown):
            if kind in ("variable_begin", "block_begin"):
                count = opened_on_line[line] = opened_on_line.get(line, 0) + 1
                current = _Tag(value[:2], line, _nth_opening(markdown, line, count))
                tags.append(current)
            elif kind in ("variable_end", "block_end") and current is not None:
                current.end_line, current = line, None
            elif current is not None and current.marker == "{%":
                if kind == "name" and not current.name:
                    current.name = value
                elif kind == "operator" and value == "=":
                    current.assigns = True
    except TemplateSyntaxError:
        return tags, line, False
    return tags, line, True


def _nth_opening(markdown: str, line: int, count: int) -> int | None:
    """The column of the `count`-th `{{` or `{%` on `line`."""
    text = markdown.splitlines()[line - 1] if line <= len(markdown.splitlines()) else ""
    found = [m.start() + 1 for m in re.finditer(r"\{\{|\{%", text)]
    return found[count - 1] if count <= len(found) else None


def _innermost_open_block(tags: list[_Tag]) -> _Tag | None:
    """The last block tag (`{% if %}`, `{% for %}` ...) still open at the end of the page."""
    stack: list[_Tag] = []
    for tag in tags:
        if tag.name in BLOCK_TAGS and not (tag.name == "set" and tag.assigns):
            stack.append(tag)
        elif tag.name.startswith("end"):
            for index in range(len(stack) - 1, -1, -1):
                if stack[index].name == tag.name[len("end"):]:
                    del stack[index:]
                    break
    return stack[-1] if stack else None


def _template_line(error: BaseException) -> int | None:
    """The template line at which Jinja raised, from its rewritten traceback."""
    line = None
    tb = error.__traceback__ or sys.exc_info()[2]
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def checked_call(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` as a macro whose wrong arguments are an editor's message, not a TypeError."""
    signature = inspect.signature(function)

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            raise MacroError(f"{name}() was called as {name}({_shown(args, kwargs)}), but "
                             f"{_accepts(name, signature)}{_purpose(function)}") from None
        return function(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = function.__doc__
    return call


def _shown(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join([*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())])


def _accepts(name: str, signature: inspect.Signature) -> str:
    """'it takes no arguments' or 'it is written count(kind)'."""
    parameters = list(signature.parameters.values())
    if not parameters:
        return f"it takes no arguments: write {name}()"
    described = [p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
                 for p in parameters]
    return f"it is written {name}({', '.join(described)})"


def _purpose(function: Callable[..., Any]) -> str:
    """What the macro gives, from the first line of its docstring, e.g. " (gives '12 webinars')"."""
    summary = (inspect.getdoc(function) or "").strip().splitlines()
    return f" (it gives {summary[0].rstrip('.')})" if summary else ""


def load_macros(project: Path, staged: Any) -> MacroEnvironment:
    """A MacroEnvironment with the project's macros.py applied to it."""
    env = MacroEnvironment(project / "overrides" / "partials" / "content", staged)
    module = _module(project / "macros.py")
    module.define_env(env)
    env.macros = {name: checked_call(name, fn) for name, fn in env.macros.items()}
    return env


def _module(path: Path) -> ModuleType:
    """macros.py as a module; a mistake in it is one line naming its file and line."""
    spec = importlib.util.spec_from_file_location("leadingtrusts_site_macros", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise ContentError([Problem(display_path(path), error.lineno, error.offset, "",
                                    f"Python syntax error: {error.msg}")]) from None
    return module
