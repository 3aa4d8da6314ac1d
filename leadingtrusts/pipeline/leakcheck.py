"""Prove that no member-only text reached any file of a public site.

Member-only text is kept out of the public build by construction (the engine
is never given it); this check is the independent second line.

What counts as a leak: any run of RUN (8) consecutive words of member-only
text (prose, headings, alt text, link and image titles, code, text in raw
HTML and its attributes) found in any file the public build wrote, whatever
its type: HTML and its attribute values, the search index and other JSON,
sitemaps, feeds (escaped HTML or CDATA), JS and CSS, gzip and zip archives,
and printable text inside binary files. A run that also occurs in the same
piece's public preview is not a leak, nor is a run wholly inside a link's
address (a public page may link to the same web page).

What is not checked: a member-only sentence (or heading, or alt text) shorter
than RUN words on its own; it is caught only as part of a longer run of
member-only words around it. Shorter runs are too common to prove a leak.

Both sides are read the same way (`streams`), so nothing can hide a match:
markup is removed (inline tags such as <strong> and <a> join the words on
either side, other tags separate them), each attribute value is a stream of
its own (so attribute names never join or break a run), comments and CDATA
are read as text, HTML entities, JS/JSON backslash escapes and URL %-escapes
are decoded until nothing changes (so escaped HTML in a feed or a script is
read as HTML), and words are compared case-folded, in Unicode NFKC form, with
apostrophes, soft hyphens and zero-width characters removed and every other
non-letter (quotes, dashes, punctuation) a separator. Member-only Markdown
is read twice: as the engine renders it, and as its source text (what shows
if it is pasted into a code block, a JSON file or a feed).
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
from urllib.parse import unquote

RUN = 8  # words; shorter runs are too common to prove a leak
SHOWN_WORDS = 24  # words of a leaked stretch quoted in its message
DECODING_PASSES = 4  # escaped HTML inside JSON inside HTML needs three
# Phrasing elements: the words either side of them belong to one run (`Tr<em>us</em>ts`).
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data del dfn em i ins kbd mark q s samp small span strong "
    "sub sup time u var wbr".split())

# A tag only when it really looks like one, so `a<b && c>d` in minified JS stays text.
_ATTRIBUTES = r"""((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?)*)\s*/?>"""
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*" + _ATTRIBUTES)
_INLINE_TAG = re.compile(r"</?(?:" + "|".join(sorted(INLINE_TAGS)) + r")(?![\w:.-])" + _ATTRIBUTES,
                         re.I)
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+))""")
_DECLARATION = re.compile(r"<![A-Za-z][^<>]*>|<\?[^<>]*\?>")  # <!DOCTYPE ...>, <?xml ...?>
_TEXT_WRAPPER = re.compile(r"<!--|-->|<!\[CDATA\[|\]\]>")  # their content is read as text
_BACKSLASH_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([nrtfv])|(.))", re.S)
_WORD = re.compile(r"[^\W_]+")
# ASCII letters and digits lower-cased, apostrophes dropped, everything else a space:
# the same words as _WORD finds, in ASCII text.
_ASCII_WORDS = {code: (chr(code).lower() if chr(code).isalnum() else " ") for code in range(128)}
_ASCII_WORDS[ord("'")] = None
_INSIDE_WORDS = re.compile("['\u2018\u2019\u02bc\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_PRINTABLE = re.compile(rb"[\t\n\r\x20-\x7e]{16,}")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
         (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class MemberTextLike(Protocol):
    """What the index is built from (`pipeline.stage.MemberText`)."""

    page: str
    text: str
    preview: str


@dataclass(frozen=True)
class Leak:
    """Member-only words found in a built file."""

    file: str  # the built file, relative to the site
    page: str  # the member-only source the words come from
    words: str  # the stretch of member-only words found, as normalised words

    def __str__(self) -> str:
        """One line for the editor: the file, the member page, and the words (shortened)."""
        words = self.words.split()
        quoted = " ".join(words[:SHOWN_WORDS]) + (" …" if len(words) > SHOWN_WORDS else "")
        return (f"{self.file}: member-only text from {self.page} leaked ({len(words)} words): "
                f"\"{quoted}\"")


# --- reading any text as streams of words -------------------------------------

def words_of(text: str) -> list[str]:
    """Comparable words: NFKC, case-folded, apostrophes folded (`Trust’s` -> `trusts`)."""
    if text.isascii():  # the common case: a translation table is four times faster than a regex
        return text.translate(_ASCII_WORDS).split()
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(_INSIDE_WORDS.sub("", text))


def streams(text: str) -> list[list[str]]:
    """The word streams `text` holds (its text without markup, and each attribute
    value), only those long enough to hold a run."""
    words, values = read_markup(text)
    found = [words] + [stream for value in values for stream in streams(value)]
    return [stream for stream in found if len(stream) >= RUN]


def read_markup(text: str) -> tuple[list[str], list[str]]:
    """The words of `text` decoded until stable, and its attribute values (still encoded)."""
    values: list[str] = []
    for _ in range(DECODING_PASSES):
        decoded = _decode_once(text, values)
        if decoded == text:
            break
        text = decoded
        if not any(sign in text for sign in "\\%<&"):
            break  # nothing left that another pass would decode
    return words_of(text), values


def _decode_once(text: str, values: list[str]) -> str:
    """One layer off: backslash and URL escapes, markup (values set aside), then entities."""
    if "\\" in text:
        text = _BACKSLASH_ESCAPE.sub(_unescape_backslash, text)
    if "%" in text:  # a share link's ?text=Member%20words
        text = unquote(text)
    if "<" in text:
        text = _DECLARATION.sub(" ", _TEXT_WRAPPER.sub(" ", text))
        values += _long_values(text)
        text = _TAG.sub(" ", _INLINE_TAG.sub("", text))
    if "&" in text:
        text = html.unescape(text)
    return text


def _long_values(text: str) -> list[str]:
    """The attribute values in the tags of `text` long enough to hold a run."""
    # One search over the tags' attributes joined, not one per tag: a page holds
    # hundreds of tags, and the per-call cost was most of the whole check.
    attributes = "\n".join(a for a in _TAG.findall(text) if len(a) > 2 * RUN)
    return [value for value in map("".join, _ATTRIBUTE_VALUE.findall(attributes))
            if len(value) >= 2 * RUN - 1]


def _unescape_backslash(escape: re.Match[str]) -> str:
    """A JS/JSON escape as the character it stands for (`\\u2019` -> ’, `\\n` -> space)."""
    code, byte, control, other = escape.groups()
    if code or byte:
        return chr(int(code or byte, 16))
    return " " if control else other


def _runs(words: list[str]) -> Iterator[tuple[str, ...]]:
    """Every RUN consecutive words of `words`."""
    return zip(*(words[i:] for i in range(RUN)))


def _run_hashes(found: list[list[str]]) -> set[int]:
    """The hash of every run in every stream."""
    return {key for stream in found for key in map(hash, _runs(stream))}


# --- the member-only side -------------------------------------------------------

# Markdown read the way its rendered HTML reads, by rewriting the few constructs
# whose words the engine moves or drops (a full Markdown render is five times slower).
_URL_AND_TITLE = (r"""\(\s*<?[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*>?"""
                   r"""(?:\s+("[^"]*"|'[^']*'|\([^()]*\)))?\s*\)""")
_BRACKETED = r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"  # [text], one level of [nested] brackets
_IMAGE = re.compile("!" + _BRACKETED + _URL_AND_TITLE)
_LINK = re.compile(_BRACKETED + "(?:" + _URL_AND_TITLE + r"|\[[^\[\]]*\])")  # inline or [ref]
_LINK_DEFINITION = re.compile(
    r"""^ {0,3}\[[^\]]+\]:[ \t]*\S+(?:[ \t]+("[^"]*"|'[^']*'|\([^()]*\)))?[ \t]*$""", re.M)
_ATTRIBUTE_LIST = re.compile(r"""\{:?[ \t]*((?:[#.][\w-]|[\w-]+=)[^{}\n]*)\}""")
_ADMONITION = re.compile(r"""^([ \t]*)(?:!!!|\?\?\?\+?)[ \t]*([\w-]+)(?:[ \t]+"([^"]*)")?""", re.M)
_FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,}).*$", re.M)
_ORDERED_MARKER = re.compile(r"^([ \t]*)\d+[.)](?=[ \t])", re.M)
# Link and image addresses: web addresses, Markdown link targets, raw HTML's href/src.
_ADDRESS = re.compile(r"""\b[a-z][a-z0-9+.-]{0,31}://[^\s<>"'`)\]]+|\]\(\s*<?([^\s()<>]+)"""
                      r"""|\b(?:href|src|srcset|poster|action|cite)\s*=\s*["']?([^"'\s>]+)""", re.I)


