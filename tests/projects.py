"""A throw-away copy of the project to edit, build and read, for any test module.

Test modules import from here (`from projects import ...`), never from conftest:
two conftest modules (here and in tests/browser/) would shadow each other."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from leadingtrusts.pipeline.sources import Project as SiteProject

ROOT = Path(__file__).resolve().parent.parent
# A fixed "now" so wording that depends on the deadline is predictable.
BEFORE_DEADLINE = "2026-11-24T12:00:00"


@dataclass
class Result:
    code: int
    output: str  # stdout and stderr together, as an editor sees them


class Project:
    """A copy of the site's sources in a temporary folder."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, relative: str) -> Path:
        return self.root / relative

    def read(self, relative: str) -> str:
        return self.path(relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str) -> None:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def replace(self, relative: str, old: str, new: str, count: int = 1) -> None:
        """Edit a file as an editor would; fails loudly if `old` is not there."""
        text = self.read(relative)
        assert old in text, f"{old!r} not found in {relative}"
        self.write(relative, text.replace(old, new, count))

    def line_of(self, relative: str, needle: str) -> int:
        """The 1-based line on which `needle` first appears."""
        for number, line in enumerate(self.read(relative).splitlines(), 1):
            if needle in line:
                return number
        raise AssertionError(f"{needle!r} not in {relative}")

    def run(self, *args: str, now: str = BEFORE_DEADLINE, env: dict[str, str] | None = None) -> Result:
        environment = dict(os.environ, LT_NOW=now, NO_MKDOCS_2_WARNING="1", **(env or {}))
        done = subprocess.run([sys.executable, "-m", "leadingtrusts", *args], cwd=self.root,
                              env=environment, capture_output=True, text=True)
        return Result(done.returncode, done.stdout + done.stderr)

    def build(self, audience: str = "public", **kwargs) -> Result:
        return self.run("build", "--audience", audience, **kwargs)

    def page(self, url: str, audience: str = "public") -> str:
        """The HTML of a built page, e.g. page('programme/price/')."""
        return (self.root / "site" / audience / url / "index.html").read_text(encoding="utf-8")


def copy_project(target: Path) -> Project:
    SiteProject(ROOT).copy_sources(target)
    return Project(target)


def git_project(root: Path) -> Path:
    """The project's source committed in a fresh repository with no remote."""
    copy_project(root)
    for args in (("init", "--quiet", "--initial-branch=main"),
                 ("config", "user.name", "Test Publisher"),
                 ("config", "user.email", "publisher@example.invalid"),
                 ("add", "--all"), ("commit", "--quiet", "-m", "The site's source")):
        subprocess.run(["git", *args], cwd=root, capture_output=True, check=True)
    return root
