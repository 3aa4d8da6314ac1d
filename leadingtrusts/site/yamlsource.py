"""Parse YAML while remembering where every value came from.

PyYAML's composer already knows the line and column of each node; we keep
those marks in a map keyed by the value's path (("terms", 0, "date")), so that
a schema error on a field can name the line an editor must fix. We also make
four choices where PyYAML's defaults fail editors:

* YAML 1.2 scalars: `10:30` stays the text "10:30" (YAML 1.1 reads it as the
  base-60 number 630) and `no`, `on`, `yes` stay text, not booleans;
* a key written twice in one mapping is an error, not "last one wins";
* an impossible date such as 2025-02-30 is reported at its position;
* a syntax error is named where the mistake began (the line of an unclosed
  quote or bracket, of a key missing its `: `), not where PyYAML gave up.

ruamel.yaml offers positions too, but PyYAML is already what MkDocs uses and
the walk below is the only extra code it needs.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError, Problem, display_path

Path_ = tuple[str | int, ...]


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans, integers and floats, that
    remembers the last scalars it scanned: PyYAML often notices a mistake lines
    after it was made (an unclosed quote, a missing `: `), and such a scalar is
    where the mistake began."""

    last_quoted: yaml.ScalarToken | None = None

    def __init__(self, stream: str):
        super().__init__(stream)
        self.recent: deque[yaml.ScalarToken] = deque(maxlen=4)

    @property
    def last_scalar(self) -> yaml.ScalarToken | None:
        return self.recent[-1] if self.recent else None

    def scan_plain(self) -> yaml.ScalarToken:
        """A plain scalar, remembered."""
        self.recent.append(super().scan_plain())
        return self.recent[-1]

    def scan_flow_scalar(self, style: str) -> yaml.ScalarToken:
        """A quoted scalar, remembered."""
        self.last_quoted = super().scan_flow_scalar(style)
        self.recent.append(self.last_quoted)
        return self.last_quoted

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """YAML 1.2 integers: `012` is twelve (YAML 1.1 read it as octal ten)."""
        value = self.construct_scalar(node)
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _Yaml12Loader.construct_yaml_int)
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


