"""Prove that no member-only sentence reached any file of the public build.

Member-only text is kept out of the public build by construction (the build
never reads it); this check is the independent second line: it takes every
sentence of member-only text and looks for it in every file the public build
wrote (HTML, search index, sitemap, feeds, scripts), after reducing both to
lower-case words so markup, entities and typography cannot hide a match.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import markdown

SHINGLE = 6  # words; a sentence shorter than this is too common to count as a leak
_TAGS = re.compile(r"<[^>]+>")
_BLOCK_TAGS = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|blockquote|pre|div|table|tr|td|th|br|hr)\b[^>]*>", re.I)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Sentence:
    page: str  # the member-only source it comes from
    text: str  # as written
    words: tuple[str, ...]  # normalised


@dataclass(frozen=True)
class Leak:
    file: str
    page: str
    sentence: str

    def __str__(self) -> str:
        return f"{self.file}: member-only sentence from {self.page} leaked: \"{self.sentence}\""


def _words(text: str) -> tuple[str, ...]:
    text = html.unescape(_TAGS.sub(" ", html.unescape(text))).lower().replace("\u2019", "'").replace("'", "")
    return tuple(w for w in _NON_WORD.split(text) if w)


def member_sentences(page: str, member_markdown: str) -> list[Sentence]:
    """The sentences of member-only Markdown long enough to be telling."""
    rendered = _BLOCK_TAGS.sub("\n", markdown.markdown(member_markdown))
    text = html.unescape(_TAGS.sub("", rendered))
    sentences = []
    for raw in _SENTENCE_END.split(text):
        words = _words(raw)
        if len(words) >= SHINGLE:
            sentences.append(Sentence(page, " ".join(raw.split()), words))
    return sentences


def built_file_text(name: str, data: bytes) -> str | None:
    """A built file's text as the check reads it (.gz decompressed, JSON decoded
    to its strings), or None when it is not text."""
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
            text = " ".join(_json_strings(json.loads(text)))
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


def find_leaks(files: dict[str, str], sentences: list[Sentence]) -> list[Leak]:
    """Leaks among `files` (name -> text); linear in the size of the text.

    Each sentence is keyed by its first few words; a file's text is cut into
    every run of that many words, and only sentences whose key appears are
    compared in full.
    """
    by_key: dict[tuple[str, ...], list[Sentence]] = {}
    for sentence in sentences:
        by_key.setdefault(sentence.words[:SHINGLE], []).append(sentence)
    leaks = []
    for name, text in files.items():
        words = _words(text)
        joined = " " + " ".join(words) + " "
        seen: set[Sentence] = set()
        for i in range(len(words) - SHINGLE + 1):
            for sentence in by_key.get(words[i:i + SHINGLE], ()):
                if sentence not in seen and f" {' '.join(sentence.words)} " in joined:
                    seen.add(sentence)
                    leaks.append(Leak(name, sentence.page, sentence.text))
    return leaks


def scan_site(site_dir: Path, sentences: list[Sentence]) -> list[Leak]:
    """Leaks in every file under `site_dir`."""
    files = {}
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        text = built_file_text(path.name, path.read_bytes())
        if text is not None:
            files[str(path.relative_to(site_dir))] = text
    return find_leaks(files, sentences)
