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

from ..errors import ContentError, Problem

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
        if isinstance(error, TemplateSyntaxError):
            return Problem(file, first_line + (error.lineno or 1) - 1, None, "",
                           f"macro syntax error: {error.message}")
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
            return Problem(file, where, None, "", str(error))
        return Problem(file, where, None, "", f"macro failed: {type(error).__name__}: {error}")

    def _suggest(self, name: str) -> str:
        candidates = [k for k in (*self.env.globals, *self._variables()) if not k.startswith("_")]
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


def checked_call(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` as a macro whose wrong arguments are an editor's message, not a TypeError."""
    signature = inspect.signature(function)

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            raise MacroError(f"{name}() was called as {name}({_shown(args, kwargs)}); "
                             f"it takes {_accepts(signature)}") from None
        return function(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = function.__doc__
    return call


def _shown(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join([*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())])


def _accepts(signature: inspect.Signature) -> str:
    parameters = list(signature.parameters.values())
    if not parameters:
        return "no arguments"
    described = []
    for p in parameters:
        described.append(p.name if p.default is inspect.Parameter.empty
                         else f"{p.name}={p.default!r}")
    return f"({', '.join(described)})"


def load_macros(project: Path, staged: Any) -> MacroEnvironment:
    """A MacroEnvironment with the project's macros.py applied to it."""
    env = MacroEnvironment(project / "overrides" / "partials" / "content", staged)
    module = _module(project / "macros.py")
    module.define_env(env)
    env.macros = {name: checked_call(name, fn) for name, fn in env.macros.items()}
    return env


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("leadingtrusts_site_macros", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
