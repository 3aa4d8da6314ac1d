"""Errors an editor reads: one line each, naming file, line, column and field."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One mistake in one file, located as precisely as the source allows."""

    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"

    def github_annotation(self) -> str:
        """The same problem as a GitHub Actions workflow command."""
        parts = [f"file={self.file}"]
        if self.line is not None:
            parts.append(f"line={self.line}")
        if self.column is not None:
            parts.append(f"col={self.column}")
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"::error {','.join(parts)}::{text}"


class ContentError(Exception):
    """One or more problems in the content; the build must stop."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self):
        """Rebuilt from its problems when it crosses to another process."""
        return (ContentError, (self.problems,))


def display_path(path: Path | str) -> str:
    """A path as an editor sees it: relative to the working directory when possible."""
    absolute, here = os.path.abspath(path), os.getcwd()
    if absolute.startswith(here + os.sep):  # the usual case, without a look at the disk
        return absolute[len(here) + 1:]
    try:  # a path through a symbolic link to the working directory
        return str(Path(path).resolve().relative_to(Path(here).resolve()))
    except ValueError:
        return str(path)
