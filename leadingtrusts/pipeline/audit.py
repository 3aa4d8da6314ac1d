"""`make audit`: Lighthouse's mobile audits of three pages, served as a static host serves them.

The public site is built into a temporary folder (the project's site/ is left
as it is) and served by static_host.py (gzip, content types, cache headers).
Lighthouse, installed from npm into tools/audit/ at the version its
package-lock.json pins, audits the home page, the schedule and the newest
public thinkpiece as a phone on a throttled connection, in Debian's chromium
(CHROME_PATH, with the browser tests' flags; nothing downloads a browser).

It prints each page's four scores next to the targets of issue 10, its
transfer size and number of requests, then each audit that cost points. It is
a benchmark, not a test: the performance score depends on the machine (the
simulated throttling multiplies the CPU time measured here, so a busy machine
scores lower). It exits 0 unless the build or Lighthouse failed.

    python -m leadingtrusts.pipeline.audit [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .engine import CHECKOUT
from .weight import CHROMIUM, CHROMIUM_ARGS

LIGHTHOUSE = CHECKOUT / "tools/audit/node_modules/lighthouse/cli/index.js"
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}
FIXED_PAGES = (("home page", ""), ("schedule", "programme/schedule/"))
LIGHTHOUSE_SECONDS = 300  # one page's audit; a busy machine takes a minute


@dataclass(frozen=True)
class Miss:
    """An audit that cost points: its category, title and what Lighthouse measured."""

    category: str
    title: str
    shown: str


@dataclass(frozen=True)
class Audited:
    """One page's Lighthouse results, as the report prints them."""

    name: str
    address: str
    scores: dict[str, int]  # category -> 0..100
    transfer_bytes: int
    requests: int
    misses: list[Miss]


class AuditFailed(Exception):
    """The build or Lighthouse did not give results."""


def read_report(name: str, address: str, report: dict) -> Audited:
    """The scores, transfer size and costly audits of one Lighthouse JSON report."""
    if report.get("runtimeError"):
        raise AuditFailed(f"Lighthouse could not audit the {name}: "
                          f"{report['runtimeError'].get('message', report['runtimeError'])}")
    audits = report["audits"]
    scores, misses = {}, []
    for category, results in report["categories"].items():
        if results["score"] is None:
            raise AuditFailed(f"Lighthouse gave the {name} no {category} score")
        scores[category] = round(results["score"] * 100)
        for ref in results["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                misses.append(Miss(category, audit["title"], audit.get("displayValue", "")))
    requests = audits.get("network-requests", {}).get("details", {}).get("items", [])
    return Audited(name, address, scores, int(audits["total-byte-weight"]["numericValue"]),
                   len(requests), misses)


def report_lines(pages: list[Audited]) -> list[str]:
    """The table of scores against the targets, then the audits that cost points in each
    category that missed its target."""
    columns = "".join(f"{category:>16}" for category in TARGETS)
    lines = [f"{'page':<14}{columns}{'transferred':>14}",
             f"{'target':<14}" + "".join(f"{'>= ' + str(t):>16}" for t in TARGETS.values())]
    for page in pages:
        cells = "".join(f"{_score_cell(page.scores.get(c), t):>16}" for c, t in TARGETS.items())
        lines.append(f"{page.name:<14}{cells}{page.transfer_bytes / 1000:>8.1f} kB"
                     f" ({page.requests} requests)")
    missed = [page for page in pages
              if any(page.scores.get(c, 0) < t for c, t in TARGETS.items())]
    lines.append("every target met" if not missed else
                 f"targets missed on {len(missed)} of {len(pages)} pages:")
    for page in missed:
        lines.append(f"  {page.name} (/{page.address}):")
        lines += [f"    {miss.category}: {miss.title}" + (f" ({miss.shown})" if miss.shown else "")
                  for miss in page.misses if page.scores[miss.category] < TARGETS[miss.category]]
    return lines


def _score_cell(score: int | None, target: int) -> str:
    if score is None:
        return "-"
    return f"{score} {'met' if score >= target else 'MISSED'}"


def newest_public_thinkpiece(root: Path) -> str:
    """The address of the newest thinkpiece everyone may read."""
    from .sources import Project
    from .stage import read_sources

    pieces = [page for page in read_sources(Project(root)).pages
              if page.is_post and not page.source.members_only]
    if not pieces:
        raise AuditFailed("no public thinkpiece to audit")
    return max(pieces, key=lambda page: (page.source.meta.date, page.url)).url


def lighthouse(url: str, output: Path) -> dict:
    """Lighthouse's JSON report of `url`, audited as a phone in Debian's chromium."""
    if not LIGHTHOUSE.exists():
        raise AuditFailed(f"{LIGHTHOUSE.relative_to(CHECKOUT)} is missing: run `make audit`, "
                          "which installs Lighthouse from tools/audit/package-lock.json")
    command = ["node", str(LIGHTHOUSE), url, "--output=json", f"--output-path={output}",
               "--quiet", "--form-factor=mobile", f"--only-categories={','.join(TARGETS)}",
               f"--chrome-flags={' '.join(CHROMIUM_ARGS)}"]
    done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM},
                          capture_output=True, text=True, timeout=LIGHTHOUSE_SECONDS)
    if done.returncode or not output.exists():
        raise AuditFailed(f"Lighthouse failed on {url} (exit code {done.returncode}):\n"
                          f"{done.stderr[-2000:]}")
    return json.loads(output.read_text(encoding="utf-8"))


def build_public(root: Path, out: Path) -> Path:
    """The public site built from the project at `root` into `out`/public."""
    from .run import build
    from .sources import Project

    if build(Project(root), out, ("public",)):
        raise AuditFailed("the public site did not build; see above")
    return out / "public"


def audit(root: Path, folder: Path) -> list[Audited]:
    """Build, serve and audit the pages; reports are kept in `folder`."""
    from .static_host import serving

    site = build_public(root, folder / "site")
    pages = (*FIXED_PAGES, ("thinkpiece", newest_public_thinkpiece(root)))
    results = []
    with serving(site) as base:
        for name, address in pages:
            output = folder / f"{name.replace(' ', '-')}.report.json"
            results.append(read_report(name, address, lighthouse(f"{base}/{address}", output)))
            print(f"audited {name} (/{address})", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadingtrusts.pipeline.audit",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the built site and Lighthouse's JSON reports in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="leadingtrusts-audit-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            pages = audit(Path.cwd(), folder.resolve())
        except AuditFailed as error:
            print(f"audit: {error}", file=sys.stderr)
            return 1
    print("\n".join(report_lines(pages)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