class _FastYaml12Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same YAML 1.2 reading with libyaml's parser in C, for files that are right.

    A file with a syntax error is parsed again with `_Yaml12Loader`, whose
    memory of recent scalars places the error where the editor made it.
    """


_FastYaml12Loader.yaml_implicit_resolvers = _Yaml12Loader.yaml_implicit_resolvers
_FastYaml12Loader.add_constructor("tag:yaml.org,2002:int", _Yaml12Loader.construct_yaml_int)


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of one YAML document stands."""

    file: str
    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> Position | None:
        """The position of `path`, or of its nearest ancestor that has one."""
        if key and path in self.keys:
            return self.keys[path]
        probe = tuple(path)
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get(())

    def problem(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        pos = self.locate(path, key=key)
        return Problem(self.file, pos.line if pos else None, pos.column if pos else None,
                       dotted(path), message)


@dataclass
class SourceDocument:
    data: Any
    source: SourceMap


def dotted(path: Path_) -> str:
    """('terms', 0, 'date') -> 'terms[0].date'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def parse_yaml(text: str, file: str, *, first_line: int = 1) -> SourceDocument:
    """Parse one YAML document, raising ContentError with positions on any mistake.

    `first_line` is the line of the file on which `text` starts (front matter
    starts on line 2, after its opening `---`).
    """
    if first_line != 1:
        text = "\n" * (first_line - 1) + text
    source = SourceMap(file)
    loader, node = _compose(text, file)
    if node is None:
        return SourceDocument({}, source)
    problems: list[Problem] = []
    data = _build(node, (), source, loader, problems)
    if problems:
        raise ContentError(problems)
    return SourceDocument(data, source)


def _compose(text: str, file: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """The document's node and its loader: libyaml's parser for a sound file; for one
    with a mistake, PyYAML's, which remembers where the mistake began."""
    fast = _FastYaml12Loader(text)
    try:
        return fast, fast.get_single_node()
    except yaml.YAMLError:
        fast.dispose()
    loader = _Yaml12Loader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise ContentError([syntax_problem(error, loader, text, file)]) from None
    except yaml.YAMLError as error:
        raise ContentError([Problem(file, None, None, "", f"YAML syntax error: {error}")]) from None


# --- syntax errors, named where the editor made them ---------------------------

CLOSING = {"[": "]", "{": "}", '"': '"', "'": "'"}
MISSING_COLON = ("expected 'key: value' on this line: is the ': ' (a colon and a space) "
                 "after the key missing?")


def syntax_problem(error: yaml.MarkedYAMLError, loader: _Yaml12Loader, text: str,
                   file: str) -> Problem:
    """One message for a YAML syntax error, at the line where the mistake began."""
    noticed = error.problem_mark or error.context_mark
    problem = (error.problem or str(error)).strip()
    opened = _unclosed_opener(error, loader.last_quoted, text)
    if opened is not None:
        char = text[opened.index]
        message = (f"this {char} is not closed on this line: add the closing {CLOSING[char]} "
                   f"(YAML read on to line {noticed.line + 1} looking for it)")
        return _problem_at(file, opened, message)
    if error.context == "while scanning a simple key" and error.context_mark:
        return _problem_at(file, error.context_mark, MISSING_COLON)
    if problem == "mapping values are not allowed here":
        return _misplaced_colon(loader.last_scalar, noticed, text, file)
    if problem.startswith("expected '<document start>'"):
        # A first line `number 3` is a whole document; the mapping after it is a second one.
        before = next((s for s in reversed(loader.recent) if s.start_mark.line < noticed.line), None)
        if _key_without_colon(before, noticed, text):
            return _problem_at(file, before.start_mark, MISSING_COLON)
    if "'\\t'" in problem or "\t" in problem:
        return _problem_at(file, noticed, "a tab character: YAML indents with spaces only; "
                                          "replace the tab with spaces")
    if problem.startswith(("expected <block end>", "expected '<document start>'")) \
            or error.context in ("while parsing a block mapping", "while parsing a block collection"):
        lines = text.splitlines()
        mark, line = _misindented(lines, noticed)
        return _problem_at(file, mark, f"this line's indentation does not fit the lines around "
                           f"it: line it up with the key it belongs beside, or under the key it "
                           f"belongs to ({line.strip()[:40]!r})")
    context = f" ({error.context.strip()})" if error.context else ""
    return _problem_at(file, noticed, f"{problem}{context}")


def _misplaced_colon(scalar: yaml.ScalarToken | None, noticed: yaml.Mark, text: str,
                     file: str) -> Problem:
    """A `: ` where YAML did not expect one: a key whose own `: ` is missing on an earlier
    line, a line indented too far, or a value holding `: ` that needs quotes."""
    if _key_without_colon(scalar, noticed, text):
        return _problem_at(file, scalar.start_mark, MISSING_COLON)
    if scalar is not None and scalar.start_mark.line < noticed.line:
        return _problem_at(file, noticed, "this line is read as part of the value on line "
                           f"{scalar.start_mark.line + 1}: check its indentation")
    return _problem_at(file, noticed, "a value that contains ': ' must be put in quotes, "
                       "e.g. title: \"Growth: what it is for\"")


def _misindented(lines: list[str], noticed: yaml.Mark) -> tuple[yaml.Mark, str]:
    """The line whose indentation is wrong. PyYAML notices a line indented too far only
    at the next line; when the line before holds a whole `key: value` and stands
    deeper than the line noticed, that line before is the culprit."""
    here = lines[noticed.line] if noticed.line < len(lines) else ""
    before = next((n for n in range(noticed.line - 1, -1, -1)
                   if lines[n].strip() and not lines[n].lstrip().startswith("#")), None)
    if before is not None:
        previous = lines[before]
        indent = len(previous) - len(previous.lstrip())
        key, colon, value = previous.strip().partition(": ")
        here_indent = len(here) - len(here.lstrip())
        # The line noticed must stand at a level used above: otherwise it is itself
        # the one out of line (indented too little).
        levels = {len(line) - len(line.lstrip()) for line in lines[:before] if line.strip()}
        if colon and value.strip() and indent > here_indent and here_indent in levels:
            return yaml.Mark("", 0, before, indent, None, None), previous
    return noticed, here


def _problem_at(file: str, mark: yaml.Mark | None, message: str) -> Problem:
    return Problem(file, mark.line + 1 if mark else None, mark.column + 1 if mark else None, "",
                   f"YAML syntax error: {message}")


def _unclosed_opener(error: yaml.MarkedYAMLError, last_quoted: yaml.ScalarToken | None,
                     text: str) -> yaml.Mark | None:
    """Where a quote or bracket that runs on past its line was opened, if that is the mistake."""
    noticed = error.problem_mark or error.context_mark
    opened = error.context_mark
    context = error.context or ""
    if opened is not None and noticed is not None and opened.line < noticed.line and (
            "flow sequence" in context or "flow mapping" in context
            or "quoted scalar" in context):
        return opened if text[opened.index:opened.index + 1] in CLOSING else None
    if (last_quoted is not None and noticed is not None
            and last_quoted.start_mark.line < last_quoted.end_mark.line == noticed.line):
        return last_quoted.start_mark
    return None


def _key_without_colon(scalar: yaml.ScalarToken | None, noticed: yaml.Mark | None,
                       text: str) -> bool:
    """Whether `scalar` is a key whose `: ` is missing: plain, first on its line (after any
    list dash) and run on into the following lines until a colon stopped it."""
    if scalar is None or scalar.style is not None or noticed is None:
        return False
    start = scalar.start_mark
    if start.line >= noticed.line:
        return False
    before = text[start.index - start.column:start.index]
    return before.strip() in ("", "-")


# --- values, with their positions ----------------------------------------------

def _build(node: yaml.Node, path: Path_, source: SourceMap, loader: yaml.SafeLoader,
           problems: list[Problem]) -> Any:
    source.values[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, source, loader, problems)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (index,), source, loader, problems)
                for index, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.constructor.ConstructorError) as error:
        problems.append(source.problem(path, _unreadable_scalar(node, error)))
        return None


