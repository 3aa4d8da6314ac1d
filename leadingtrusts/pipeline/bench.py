"""`make bench`: the pipeline against a bare Material for MkDocs site with the blog, in one run.

For each size N it generates N thinkpieces (about 2,000 words each, every
other one member-only, each with a `<!-- more -->` marker after its first
paragraph) and builds them twice, on the same machine in the same run:

- with the project: a temporary copy of its sources plus the pieces, built by
  `run.build` in a child process, once for the public audience alone and once
  for both audiences together (stage, engines side by side, verify);
- with a bare site: the same files (full text: a bare site has no member
  split) in a site of Material for MkDocs with only the search and blog
  plugins (the project's blog settings, so both make the same pages), no
  overrides, no macros, built by `python -m mkdocs build`.

Each build's wall-clock time, CPU time (the child and everything it waited
for) and peak memory are recorded, and the ratios are printed against the
targets of the issue. Machines differ and a shared one is noisy, so only the
ratios mean anything; `--repeat` keeps the fastest of several runs.

Then the page weight of the project's public build (issue 10, weight.py):
the bytes, compressed as a static host sends them, of the home page's first
view (every request it makes) and of what a first search then downloads.
Bytes do not depend on the machine, so these are absolute numbers.

It is a benchmark, not a test: it prints, and exits 0 unless a build failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .sources import Project

if TYPE_CHECKING:  # weight.py imports Starlette: not in the measured build's child process
    from .weight import PageWeight

POSTS = Path("docs/thinkpieces/posts")
AUTHORS = Path("docs/thinkpieces/.authors.yml")
PIECE_WORDS = (1_700, 2_300)  # each piece's length is drawn from this range
SAMPLE_SECONDS = 0.02  # how often the memory of a build's processes is read
# Plain words the generated prose is drawn from. Random order over this many
# words makes every run of eight words unique, as the leak check needs.
VOCABULARY = """
    trust school schools board boards leader leaders leadership governance governor
    governors trustee trustees pupil pupils children family families teacher teachers
    staff curriculum capacity culture growth purpose strategy evidence improvement
    standards support service central team teams local regional national community
    communities partnership partnerships network networks accountability risk budget
    finance funding reserves estate estates safeguarding inclusion attendance
    behaviour assessment outcomes progress achievement reading writing mathematics
    science subject subjects primary secondary special early years sixth form
    headteacher principal executive chief officer director directors committee
    committees meeting meetings agenda minutes report reports review reviews plan
    plans planning priority priorities target targets measure measures data question
    questions answer answers challenge challenges change changes practice practices
    policy policies system systems process processes habit habits routine routines
    expertise knowledge skill skills training development coaching mentoring peer
    visit visits share shares shared learning lesson lessons classroom classrooms
    expansion merger joining transfer conversion sponsor sponsored academy academies
    trusted honest open clear careful steady patient bold small large every each
    many few most some other same different better stronger closer wider deeper
    first second third next last early late often rarely always never together
    builds grows learns listens explains decides agrees checks tests spreads keeps
    protects invests welcomes asks tells chooses sets meets writes reads improves
