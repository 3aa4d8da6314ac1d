"""`make bench` builds generated thinkpieces with the project and with bare Material, and
prints the ratios against the issue's targets (numbers only: timings are not asserted),
then the page weight of the public build: a first view and a first search, in kB."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from leadingtrusts.pipeline.bench import (FIRST_SEARCH, FIRST_VIEW, FIRST_VIEW_LIMIT_KB, TARGETS,
                                          piece_markdown)

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"\d+\.\d\d"


def _runs(text: str, length: int = 8) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z]+", text.lower())
    return set(zip(*(words[i:] for i in range(length))))


def test_bench_prints_every_ratio_against_its_target_for_each_size():
    done = subprocess.run([sys.executable, "-m", "leadingtrusts", "bench", "--pieces", "0", "4"],
                          cwd=ROOT, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    blocks = re.split(r"^(?=\d+ generated thinkpieces)", done.stdout, flags=re.M)[1:]
    assert [block.split()[0] for block in blocks] == ["0", "4"]
    assert "4 generated thinkpieces (2 member-only)" in blocks[1]
    for block in blocks:
        for name in ("bare Material + blog", "project: public", "project: both audiences"):
            row = rf"^  {re.escape(name)}\s+{NUMBER}\s+{NUMBER}\s+\d"
            assert re.search(row, block, re.M), block
        for name, kind, limit in TARGETS:
            line = rf"^  {re.escape(name)}\s+{NUMBER}   target {kind} {limit:.2f}: (met|NOT met)$"
            assert re.search(line, block, re.M), block
        view = re.search(rf"^  {re.escape(FIRST_VIEW)}\s+({NUMBER})   target at most "
                         rf"{FIRST_VIEW_LIMIT_KB:.2f}: (met|NOT met) \((\d+) requests\)$", block, re.M)
        search = re.search(rf"^  {re.escape(FIRST_SEARCH)}\s+({NUMBER})   \((\d+) requests; "
                           rf"the search index ({NUMBER})\)$", block, re.M)
        assert view and search, block
        # A page, its styles and Material's script; then the search worker and the index.
        assert float(view[1]) > 50 and int(view[3]) >= 3, view[0]
        assert 0 < float(search[3]) < float(search[1]) and int(search[2]) == 2, search[0]


def test_generated_pieces_are_long_unique_and_half_member_only():
    pieces = [piece_markdown(number) for number in range(6)]
    for number, text in enumerate(pieces):
        front, body = text.split("\n---\n", 1)
        assert f"access: {'members' if number % 2 else 'public'}" in front
        assert 1_600 <= len(body.split()) <= 2_500
        title, first_paragraph, marker, *rest = body.strip().split("\n\n")
        assert title.startswith("# ") and marker == "<!-- more -->"
        assert any(block.startswith("## ") for block in rest)
        assert any(block.startswith("- ") for block in rest)
        assert "](../index.md)" in body
    # The leak check would flag member-only text that another piece also publishes.
    for number, text in enumerate(pieces[1:], 1):
        assert not _runs(text.split("<!-- more -->")[1]) & _runs("".join(pieces[:number]))
