"""`make bench-members` measures both sides and prints them against the targets
(numbers only: timings are not asserted)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from leadingtrusts.gateway.loadbench import TARGET_P99_MS, TARGET_THROUGHPUT, page_paths

NUMBER = r"\d+\.\d\d"


@pytest.fixture(scope="module")
def wrk() -> None:
    if not shutil.which("wrk"):
        pytest.fail("wrk is missing: run `make test`, which installs Debian's wrk")


def test_every_page_of_the_build_is_fetched(built):
    site = built.path("site/members")
    paths = page_paths(site)
    assert "/" in paths and any(p.startswith("/thinkpieces/") for p in paths)
    assert len(paths) == len(list(site.rglob("index.html")))
    assert all(p.endswith("/") and "/_gateway" not in p for p in paths)


def test_bench_prints_both_sides_and_the_targets(built, wrk):
    done = subprocess.run(
        [sys.executable, "-m", "leadingtrusts.gateway.loadbench", "--site", str(built.path("site/members")),
         "--seconds", "1", "--warmup", "0", "--clients", "4"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("StaticFiles alone (baseline)", "gateway, SQLite sessions"):
        assert re.search(rf"^  {re.escape(name)}\s+\d+\.\d\s+{NUMBER}\s+{NUMBER}$", done.stdout, re.M), done.stdout
    assert re.search(rf"throughput / baseline\s+{NUMBER}   target at least {TARGET_THROUGHPUT:.2f}: (met|NOT met)$",
                     done.stdout, re.M), done.stdout
    assert re.search(rf"p99 latency, ms\s+{NUMBER}   target under {TARGET_P99_MS:.0f}: (met|NOT met)$",
                     done.stdout, re.M), done.stdout


def test_bench_refuses_a_site_that_is_not_built(tmp_path, wrk):
    done = subprocess.run([sys.executable, "-m", "leadingtrusts.gateway.loadbench", "--site", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "make build" in done.stderr
