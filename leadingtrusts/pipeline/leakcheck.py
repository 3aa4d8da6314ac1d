"""Prove that no member-only text reached any file of a public site.

Member-only text is kept out of the public build by construction (the engine
is never given it); this check is the independent second line. It takes every
run of RUN consecutive words of member-only text (prose, headings, alt text,
link titles, code) and looks for any of them in every file the public build
wrote, whatever its type (HTML and its attributes, search index, sitemap,
feeds, JSON, gzip). Both sides are reduced to lower-case words first, so
markup, entities, JSON escapes and typography cannot hide a match. A run that
also occurs in the same piece's public preview is not a leak.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import markdown

RUN = 8  # words; shorter runs are too common to prove a leak
_TAG = re.compile(r"<[^>]*>")
_ATTRIBUTE = re.compile(r"""\s[\w:-]+\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NON_WORD = re.compile(r"[^0-9a-z]+")


class MemberTextLike(Protocol):
    page: str
    text: str
    preview: str


@dataclass(frozen=True)
class Leak:
    file: str  # the built file, relative to the site
    page: str  # the member-only source the words come from
    words: str  # the run that leaked, as normalised words

    def __str__(self) -> str:
        return f"{self.file}: member-only text from {self.page} leaked: \"{self.words}\""


def words_of(text: str) -> list[str]:
    """Lower-case words, apostrophes and entities folded (`Trust’s` -> `trusts`)."""
    text = html.unescape(text).lower().replace("\u2019", "").replace("'", "")
    return [w for w in _NON_WORD.split(text) if w]


def streams(text: str) -> list[list[str]]:
    """The word streams a file holds: its text with tags removed, and each attribute value.

    Attribute values (alt text, titles, meta content) are separate streams, so
    tag and attribute names never break a run of words and never join two.
    """
    result = [words_of(_TAG.sub(" ", text))]
    for tag in _TAG.findall(text):
        for double, single in _ATTRIBUTE.findall(tag):
            value = double or single
            if len(value) > 20:  # a value that could hold a run of words
                result.append(words_of(value))
    return [s for s in result if len(s) >= RUN]


def _runs(words: list[str]) -> Iterator[tuple[str, ...]]:
    return zip(*(words[i:] for i in range(RUN)))


def rendered(member_markdown: str) -> str:
    """Member-only Markdown as HTML, so text inside markup (alt, title, code) is seen."""
    return markdown.markdown(member_markdown, extensions=["attr_list", "md_in_html", "tables"])


@dataclass
class LeakIndex:
    """Every run of member-only words, by hash, with the page it comes from."""

    runs: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, texts: Iterable[MemberTextLike]) -> LeakIndex:
        index = cls()
        for text in texts:
            allowed = {hash(run) for s in streams(rendered(text.preview)) for run in _runs(s)}
            for stream in streams(rendered(text.text)):
                for run in _runs(stream):
                    key = hash(run)
                    if key not in allowed:
                        index.runs.setdefault(key, text.page)
        return index

    def __len__(self) -> int:
        return len(self.runs)

    def find(self, name: str, text: str) -> list[Leak]:
        """The leaks in one file's text (each member page reported once per file)."""
        found: dict[str, Leak] = {}
        for stream in streams(text):
            hashes = map(hash, _runs(stream))
            if self.runs.keys().isdisjoint(hashes):
                continue
            for run in _runs(stream):
                page = self.runs.get(hash(run))
                if page is not None and page not in found:
                    found[page] = Leak(name, page, " ".join(run))
        return list(found.values())


def built_file_text(name: str, data: bytes) -> str | None:
    """A built file's text as the check reads it (.gz decompressed, JSON decoded
    to its strings), or None when it holds no text."""
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            pass
        name = name[:-3]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if name.endswith(".json"):
        try:  # JSON escapes (\u2019, \n) would otherwise split words
            text = "\n".join(_json_strings(json.loads(text)))
        except ValueError:
            pass
    return text


def _json_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def find_leaks(files: Mapping[str, str], index: LeakIndex) -> list[Leak]:
    """Leaks among `files` (name -> text)."""
    return [leak for name, text in files.items() for leak in index.find(name, text)]


def scan_site(site_dir: Path, index: LeakIndex) -> list[Leak]:
    """Leaks in every file under `site_dir`."""
    found = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        text = built_file_text(path.name, path.read_bytes())
        if text is not None:
            found += index.find(path.relative_to(site_dir).as_posix(), text)
    return found