def rendered_streams(member_markdown: str) -> list[list[str]]:
    """The streams of Markdown as the engine renders it, as far as words go: alt
    text and link, image and attribute-list titles are streams of their own (as
    attribute values are), URLs, fence info, list numbers and admonition types go."""
    set_aside: list[str] = []

    def image(found: re.Match[str]) -> str:
        """An image: its alt text and title are streams of their own."""
        set_aside.extend([found[1], _unquoted(found[2])])
        return " "

    def link(found: re.Match[str]) -> str:
        """A link: its text stays in the prose, its title is a stream of its own."""
        set_aside.append(_unquoted(found[2]))
        return found[1]

    def definition(found: re.Match[str]) -> str:
        """A reference link's definition line: only its title is text."""
        set_aside.append(_unquoted(found[1]))
        return " "

    def attribute_list(found: re.Match[str]) -> str:
        """`{#id .class title="..."}`: only its values are text, each a stream."""
        set_aside.extend(q or s or b for q, s, b in _ATTRIBUTE_VALUE.findall(found[1]))
        return " "

    text = _LINK.sub(link, _IMAGE.sub(image, member_markdown))
    text = _ATTRIBUTE_LIST.sub(attribute_list, _LINK_DEFINITION.sub(definition, text))
    text = _ADMONITION.sub(lambda found: found[1] + (found[2] if found[3] is None else found[3]),
                           text)
    text = _ORDERED_MARKER.sub(r"\1", _FENCE.sub("", text))
    return streams(text) + [stream for value in set_aside for stream in streams(value)]


