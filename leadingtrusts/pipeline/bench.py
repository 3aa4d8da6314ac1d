"""`make bench`: does build time grow linearly with the number of thinkpieces?

Each run copies the project to a temporary folder, adds N generated
thinkpieces, and times a public build in a child process (recording its peak
memory). The baseline is the same build with no extra pieces, measured in the
same run, so the printed ratios do not depend on how fast the machine is.
Linear growth shows as a steady cost per added piece; the same numbers for a
first-page view (home HTML plus the search index every visitor downloads) show
what growth costs a visitor.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCES = ("mkdocs.yml", "macros.py", "content", "docs", "overrides")
PARAGRAPH = ("A thriving trust builds the culture, capacity and systems that let its schools "
             "improve one another as a matter of habit, and shares what works across the group. ")


def _members_text(piece: int) -> str:
    """Member-only paragraphs unique to one piece (shared text would trip the leak check)."""
    return " ".join(f"In piece {piece}, note {j} records what board {j} of trust {piece} "
                    "learnt from reviewing its growth plan." for j in range(24))


def _project_with(pieces: int, root: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in SOURCES:
        source = root / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)
    posts = target / "docs/thinkpieces/posts"
    for i in range(pieces):
        access = "members" if i % 2 else "public"
        (posts / f"bench-{i:04d}.md").write_text(
            f"---\ntitle: Benchmark piece {i}\ndate: 2026-01-{1 + i % 28:02d}\n"
            f"authors: [editorial]\nsummary: Generated piece {i} for the benchmark.\n"
            f"access: {access}\ncategories: [Growth]\n---\n\n# Benchmark piece {i}\n\n"
            f"{PARAGRAPH * 2}\n\n<!-- more -->\n\n{_members_text(i)}\n", encoding="utf-8")
    return target


def _build(project: Path) -> tuple[float, float]:
    """(seconds, peak MiB) of one public build."""
    env = dict(os.environ, LT_AUDIENCE="public", NO_MKDOCS_2_WARNING="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"],
                   cwd=project, env=env, check=True)
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return seconds, peak


def _first_view_kib(site: Path) -> float:
    """Home page HTML plus the search index a visitor downloads on first use."""
    return ((site / "index.html").stat().st_size
            + (site / "search/search_index.json").stat().st_size) / 1024


def main(args: argparse.Namespace) -> int:
    root = Path.cwd()
    sizes = [0, *sorted(set(args.pages))]
    rows = []
    with tempfile.TemporaryDirectory(prefix="leadingtrusts-bench-") as tmp:
        for n in sizes:
            project = _project_with(n, root, Path(tmp) / f"p{n}")
            seconds, peak = _build(project)
            rows.append((n, seconds, peak, _first_view_kib(project / "site")))
            shutil.rmtree(project)
    base_n, base_s, base_mem, base_kib = rows[0]
    print(f"{'pieces':>7} {'build s':>8} {'x base':>7} {'ms/piece':>9} {'peak MiB':>9} "
          f"{'x base':>7} {'1st view KiB':>13} {'x base':>7}")
    for n, seconds, peak, kib in rows:
        per_piece = f"{(seconds - base_s) / n * 1000:9.1f}" if n else f"{'-':>9}"
        print(f"{n:>7} {seconds:8.2f} {seconds / base_s:7.2f} {per_piece} {peak:9.1f} "
              f"{peak / base_mem:7.2f} {kib:13.1f} {kib / base_kib:7.2f}")
    costs = [(s - base_s) / n for n, s, _, _ in rows[1:]]
    if len(costs) >= 2:
        print(f"cost per added piece, largest run / smallest run: {costs[-1] / costs[0]:.2f} "
              "(about 1.0 means linear growth)")
    return 0
