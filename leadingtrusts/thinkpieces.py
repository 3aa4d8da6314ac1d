"""Thinkpieces and members' pages: front matter, access, and the public preview.

A member-only thinkpiece is split at its `<!-- more -->` marker: the part
above is its public preview, the rest is for members. The public build is
given a preview file that holds only the first part, so member-only text never
enters the public build at all (rather than being hidden in it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from material.plugins.blog.readtime import readtime
from pydantic import BaseModel, ValidationError

from . import schema
from .content import problem_from_pydantic
from .errors import ContentError, Problem, display_path
from .leakcheck import Sentence, member_sentences
from .yamlsource import parse_yaml, read_yaml

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<meta>.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


@dataclass(frozen=True)
class MarkdownSource:
    """A Markdown file split into its validated front matter and its body."""

    path: Path
    text: str
    meta: BaseModel
    body: str
    body_line: int  # the file line on which the body starts

    @property
    def members_only(self) -> bool:
        return getattr(self.meta, "access", "public") == "members"


def read_markdown(path: Path, model: type[BaseModel]) -> MarkdownSource:
    """Read a Markdown file and validate its front matter against `model`."""
    name = display_path(path)
    text = path.read_text(encoding="utf-8-sig")
    match = FRONT_MATTER.match(text)
    if not match:
        raise ContentError([Problem(name, 1, 1, "", "expected front matter between '---' lines "
                                    f"at the top of the file ({', '.join(model.model_fields)})")])
    document = parse_yaml(match.group("meta") or "", name, first_line=2)
    try:
        meta = model.model_validate(document.data)
    except ValidationError as error:
        raise ContentError([problem_from_pydantic(e, document.source, model)
                            for e in error.errors(include_url=False)]) from None
    body_line = text.count("\n", 0, match.end()) + 1
    return MarkdownSource(path, text, meta, text[match.end():], body_line)


def split_preview(source: MarkdownSource, marker: str) -> tuple[str, str]:
    """(public preview including front matter, member-only remainder) of a member-only piece."""
    head, found, rest = source.text.partition(marker)
    if not found:
        raise ContentError([Problem(display_path(source.path), source.body_line, 1, "",
                                    f"a member-only piece needs a '{marker}' line: everything "
                                    "above it is the public preview")])
    return head, rest


def reading_minutes(body_markdown: str, words_per_minute: int) -> int:
    """Minutes to read a whole piece, counted by Material's own blog algorithm.

    The public build only sees the preview, so the full piece's reading time
    is computed here from the source and handed to the blog plugin.
    """
    html = markdown.markdown(body_markdown)
    return readtime(html, words_per_minute)


def preview_document(source: MarkdownSource, marker: str, call_to_action: str) -> str:
    """The Markdown the public build gets for a member-only piece.

    It keeps the original lines up to the marker, so error line numbers still
    match the editor's file, then ends with the call to log in or join.
    """
    head, _ = split_preview(source, marker)
    return f"{head}{marker}\n\n{call_to_action}\n"


def known_authors(path: Path) -> set[str]:
    """The author ids declared in the blog's authors file."""
    document = read_yaml(path)
    authors = document.data.get("authors") if isinstance(document.data, dict) else None
    if not isinstance(authors, dict):
        raise ContentError([document.source.problem(("authors",), "expected a mapping of author "
                                                    "ids to names under 'authors:'")])
    return set(authors)


def check_authors(source: MarkdownSource, known: set[str] | None) -> None:
    """Every author a thinkpiece names is declared in the authors file."""
    if known is None:
        return
    text = source.text
    for author in getattr(source.meta, "authors", []):
        if author not in known:
            line = next((n for n, l in enumerate(text.splitlines(), 1)
                         if l.startswith("authors:")), None)
            raise ContentError([Problem(display_path(source.path), line, None, "authors",
                                        f"unknown author '{author}': expected one of "
                                        f"{', '.join(sorted(known))} (declared in "
                                        "docs/thinkpieces/.authors.yml)")])


def collect_member_sentences(docs: Path, members_dir: str, thinkpieces_dir: str, marker: str,
                             *, relative_to: Path) -> list[Sentence]:
    """The sentences of every member-only text under `docs`: members' pages in
    full and the part of each member-only thinkpiece below its marker."""
    sentences: list[Sentence] = []
    for path in sorted((docs / members_dir).rglob("*.md")):
        source = read_markdown(path, schema.MembersPageMeta)
        sentences += member_sentences(path.relative_to(relative_to).as_posix(), source.body)
    for path in sorted((docs / thinkpieces_dir).rglob("*.md")):
        source = read_markdown(path, schema.ThinkpieceMeta)
        if source.members_only:
            _, members_part = split_preview(source, marker)
            sentences += member_sentences(path.relative_to(relative_to).as_posix(), members_part)
    return sentences