""".split()
CATEGORIES = ("Growth", "Governance", "Leadership", "Culture")
TAGS = ("growth", "governance", "people", "finance", "curriculum", "community")
BARE_PLUGIN = "blog"  # the one plugin besides search a bare blog site has
TARGETS = (  # (ratio line, target kind, limit)
    ("public build / bare, CPU time", "at most", 1.15),
    ("both audiences / bare, wall clock", "at most", 2.0),
    ("public build / bare, peak memory", "at most", 1.5),
    ("staging alone, both audiences, seconds", "under", 1.0),
)
FIRST_VIEW = "home page, first view, kB compressed"
FIRST_VIEW_LIMIT_KB = 100.0  # issue 10: every request of the first view included
FIRST_SEARCH = "first search adds, kB compressed"
SEARCH_INDEX = "/search/search_index.json"


@dataclass
class Measured:
    """One build in a child process: its time, memory and (for the project) steps."""

    wall: float
    cpu: float  # the child and every process it waited for
    peak_mib: float  # all of its processes together, sampled while it ran
    largest_mib: float  # the largest single process (ru_maxrss)
    steps: dict[str, float] = field(default_factory=dict)


# --- the generated thinkpieces -----------------------------------------------------

def piece_markdown(number: int) -> str:
    """Thinkpiece `number`: front matter, a preview paragraph, the marker, ~2,000 words."""
    rng = random.Random(number)
    title = f"Benchmark piece {number}: {_phrase(rng, 4)}"
    front = {"title": title,
             "date": dt.date(2024, 1, 1) + dt.timedelta(days=number % 900),
             "authors": ["editorial"],
             "summary": f"Generated piece {number} on {_phrase(rng, 5).lower()}.",
             "access": "members" if number % 2 else "public",
             "categories": [rng.choice(CATEGORIES)],
             "tags": rng.sample(TAGS, 2)}
    target = rng.randint(*PIECE_WORDS)
    blocks = [f"# {title}", _paragraph(rng, rng.randint(60, 90)), "<!-- more -->"]
    written = sum(len(b.split()) for b in blocks)
    section = 0
    while written < target:
        section += 1
        section_blocks = [f"## {_phrase(rng, rng.randint(3, 6))}"]
        section_blocks += [_paragraph(rng, rng.randint(60, 120)) for _ in range(rng.randint(2, 4))]
        if section == 1:
            section_blocks.append(_list(rng))
            section_blocks.append(f"{_paragraph(rng, 30)} See [all the thinkpieces](../index.md).")
        written += sum(len(b.split()) for b in section_blocks)
        blocks += section_blocks
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{header}---\n\n" + "\n\n".join(blocks) + "\n"


def _phrase(rng: random.Random, count: int) -> str:
    """A few words, the first capitalised (titles and headings)."""
    return " ".join(rng.choices(VOCABULARY, k=count)).capitalize()


def _paragraph(rng: random.Random, count: int) -> str:
    """About `count` words as sentences of 8 to 22 words."""
    sentences, left = [], count
    while left > 0:
        length = min(left, rng.randint(8, 22))
        sentences.append(_phrase(rng, length) + ".")
        left -= length
    return " ".join(sentences)


def _list(rng: random.Random) -> str:
    """A bulleted list of four to six short items."""
    return "\n".join(f"- {_phrase(rng, rng.randint(4, 10))}" for _ in range(rng.randint(4, 6)))


def write_pieces(posts: Path, count: int) -> None:
    """Write `count` generated thinkpieces into the folder `posts`."""
    posts.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (posts / f"bench-{number:04d}.md").write_text(piece_markdown(number), encoding="utf-8")


# --- the two sites -----------------------------------------------------------------

def project_copy(root: Path, target: Path, pieces: int) -> Path:
    """A copy of the project's sources at `target` with `pieces` generated thinkpieces."""
    Project(root).copy_sources(target)
    write_pieces(target / POSTS, pieces)
    return target


def bare_site(root: Path, target: Path, pieces: int) -> Path:
    """A Material for MkDocs site with search and the project's blog settings, and the pieces."""
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    blog = next(p[BARE_PLUGIN] for p in config["plugins"]
                if isinstance(p, dict) and BARE_PLUGIN in p)
    bare = {"site_name": "Bare Material blog", "theme": {"name": "material"},
            "plugins": ["search", {BARE_PLUGIN: blog}]}
    (target / "docs").mkdir(parents=True)
    (target / "mkdocs.yml").write_text(yaml.safe_dump(bare, sort_keys=False), encoding="utf-8")
    (target / "docs/index.md").write_text("# Bare Material blog\n", encoding="utf-8")
    (target / POSTS.parent).mkdir(parents=True)
    (target / POSTS.parent / "index.md").write_text("# Thinkpieces\n", encoding="utf-8")
    shutil.copy2(root / AUTHORS, target / AUTHORS)
    write_pieces(target / POSTS, pieces)
    return target


