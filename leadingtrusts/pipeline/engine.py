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

from .sources import Project

# An engine is a command that takes MkDocs' `build` arguments.
ENGINES: dict[str, tuple[str, ...]] = {
    "mkdocs": ("{python}", "-m", "mkdocs"),
    "properdocs": ("{properdocs_python}", "-m", "properdocs"),
}
PROPERDOCS_VENV = ".venv-properdocs"
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


def engine_command(name: str, project: Project) -> list[str]:
    """The command line that runs engine `name`."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine '{name}' (known: {', '.join(ENGINES)})")
    python = {"python": sys.executable,
              "properdocs_python": str(project.root / PROPERDOCS_VENV / "bin" / "python")}
    return [part.format(**python) for part in ENGINES[name]]


def start_build(name: str, project: Project, staged: Path, site_dir: Path) -> EngineRun:
    """Start engine `name` on the staged tree `staged`, writing into `site_dir`."""
    command = [*engine_command(name, project), "build", "--strict", "--clean",
               "--config-file", str(staged / "mkdocs.yml"), "--site-dir", str(site_dir)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=staged, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return EngineRun(name, staged, site_dir, process)
