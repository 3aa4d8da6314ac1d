"""Markdown pages: their front matter, validated, and what the theme is given of it.

Every page in docs/ starts with front matter checked against its collection's
model (site/schema.py). Editors type plain text there; the theme (Material)
prints front matter straight into HTML (`<title>`, `<meta name="description">`,
the blog cards, the search index), treating it as HTML the way it treats a
title taken from a page's heading. So the staged front matter carries each
text escaped exactly once, by `as_html_text`: the one place the plain-text
rule for front matter is applied.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ContentError, Problem, display_path
from ..site import schema
from ..site.loading import problems_from_pydantic
from ..site.yamlsource import parse_yaml, read_text, read_yaml

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<meta>.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


@dataclass(frozen=True)
class MarkdownSource:
    """A Markdown file split into its validated front matter and its body."""

    path: Path  # on disk
    docs_path: str  # under docs/, e.g. "thinkpieces/posts/growth-that-lasts.md"
    text: str
    meta: BaseModel | None
    body: str
    body_line: int  # the file line on which the body starts

    @cached_property
    def name(self) -> str:
        """The file as the editor knows it, e.g. docs/programme/price.md."""
        return display_path(self.path)

    @property
    def members_only(self) -> bool:
        return getattr(self.meta, "access", "public") == "members"

    @property
    def title(self) -> str | None:
        return getattr(self.meta, "title", None)


def read_markdown(path: Path, docs_path: str, model: type[BaseModel] | None = None) -> MarkdownSource:
    """Read a Markdown page and validate its front matter against its collection's model."""
    model = model or schema.page_collection(docs_path).model
    name = display_path(path)
    text = read_text(path)
    match = FRONT_MATTER.match(text)
    if not match:
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        if required:
            raise ContentError([Problem(name, 1, 1, "", "expected front matter between '---' lines "
                                        f"at the top of the file ({', '.join(model.model_fields)})")])
        return MarkdownSource(path, docs_path, text, model.model_validate({}), text, 1)
    document = parse_yaml(match.group("meta") or "", name, first_line=2)
    try:
        meta = model.model_validate(document.data if document.data is not None else {})
    except ValidationError as error:
        raise ContentError(problems_from_pydantic(error, document.source, model)) from None
    body_line = text.count("\n", 0, match.end()) + 1
    return MarkdownSource(path, docs_path, text, meta, text[match.end():], body_line)


def as_html_text(text: str) -> str:
    """Plain text made safe to print where the theme expects HTML: `<`, `>`, `&`
    and `"` become entities, so the text shows exactly as typed."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def staged_front_matter(source: MarkdownSource, **extra: Any) -> dict[str, Any]:
    """The front matter the engine is given: the editor's values, every text escaped once."""
    meta = source.meta.model_dump(mode="python", exclude_none=True) if source.meta else {}
    meta.update(extra)
    if "summary" in meta:
        meta.setdefault("description", meta["summary"])
    return {key: _escaped(value) for key, value in meta.items() if value not in ([], None)}


def _escaped(value: Any) -> Any:
    """`value` with every string in it escaped once (lists and mappings included)."""
    if isinstance(value, str):
        return as_html_text(value)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {key: _escaped(v) for key, v in value.items()}
    if isinstance(value, (dt.date, int, float, bool)):
        return value
    return str(value)


def known_authors(path: Path) -> dict[str, str]:
    """The author ids declared in the blog's authors file, with their names."""
    document = read_yaml(path)
    authors = document.data.get("authors") if isinstance(document.data, dict) else None
    if not isinstance(authors, dict):
        raise ContentError([document.source.problem(("authors",), "expected a mapping of author "
                                                    "ids to names under 'authors:'")])
    return {key: str((value or {}).get("name", key)) for key, value in authors.items()}


def check_authors(source: MarkdownSource, known: dict[str, str], authors_file: str) -> None:
    """Every author a thinkpiece names is declared in the authors file."""
    for author in getattr(source.meta, "authors", []):
        if author not in known:
            line = next((n for n, text in enumerate(source.text.splitlines(), 1)
                         if text.startswith("authors:")), None)
            raise ContentError([Problem(source.name, line, None, "authors",
                                        f"unknown author '{author}': expected one of "
                                        f"{', '.join(sorted(known))} (declared in {authors_file})")])