# --- measuring a child process -------------------------------------------------------

def tree_rss_kib(pid: int) -> int:
    """The resident memory of process `pid` and all its descendants, in KiB (Linux)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # it ended meanwhile, or this is not Linux
            continue
        match = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        total += int(match.group(1)) if match else 0
        pending += [int(child) for child in children]
    return total


def _sample_peak(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Keep the largest tree_rss_kib(pid) seen in peak[0] until `stop` is set."""
    while not stop.is_set():
        peak[0] = max(peak[0], tree_rss_kib(pid))
        stop.wait(SAMPLE_SECONDS)


def measure(command: list[str], cwd: Path) -> tuple[Measured, int, str]:
    """Run `command` and measure it: (measurements, exit code, its output)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=_sample_peak, args=(process.pid, stop, peak), daemon=True)
    sampler.start()
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)  # the child's own rusage, not all children's
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    process.returncode = code = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    largest = usage.ru_maxrss / 1024
    measured = Measured(wall, usage.ru_utime + usage.ru_stime, max(peak[0] / 1024, largest),
                        largest)
    return measured, code, output


def measure_bare(site: Path) -> Measured:
    """Build the bare site with `python -m mkdocs build`."""
    shutil.rmtree(site / "site", ignore_errors=True)
    measured, code, output = measure([sys.executable, "-m", "mkdocs", "build", "--clean"], site)
    if code:
        raise BenchFailed(f"the bare Material site did not build:\n{output}")
    return measured


def measure_project(project: Path, audiences: tuple[str, ...], *, cold: bool = False) -> Measured:
    """Build the project copy for `audiences` with run.build in a child process.

    Staging writes every file, as at first; the documents cached by content
    (share images, the PDF: build/cache/) are kept unless `cold`, as they are
    between any two builds. The last round's output is moved aside and deleted
    afterwards: deleting thousands of files just before a build makes this
    machine's disk slow to create new ones for a while.
    """
    trash = Path(tempfile.mkdtemp(prefix="trash-", dir=project.parent))
    for name in ("build/stage", "site", *(["build/cache"] if cold else [])):
        if (project / name).exists():
            os.rename(project / name, trash / name.replace("/", "-"))
    command = [sys.executable, "-m", __name__, str(project), str(project / "site"), *audiences]
    measured, code, output = measure(command, project)
    shutil.rmtree(trash, ignore_errors=True)
    lines = output.strip().splitlines()
    if code or not lines or not lines[-1].startswith("{"):
        raise BenchFailed(f"the project's {' + '.join(audiences)} build failed:\n{output}")
    measured.steps = json.loads(lines[-1])
    return measured


class BenchFailed(Exception):
    """A build the benchmark ran did not succeed, so its numbers mean nothing."""


def child(argv: list[str]) -> int:
    """In the child: run.build of PROJECT into OUT for AUDIENCES..., then step times as JSON."""
    from .run import Timings, build
    from .sources import Project

    project, out, *audiences = argv
    timings = Timings()
    code = build(Project(Path(project)), Path(out), tuple(audiences), timings=timings)
    own = resource.getrusage(resource.RUSAGE_SELF)
    engines = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"stage": timings.stage, "engine": timings.engine, "verify": timings.verify,
                      **timings.steps,
                      "cpu in the pipeline process": own.ru_utime + own.ru_stime,
                      "cpu in the engines": engines.ru_utime + engines.ru_stime}))
    return code


# --- the report --------------------------------------------------------------------

def ratios(bare: Measured, public: Measured, both: Measured) -> list[tuple[str, float]]:
    """The numbers the targets are about, in the order of TARGETS."""
    return [(TARGETS[0][0], public.cpu / bare.cpu),
            (TARGETS[1][0], both.wall / bare.wall),
            (TARGETS[2][0], public.peak_mib / bare.peak_mib),
            (TARGETS[3][0], both.steps["stage"])]


def report(pieces: int, bare: Measured, public: Measured, both: Measured,
           first: Measured, weight: PageWeight) -> None:
    """Print one size's measurements and its ratios against the targets."""
    print(f"\n{pieces} generated thinkpieces ({pieces // 2} member-only), about 2,000 words each "
          f"(load average {os.getloadavg()[0]:.2f}, these builds included)")
    print(f"  {'build':<32}{'wall s':>8}{'CPU s':>8}{'peak MiB':>10}{'largest MiB':>13}")
    for name, run in (("bare Material + blog", bare), ("project: public", public),
                      ("project: both audiences", both),
                      ("project: public, empty cache", first)):
        print(f"  {name:<32}{run.wall:8.2f}{run.cpu:8.2f}{run.peak_mib:10.1f}"
              f"{run.largest_mib:13.1f}")
    for name, run in (("public", public), ("both audiences", both)):
        steps = ", ".join(f"{step} {seconds:.2f}" for step, seconds in run.steps.items())
        print(f"  project steps, {name} (s): {steps}")
    for (name, value), (_, kind, limit) in zip(ratios(bare, public, both), TARGETS):
        met = value <= limit if kind == "at most" else value < limit
        print(f"  {name:<42}{value:8.2f}   target {kind} {limit:.2f}: "
              f"{'met' if met else 'NOT met'}")
    print(f"  {'first public build (empty cache) / bare, CPU':<42}{first.cpu / bare.cpu:8.2f}"
          "   (share images and the PDF drawn; later builds reuse them)")
    report_weight(weight)


