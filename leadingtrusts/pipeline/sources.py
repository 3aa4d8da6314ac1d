"""What the site is built from: the one list, and where each part lives."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

# Everything the published pages are made from. Copies of the project (tests,
# the benchmark) take these; staleness checks and the build date look at them.
SITE_SOURCES = ("mkdocs.yml", "macros.py", "content", "docs", "overrides")
# The code that turns them into sites: a change here changes the output too.
BUILD_CODE = ("leadingtrusts", "pyproject.toml", "requirements.lock")


@dataclass(frozen=True)
class Project:
    """A checkout of the site's sources."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def overrides(self) -> Path:
        return self.root / "overrides"

    @property
    def engine_config(self) -> Path:
        """The engine configuration every staged tree starts from."""
        return self.root / "mkdocs.yml"

    def stage_dir(self, name: str) -> Path:
        """Where the docs tree of one audience (or one published version) is staged."""
        return self.root / "build" / "stage" / name

    def cache_dir(self, name: str) -> Path:
        """Where generated documents of one kind are kept between builds, by content."""
        return self.root / "build" / "cache" / name

    def copy_sources(self, target: Path) -> Project:
        """A copy of the site's sources (SITE_SOURCES) at `target`, for tests and benchmarks."""
        target.mkdir(parents=True)
        for name in SITE_SOURCES:
            source = self.root / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target / name)
        return Project(target)

    def newest_source_time(self) -> float:
        """The newest modification time among the site's sources and build code."""
        newest = 0.0
        for name in (*SITE_SOURCES, *BUILD_CODE):
            path = self.root / name
            paths = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            newest = max([newest, *(p.stat().st_mtime for p in paths if p.exists())])
        return newest
