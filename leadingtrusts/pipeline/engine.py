"""Step 2 of the pipeline: an engine builds one staged tree, and any warning fails it.

The engine is a child process (MkDocs, or ProperDocs from its own
environment), so each build starts from a clean slate and the two audiences
can be built side by side on two cores. Its output is captured rather than
quietened: `--quiet` hides MkDocs' own strict-mode warnings (a broken image
link then exits 0), so every WARNING or ERROR line it prints fails the build
here, whatever its exit code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError, Problem, display_path
from .sources import Project


@dataclass(frozen=True)
class Engine:
    """An engine that takes MkDocs' `build` arguments: its module, and its own venv."""

    module: str
    venv: str | None = None  # None: the Python running this code


ENGINES: dict[str, Engine] = {
    "mkdocs": Engine("mkdocs"),
    # A fork of MkDocs 1.x that replaces the `mkdocs` package, so it lives apart.
    "properdocs": Engine("properdocs", ".venv-properdocs"),
}
# Zensical is not in ENGINES: its command line is not MkDocs' (no --site-dir,
# and it writes only inside the project). tests/test_engines.py runs it.
ZENSICAL_VENV = ".venv-zensical"
# Where this code is checked out: its venvs serve copies of the project too.
CHECKOUT = Path(__file__).resolve().parents[2]
_COMPLAINT = re.compile(r"^(?:WARNING|ERROR)\b")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class EngineRun:
    """A started engine build."""

    name: str
    staged: Path
    site_dir: Path
    process: subprocess.Popen[str]

    def wait(self) -> EngineResult:
        output, _ = self.process.communicate()
        lines = [_ANSI.sub("", line) for line in output.splitlines()]
        complaints = [line for line in lines if _COMPLAINT.match(line)]
        return EngineResult(self.name, self.process.returncode, lines, complaints)


@dataclass(frozen=True)
class EngineResult:
    name: str
    code: int
    lines: list[str]
    complaints: list[str]  # WARNING and ERROR lines

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.complaints

    def report(self, staged_docs: str, editors_docs: str = "docs") -> list[str]:
        """What went wrong, with staged paths shown as the editor's files."""
        shown = self.complaints or self.lines[-15:] or [f"{self.name} exited with {self.code}"]
        return [line.replace(staged_docs, editors_docs) for line in shown]


def venv_python(venv: str, project: Project) -> Path | None:
    """The Python of venv `venv`, in the project or else in this checkout; None if neither."""
    for root in (project.root, CHECKOUT):
        python = root / venv / "bin" / "python"
        if python.is_file():
            return python
    return None


def engine_command(name: str, project: Project) -> list[str]:
    """The command line that runs engine `name`; a missing engine is one editor's line."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine '{name}' (known: {', '.join(ENGINES)})")
    engine = ENGINES[name]
    if engine.venv is None:
        return [sys.executable, "-m", engine.module]
    python = venv_python(engine.venv, project)
    if python is None:
        missing = display_path(project.root / engine.venv / "bin" / "python")
        raise ContentError([Problem(missing, None, None, "",
                                    f"the {name} engine is not installed; "
                                    f"run `make {engine.venv}/.installed`")])
    return [str(python), "-m", engine.module]


def start_build(name: str, project: Project, staged: Path, site_dir: Path) -> EngineRun:
    """Start engine `name` on the staged tree `staged`, writing into `site_dir`."""
    command = [*engine_command(name, project), "build", "--strict", "--clean",
               "--config-file", str(staged / "mkdocs.yml"), "--site-dir", str(site_dir)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=staged, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return EngineRun(name, staged, site_dir, process)
