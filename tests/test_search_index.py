"""The search index a first search downloads (issue 10): thinkpieces by title, summary and
headings, so it stays small as pieces are added; programme pages in full."""

from __future__ import annotations

import json
import re

import yaml

from leadingtrusts.pipeline.bench import piece_markdown, write_pieces

PIECES = 4  # generated, about 2,000 words each; every other one member-only


def index_entries(project, audience: str = "public") -> list[dict]:
    index = project.path(f"site/{audience}/search/search_index.json").read_text(encoding="utf-8")
    return json.loads(index)["docs"]


def piece_entries(entries: list[dict], number: int) -> list[dict]:
    return [e for e in entries if e["location"].startswith(f"thinkpieces/benchmark-piece-{number}-")]


def test_thinkpieces_are_indexed_by_title_summary_and_headings_only(project):
    write_pieces(project.path("docs/thinkpieces/posts"), PIECES)
    result = project.build("all")
    assert result.code == 0, result.output

    for audience in ("public", "members"):
        entries = index_entries(project, audience)
        for number in range(0, PIECES, 2):  # the public pieces: in full on both sites
            source = piece_markdown(number)
            front = yaml.safe_load(source.split("---")[1])
            headings = re.findall(r"^## (.+)$", source, re.M)
            page, *sections = piece_entries(entries, number)
            assert page["title"] == front["title"]
            assert page["text"] == f"<p>{front['summary']}</p>"
            assert [s["title"] for s in sections] == headings
            assert all(s["text"] == "" and "#" in s["location"] for s in sections)
            size = len(json.dumps([page, *sections]))
            assert size < len(source) / 5, f"piece {number}: {size} bytes in the index"

    # Programme pages keep their full text: a word from the price page's list finds it.
    price = [e for e in index_entries(project) if e["location"] == "programme/price/"]
    assert "accommodation" in price[0]["text"]
