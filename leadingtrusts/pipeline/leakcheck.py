"""Prove that no member-only text reached any file of a public site.

Member-only text is kept out of the public build by construction (the engine
is never given it); this check is the independent second line.

What counts as a leak: any run of RUN (8) consecutive words of member-only
text (prose, headings, alt text, link and image titles, code, text in raw
HTML and its attributes) found in any file the public build wrote, whatever
its type: HTML and its attribute values, the search index and other JSON,
sitemaps, feeds (escaped HTML or CDATA), JS and CSS, gzip and zip archives,
and printable text inside binary files. A run that also occurs in the same
piece's public preview is not a leak.

What is not checked: a member-only sentence (or heading, or alt text) shorter
than RUN words on its own; it is caught only as part of a longer run of
member-only words around it. Shorter runs are too common to prove a leak.

Both sides are read the same way (`streams`), so nothing can hide a match:
markup is removed (inline tags such as <strong> and <a> join the words on
either side, other tags separate them), each attribute value is a stream of
its own (so attribute names never join or break a run), comments and CDATA
are read as text, HTML entities and JS/JSON backslash escapes are decoded
until nothing changes (escaped HTML in a feed is read as HTML), and words are
compared case-folded, in Unicode NFKC form, with apostrophes, soft hyphens
and zero-width characters removed and every other non-letter (quotes,
dashes, punctuation) a separator. Member-only Markdown is read twice: as the
engine renders it, and as its source text (what shows if it is pasted into a
code block, a JSON file or a feed).
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import markdown

RUN = 8  # words; shorter runs are too common to prove a leak
SHOWN_WORDS = 24  # words of a leaked stretch quoted in its message
DECODING_PASSES = 4  # escaped HTML inside JSON inside HTML needs three
# The extensions mkdocs.yml gives the engine, plus the three MkDocs always adds.
MARKDOWN_EXTENSIONS = ["attr_list", "md_in_html", "admonition", "toc", "tables", "fenced_code",
                       "pymdownx.smartsymbols"]
# Phrasing elements: the words either side of them belong to one run (`Tr<em>us</em>ts`).
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data del dfn em i ins kbd mark q s samp small span strong "
    "sub sup time u var wbr".split())

# A tag only when it really looks like one, so `a<b && c>d` in minified JS stays text.
_TAG = re.compile(r"""<(/?)([A-Za-z][\w:.-]*)((?:\s+[^\s"'<>/=]+"""
                  r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)*)\s*/?>""")
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+))""")
_DECLARATION = re.compile(r"<![A-Za-z][^<>]*>|<\?[^<>]*\?>")  # <!DOCTYPE ...>, <?xml ...?>
_TEXT_WRAPPER = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>")  # their content is read as text
_BACKSLASH_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([nrtfv])|(.))", re.S)
_WORD = re.compile(r"[^\W_]+")
_INSIDE_WORDS = re.compile("['\u2018\u2019\u02bc\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_PRINTABLE = re.compile(rb"[\t\n\r\x20-\x7e]{16,}")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
         (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class MemberTextLike(Protocol):
    page: str
    text: str
    preview: str


@dataclass(frozen=True)
class Leak:
    file: str  # the built file, relative to the site
    page: str  # the member-only source the words come from
    words: str  # the stretch of member-only words found, as normalised words

    def __str__(self) -> str:
        words = self.words.split()
        quoted = " ".join(words[:SHOWN_WORDS]) + (" …" if len(words) > SHOWN_WORDS else "")
        return (f"{self.file}: {len(words)} words of member-only text from {self.page}: "
                f"\"{quoted}\"")


# --- reading any text as streams of words -------------------------------------

def words_of(text: str) -> list[str]:
    """Comparable words: NFKC, case-folded, apostrophes folded (`Trust’s` -> `trusts`)."""
    if text.isascii():  # the common case, ten times faster
        return _WORD.findall(text.lower().replace("'", ""))
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(_INSIDE_WORDS.sub("", text))


def streams(text: str) -> list[list[str]]:
    """The word streams `text` holds (its text without markup, and each attribute
    value), only those long enough to hold a run."""
    found: list[list[str]] = []
    _read_streams(text, found, DECODING_PASSES)
    return [stream for stream in found if len(stream) >= RUN]


def _read_streams(text: str, found: list[list[str]], passes: int) -> None:
    """Append the words of `text`, decoded until stable, and of its attribute values."""
    attribute_values: list[str] = []
    for _ in range(passes):
        decoded = _decode_once(text, attribute_values)
        if decoded == text:
            break
        text = decoded
    found.append(words_of(text))
    for value in attribute_values:  # a value may itself hold escaped markup
        _read_streams(value, found, max(1, passes - 1))


def _decode_once(text: str, attribute_values: list[str]) -> str:
    """One layer off: backslash escapes, markup (values set aside), then entities."""
    if "\\" in text:
        text = _BACKSLASH_ESCAPE.sub(_unescape_backslash, text)
    if "<" in text:
        text = _DECLARATION.sub(" ", _TEXT_WRAPPER.sub(" ", text))
        text = _TAG.sub(lambda tag: _tag_gap(tag, attribute_values), text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _unescape_backslash(escape: re.Match[str]) -> str:
    """A JS/JSON escape as the character it stands for (`\\u2019` -> ’, `\\n` -> space)."""
    code, byte, control, other = escape.groups()
    if code or byte:
        return chr(int(code or byte, 16))
    return " " if control else other


def _tag_gap(tag: re.Match[str], attribute_values: list[str]) -> str:
    """What replaces a tag in the text: nothing for inline tags, else a space.
    Its attribute values that could hold a run are set aside as streams of their own."""
    for quoted, single, bare in _ATTRIBUTE_VALUE.findall(tag[3]):
        value = quoted or single or bare
        if len(value) >= 2 * RUN - 1:
            attribute_values.append(value)
    return "" if tag[2].lower() in INLINE_TAGS else " "


def _runs(words: list[str]) -> Iterator[tuple[str, ...]]:
    return zip(*(words[i:] for i in range(RUN)))


# --- the member-only side -------------------------------------------------------

_renderer = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)


def rendered(member_markdown: str) -> str:
    """Member-only Markdown as the engine renders it, so text inside markup (alt,
    title, code) is seen where the engine puts it."""
    return _renderer.reset().convert(member_markdown)


def markdown_streams(source: str) -> list[list[str]]:
    """The streams of Markdown both as rendered and as written."""
    return streams(rendered(source)) + streams(source)


@dataclass
class LeakIndex:
    """Every run of member-only words, by hash, with the page it comes from."""

    runs: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, texts: Iterable[MemberTextLike]) -> LeakIndex:
        """The index of `texts`, less each piece's runs that its public preview also has."""
        index = cls()
        for text in texts:
            allowed = {hash(run) for stream in markdown_streams(text.preview)
                       for run in _runs(stream)}
            for stream in markdown_streams(text.text):
                for key in map(hash, _runs(stream)):
                    if key not in allowed:
                        index.runs.setdefault(key, text.page)
        return index

    def __len__(self) -> int:
        return len(self.runs)

    def find(self, name: str, text: str) -> list[Leak]:
        """The leaks in one file's text: each member page once per file, with the
        longest stretch of its words found there."""
        longest: dict[str, list[str]] = {}
        known = self.runs.keys()
        for stream in streams(text):
            if known.isdisjoint(map(hash, _runs(stream))):
                continue  # the fast path: almost every stream of a clean site
            for start, page, end in self._stretches(stream):
                if end - start > len(longest.get(page, ())):
                    longest[page] = stream[start:end]
        return [Leak(name, page, " ".join(words)) for page, words in longest.items()]

    def _stretches(self, stream: list[str]) -> Iterator[tuple[int, str, int]]:
        """(start, page, end) of each maximal stretch of `stream` whose runs are all one page's."""
        hashes = [hash(run) for run in _runs(stream)]
        position = 0
        while position < len(hashes):
            page = self.runs.get(hashes[position])
            if page is None:
                position += 1
                continue
            end = position + 1
            while end < len(hashes) and self.runs.get(hashes[end]) == page:
                end += 1
            yield position, page, end - 1 + RUN
            position = end


# --- the public side ------------------------------------------------------------

def built_file_text(name: str, data: bytes) -> str | None:
    """A built file's text as the check reads it (gzip and zip unpacked, JSON decoded
    to its strings, printable text of a binary file), or None when it holds no text."""
    if data[:2] == b"\x1f\x8b":
        try:
            return built_file_text(name.removesuffix(".gz"), gzip.decompress(data))
        except (OSError, EOFError, zlib.error):
            pass  # not gzip after all: read as it is
    if data[:4] == b"PK\x03\x04":
        text = _zip_text(data)
        if text is not None:
            return text
    text = _decoded(data)
    if text is None:
        found = _PRINTABLE.findall(data)
        return b"\n".join(found).decode("ascii") if found else None
    if name.endswith((".json", ".webmanifest", ".map")) or text.lstrip()[:1] in ("{", "["):
        try:  # its strings, with JSON escapes undone by the parser
            return "\n".join(_json_strings(json.loads(text)))
        except ValueError:
            pass
    return text


def _decoded(data: bytes) -> str | None:
    """`data` as text, or None when it is binary (a NUL byte near the start)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _zip_text(data: bytes) -> str | None:
    """The text of every file in a zip archive (a .docx is one), or None if not a zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            texts = [built_file_text(info.filename, archive.read(info))
                     for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        return None
    return "\n".join(text for text in texts if text)


def _json_strings(value: object) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


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
