"""Parse YAML while remembering where every value came from.

PyYAML's composer already knows the line and column of each node; we keep
those marks in a map keyed by the value's path (("terms", 0, "date")), so that
a schema error on a field can name the line an editor must fix. We also make
three choices PyYAML's defaults get wrong for editors:

* YAML 1.2 scalars: `10:30` stays the text "10:30" (YAML 1.1 reads it as the
  base-60 number 630) and `no`, `on`, `yes` stay text, not booleans;
* a key written twice in one mapping is an error, not "last one wins";
* an impossible date such as 2025-02-30 is reported at its position.

ruamel.yaml offers positions too, but PyYAML is already what MkDocs uses and
the walk below is the only extra code it needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError, Problem, display_path

Path_ = tuple[str | int, ...]


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans, integers and floats, that
    remembers the last scalar it scanned: PyYAML often notices a mistake lines
    after it was made (an unclosed quote, a missing `: `), and that scalar is
    where the mistake began."""

    last_scalar: yaml.ScalarToken | None = None

    def scan_plain(self) -> yaml.ScalarToken:
        """A plain scalar, remembered."""
        self.last_scalar = super().scan_plain()
        return self.last_scalar

    def scan_flow_scalar(self, style: str) -> yaml.ScalarToken:
        """A quoted scalar, remembered."""
        self.last_scalar = super().scan_flow_scalar(style)
        return self.last_scalar


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
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
    loader = _Yaml12Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = (error.problem or str(error)).strip()
        context = f" ({error.context.strip()})" if error.context else ""
        raise ContentError([Problem(file, mark.line + 1 if mark else None,
                                    mark.column + 1 if mark else None, "",
                                    f"YAML syntax error: {problem}{context}")]) from None
    except yaml.YAMLError as error:
        raise ContentError([Problem(file, None, None, "", f"YAML syntax error: {error}")]) from None
    finally:
        loader.dispose()
    if node is None:
        return SourceDocument({}, source)
    problems: list[Problem] = []
    data = _build(node, (), source, loader, problems)
    if problems:
        raise ContentError(problems)
    return SourceDocument(data, source)


def _build(node: yaml.Node, path: Path_, source: SourceMap, loader: yaml.SafeLoader,
           problems: list[Problem]) -> Any:
    source.values[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                pos = _position(key_node)
                problems.append(Problem(source.file, pos.line, pos.column, dotted(path),
                                        "expected a plain key, found a complex key or merge (<<)"))
                continue
            key = str(key_node.value)
            child = path + (key,)
            if key in result:
                first = source.keys[child]
                pos = _position(key_node)
                problems.append(Problem(source.file, pos.line, pos.column, dotted(child),
                                        f"key '{key}' appears twice in the same mapping "
                                        f"(first on line {first.line})"))
                continue
            source.keys[child] = _position(key_node)
            result[key] = _build(value_node, child, source, loader, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (index,), source, loader, problems)
                for index, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.constructor.ConstructorError) as error:
        kind = "date" if node.tag.endswith(":timestamp") else node.tag.rsplit(":", 1)[-1]
        reason = getattr(error, "problem", None) or str(error)
        problems.append(source.problem(path, f"expected a real {kind}, found "
                                       f"'{node.value}' ({reason})"))
        return None


def read_yaml(path: Path) -> SourceDocument:
    """Read and parse a YAML file; errors name the file as the editor knows it."""
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(name, None, None, "", "file not found")]) from None
    except UnicodeDecodeError as error:
        raise ContentError([Problem(name, None, None, "",
                                    f"not UTF-8 text (byte {error.start})")]) from None
    return parse_yaml(text, name)