def _unquoted(quoted: str | None) -> str:
    """A Markdown title without its quotes or brackets."""
    return quoted[1:-1] if quoted else ""


def markdown_streams(source: str) -> list[list[str]]:
    """The streams of Markdown both as rendered and as written."""
    return rendered_streams(source) + streams(source)


def address_streams(source: str) -> list[list[str]]:
    """The streams of the addresses Markdown links to: a run wholly inside one is
    not member text, as public pages may link to the same address."""
    addresses = [found[1] or found[2] or found[0] for found in _ADDRESS.finditer(source)]
    return [stream for address in addresses for stream in streams(address)]


@dataclass
class LeakIndex:
    """Every run of member-only words, by hash, with the page it comes from."""

    runs: dict[int, str] = field(default_factory=dict)
    # Attribute values already read and found clean: a theme repeats the same
    # icons, classes and links on every page, so each is read once per build.
    clean_values: set[str] = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def from_texts(cls, texts: Iterable[MemberTextLike]) -> LeakIndex:
        """The index of `texts`, less each piece's runs that its public preview also has
        and runs wholly inside a link's address."""
        index = cls()
        for text in texts:
            member = _run_hashes(markdown_streams(text.text))
            member -= _run_hashes(markdown_streams(text.preview) + address_streams(text.text))
            index.runs.update(dict.fromkeys(member, text.page))
        return index

    def __len__(self) -> int:
        return len(self.runs)

    def find(self, name: str, text: str) -> list[Leak]:
        """The leaks in one file's text: each member page once per file, with the
        longest stretch of its words found there."""
        longest: dict[str, list[str]] = {}
        for stream in self._suspect_streams(text):
            for start, page, end in self._stretches(stream):
                if end - start > len(longest.get(page, ())):
                    longest[page] = stream[start:end]
        return [Leak(name, page, " ".join(words)) for page, words in longest.items()]

    def _suspect_streams(self, text: str) -> Iterator[list[str]]:
        """The streams of `text` (as `streams` reads them) that share a run with the index."""
        words, values = read_markup(text)
        if len(words) >= RUN and not self.runs.keys().isdisjoint(map(hash, _runs(words))):
            yield words
        for value in values:
            if value in self.clean_values:
                continue
            suspects = list(self._suspect_streams(value))
            yield from suspects
            if not suspects:
                self.clean_values.add(value)

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
        except (ValueError, RecursionError):
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