def _build_mapping(node: yaml.MappingNode, path: Path_, source: SourceMap,
                   loader: yaml.SafeLoader, problems: list[Problem]) -> dict[str, Any]:
    """A mapping's values; only its first repeated key is reported, since one mistake
    (a list item's missing `- `) repeats every key after it."""
    result: dict[str, Any] = {}
    repeated = False
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            pos = _position(key_node)
            problems.append(Problem(source.file, pos.line, pos.column, dotted(path),
                                    "expected a plain key, found a complex key or merge (<<)"))
            continue
        key = str(key_node.value)
        child = path + (key,)
        if key in result:
            if not repeated:
                problems.append(_repeated_key(source, path, key, key_node))
            repeated = True
            continue
        source.keys[child] = _position(key_node)
        result[key] = _build(value_node, child, source, loader, problems)
    return result


def _repeated_key(source: SourceMap, path: Path_, key: str, key_node: yaml.Node) -> Problem:
    """The message for a key written twice in one mapping."""
    first = source.keys[path + (key,)]
    pos = _position(key_node)
    message = f"key '{key}' appears twice in the same mapping (first on line {first.line})"
    if path and isinstance(path[-1], int):
        message += f": if this line starts a new list item, write '- {key}:'; a '- ' is probably missing"
    return Problem(source.file, pos.line, pos.column, dotted(path + (key,)), message)


def _unreadable_scalar(node: yaml.ScalarNode, error: Exception) -> str:
    """What was wrong with a value YAML could not read (an impossible date, say)."""
    reason = getattr(error, "problem", None) or str(error)
    if node.tag.endswith(":timestamp"):
        kind = "date and time" if any(c in node.value for c in "Tt :") else "date"
        if reason.startswith("offset must be a timedelta"):
            reason = "a time offset such as +01:00 must be less than 24 hours"
    else:
        kind = node.tag.rsplit(":", 1)[-1]
    return f"expected a real {kind}, found '{node.value}' ({reason})"


# --- files ---------------------------------------------------------------------

def read_text(path: Path) -> str:
    """A source file's text; a missing file or a byte that is not UTF-8 is one editor's
    message naming the line and column of that byte."""
    name = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ContentError([Problem(name, None, None, "", "file not found")]) from None
    try:
        # Windows line endings read as any others: a page saved in Notepad must not
        # lose its front matter (the front-matter pattern and Markdown expect \n).
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start:error.start].decode("utf-8-sig", errors="replace")) + 1
        byte = data[error.start]
        guess = bytes([byte]).decode("cp1252", errors="replace")
        raise ContentError([Problem(
            name, line, column, "",
            f"not UTF-8 text: byte 0x{byte:02x} cannot be read (in the older Windows encoding it "
            f"would be '{guess}'); save the file as UTF-8")]) from None


def read_yaml(path: Path) -> SourceDocument:
    """Read and parse a YAML file; errors name the file as the editor knows it."""
    return parse_yaml(read_text(path), display_path(path))