def report_weight(weight: PageWeight) -> None:
    """Print the page weight of the public build against the issue's target."""
    view = weight.first_view_bytes / 1000
    print(f"  {FIRST_VIEW:<42}{view:8.2f}   target at most {FIRST_VIEW_LIMIT_KB:.2f}: "
          f"{'met' if view <= FIRST_VIEW_LIMIT_KB else 'NOT met'} "
          f"({len(weight.first_view)} requests)")
    index = sum(sent.size for sent in weight.first_search if sent.path.endswith(SEARCH_INDEX))
    print(f"  {FIRST_SEARCH:<42}{weight.first_search_bytes / 1000:8.2f}   "
          f"({len(weight.first_search)} requests; the search index {index / 1000:.2f})")


def run_size(root: Path, tmp: Path, pieces: int, repeat: int
             ) -> tuple[Measured, Measured, Measured, Measured, PageWeight]:
    """The first build (empty cache), then the fastest of `repeat` rounds of the three
    builds at one size (by wall clock), then the page weight of the last public build."""
    from .weight import page_weight

    project = project_copy(root, tmp / f"project-{pieces}", pieces)
    bare = bare_site(root, tmp / f"bare-{pieces}", pieces)
    first = measure_project(project, ("public",), cold=True)
    rounds = [(measure_bare(bare), measure_project(project, ("public",)),
               measure_project(project, ("public", "members"))) for _ in range(repeat)]
    weight = page_weight(project / "site" / "public")
    shutil.rmtree(project)
    shutil.rmtree(bare)
    fastest = (min((r[i] for r in rounds), key=lambda m: m.wall) for i in range(3))
    return (*fastest, first, weight)


def main(args: argparse.Namespace) -> int:
    """`leadingtrusts bench`: measure every size, printing each as it finishes."""
    root = Path.cwd()
    print(f"bench: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}; "
          "peak MiB is all of a build's processes together, largest MiB the largest one; "
          "the leak check's index is built while the engines run")
    with tempfile.TemporaryDirectory(prefix="leadingtrusts-bench-") as tmp:
        for pieces in args.pieces:
            try:
                report(pieces, *run_size(root, Path(tmp), pieces, args.repeat))
            except BenchFailed as error:
                print(f"bench: {error}", file=sys.stderr)
                return 1
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(child(sys.argv[1:]))
