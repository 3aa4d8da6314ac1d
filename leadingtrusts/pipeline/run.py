"""The whole pipeline for `make build`: stage, build, verify, then swap into place.

    content/ + docs/ --stage--> build/stage/<audience>/ --engine--> temporary site
                     --verify--> site/<audience>/  (all audiences, or none)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError
from .context import AUDIENCES, Settings, build_time
from .csp import write_script_hashes
from .engine import start_build
from .leakcheck import LeakIndex, scan_site
from .search_index import slim_search_index
from .sources import Project
from .stage import MemberText, StagedTree, pick_context, read_sources, stage
from .verify import broken_links, link_problems, swap_into_place

SHOWN = 20


@dataclass
class Timings:
    """Seconds each step took, for `make bench`."""

    stage: float = 0.0
    engine: float = 0.0
    verify: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


class BuildFailed(Exception):
    """The build stopped; its lines are what the editor reads."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def stage_audiences(project: Project, audiences: tuple[str, ...], *, cohort: str | None = None,
                    now: str | None = None, settings: Settings | None = None
                    ) -> tuple[dict[str, StagedTree], list[MemberText]]:
    """Step 1 for `audiences`: their staged trees, and the member-only texts to check against."""
    sources = read_sources(project)
    moment = build_time(now)
    settings = settings or Settings.load(project.root)
    contexts = {a: pick_context(sources, a, cohort, moment, settings) for a in audiences}
    return stage(project, contexts, sources, link_files=True), sources.member_texts()


def build_trees(project: Project, trees: dict[str, StagedTree], member_texts: list[MemberText],
                out_dir: Path, engine: str = "mkdocs", timings: Timings | None = None) -> None:
    """Steps 2 and 3: build every staged tree side by side, verify, swap into out_dir.

    While the engines work (in their own processes), this one indexes the
    member-only words; each site is verified as soon as its engine is done,
    while the other engine may still be building.
    """
    timings = timings or Timings()
    out_dir = out_dir.resolve()  # the engines run inside their staged trees
    out_dir.mkdir(parents=True, exist_ok=True)
    builds = {name: Path(tempfile.mkdtemp(prefix=f".{name}-staging-", dir=out_dir))
              for name in trees}
    try:
        started = time.perf_counter()
        runs = {name: start_build(engine, project, tree.root, builds[name])
                for name, tree in trees.items()}
        public = any(tree.context.public for tree in trees.values())
        index = LeakIndex.from_texts(member_texts) if public else LeakIndex()
        timings.steps["index"] = time.perf_counter() - started
        lines: list[str] = []
        for name, tree in trees.items():  # the public tree (smaller) first: it finishes first
            result = runs[name].wait()
            timings.engine = time.perf_counter() - started
            if not result.ok:
                lines += result.report(str(tree.docs), "docs")
                lines.append(f"{engine} could not build the {name} site cleanly "
                             f"(exit code {result.code}, {len(result.complaints)} warning(s))")
                continue
            verifying = time.perf_counter()
            slim_search_index(builds[name], tree.pages)
            link_files(tree.linked_files, builds[name])
            lines += verify_site(tree, builds[name], index)
            if not tree.context.public:  # served by the gateway, which sends a CSP
                write_script_hashes(builds[name])
            timings.verify += time.perf_counter() - verifying
        if lines:
            raise BuildFailed(lines)
        swap_into_place({builds[name]: out_dir / name for name in trees})
        builds.clear()
    finally:
        for run in locals().get("runs", {}).values():
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
        for build in builds.values():
            shutil.rmtree(build, ignore_errors=True)


def link_files(files: dict[str, Path], site_dir: Path) -> None:
    """Put the documents kept in cache files into a built site: a hard link where the
    file system allows one (no copy), else a copy."""
    for path, file in files.items():
        target = site_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(file, target)
        except OSError:
            shutil.copyfile(file, target)


def verify_site(tree: StagedTree, site_dir: Path, index: LeakIndex) -> list[str]:
    """Every problem step 3 finds in one built site, as lines to print."""
    lines = [str(p) for p in link_problems(tree, broken_links(site_dir))]
    if tree.context.public:
        found = scan_site(site_dir, index)
        lines += [f"leak: {leak}" for leak in found[:SHOWN]]
        if len(found) > SHOWN:
            lines.append(f"leak: ... and {len(found) - SHOWN} more")
        if found:
            lines.append(f"leak check failed: member-only text in {len(found)} place(s) of the "
                         "public build")
    return lines


def build(project: Project, out_dir: Path, audiences: tuple[str, ...] = AUDIENCES, *,
          engine: str = "mkdocs", cohort: str | None = None, now: str | None = None,
          timings: Timings | None = None) -> int:
    """`make build`: all of `audiences` into out_dir/<audience>/, or nothing. Returns an exit code."""
    timings = timings or Timings()
    try:
        started = time.perf_counter()
        trees, member_texts = stage_audiences(project, audiences, cohort=cohort, now=now)
        timings.stage = time.perf_counter() - started
        build_trees(project, trees, member_texts, out_dir, engine, timings)
    except ContentError as error:
        _fail([str(p) for p in error.problems], out_dir, audiences)
        return 1
    except BuildFailed as error:
        _fail(error.lines, out_dir, audiences)
        return 1
    built = ", ".join(f"{out_dir / name} ({len(tree.pages)} pages of docs/)"
                      for name, tree in trees.items())
    leak_free = "; no member-only text in the public site" if "public" in trees else ""
    print(f"built {built} in {time.perf_counter() - started:.1f} s: every link and anchor "
          f"checked{leak_free}")
    return 0


def _fail(lines: list[str], out_dir: Path, audiences: tuple[str, ...]) -> None:
    for line in lines:
        print(line, file=sys.stderr)
    kept = ", ".join(str(out_dir / a) for a in audiences)
    print(f"build failed: nothing was changed ({kept} still hold the last good build)",
          file=sys.stderr)

