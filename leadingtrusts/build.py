"""Build the public and members' sites atomically.

Each audience is built by `mkdocs build --strict` into a staging folder next to
its destination; only when every requested build (and its leak check) has
succeeded are the staging folders swapped into place. A failed build therefore
leaves the previous site/public/ and site/members/ exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

AUDIENCES = ("public", "members")


def mkdocs_env(audience: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a build of `audience` runs in."""
    env = dict(os.environ)
    env.update({"LT_AUDIENCE": audience, "NO_MKDOCS_2_WARNING": "1"})
    env.update(extra or {})
    return env


def run_mkdocs(project: Path, audience: str, site_dir: Path, *, quiet: bool = True,
               extra_env: dict[str, str] | None = None) -> int:
    """One strict MkDocs build of `audience` into `site_dir`; returns the exit code.

    It runs in a child process so that each build starts from a clean slate
    (mkdocs-macros and the blog plugin keep module-level state).
    """
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
               "--config-file", str(project / "mkdocs.yml"), "--site-dir", str(site_dir)]
    if quiet:
        command.append("--quiet")
    return subprocess.run(command, cwd=project, env=mkdocs_env(audience, extra_env)).returncode


def _swap_into_place(staged: Path, target: Path) -> None:
    """Replace `target` with `staged` using renames, never a half-written tree."""
    retired = target.with_name(f".{target.name}-retired-{os.getpid()}")
    if target.exists():
        os.rename(target, retired)
    os.rename(staged, target)
    shutil.rmtree(retired, ignore_errors=True)


def build(project: Path, out_dir: Path, audiences: tuple[str, ...] = AUDIENCES, *,
          quiet: bool = True, extra_env: dict[str, str] | None = None) -> int:
    """Build `audiences` into out_dir/<audience>/; all or nothing. Returns an exit code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}
    try:
        for audience in audiences:
            staging = Path(tempfile.mkdtemp(prefix=f".{audience}-staging-", dir=out_dir))
            staged[audience] = staging
            code = run_mkdocs(project, audience, staging, quiet=quiet, extra_env=extra_env)
            if code != 0:
                print(f"build failed: the {audience} site was not changed "
                      f"({out_dir / audience} still holds the last good build)", file=sys.stderr)
                return code
        for audience, staging in staged.items():
            _swap_into_place(staging, out_dir / audience)
        staged.clear()
        return 0
    finally:
        for staging in staged.values():
            shutil.rmtree(staging, ignore_errors=True)


def is_stale(project: Path, site: Path) -> bool:
    """Whether any source is newer than the built `site` (or there is none)."""
    marker = site / "index.html"
    if not marker.exists():
        return True
    built = marker.stat().st_mtime
    sources = [project / "mkdocs.yml", project / "macros.py"]
    for folder in ("docs", "content", "overrides", "leadingtrusts"):
        sources += [p for p in (project / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources)
