"""`make audit` reads Lighthouse's JSON reports into scores against the targets. Lighthouse
itself is not run here (it is a benchmark); these reports have the shape of its own."""

from __future__ import annotations

import pytest

from leadingtrusts.pipeline.audit import TARGETS, AuditFailed, read_report, report_lines


def lighthouse_report(scores: dict[str, float], failing: dict[str, list[str]]) -> dict:
    """A report as Lighthouse writes one: per category a score and weighted audit
    references, per audit a score (0 for each of `failing`'s titles, else 1)."""
    categories, audits = {}, {
        "total-byte-weight": {"score": 1, "title": "Avoids enormous payloads",
                              "numericValue": 73_380, "displayValue": "Total size was 72 KiB"},
        "network-requests": {"score": None, "title": "Network Requests",
                             "details": {"items": [{"url": f"/{n}"} for n in range(9)]}},
    }
    for category, score in scores.items():
        refs = [{"id": f"{category}-passes", "weight": 1}, {"id": f"{category}-unweighted",
                                                              "weight": 0}]
        audits[f"{category}-passes"] = {"score": 1, "title": f"{category} passes"}
        audits[f"{category}-unweighted"] = {"score": 0, "title": f"{category} informative"}
        for number, title in enumerate(failing.get(category, [])):
            refs.append({"id": f"{category}-fails-{number}", "weight": 3})
            audits[f"{category}-fails-{number}"] = {"score": 0, "title": title,
                                                     "displayValue": "2 elements"}
        categories[category] = {"score": score, "auditRefs": refs}
    return {"categories": categories, "audits": audits}


def test_scores_sizes_and_costly_audits_are_read_and_printed_against_the_targets():
    report = lighthouse_report(
        {"performance": 0.99, "accessibility": 0.89, "best-practices": 1, "seo": 1},
        {"performance": ["Total Blocking Time"],
         "accessibility": ["Links rely on color to be distinguishable."]})
    home = read_report("home page", "", report)
    assert home.scores == {"performance": 99, "accessibility": 89, "best-practices": 100,
                           "seo": 100}
    assert (home.transfer_bytes, home.requests) == (73_380, 9)

    lines = report_lines([home])
    row = next(line for line in lines if line.startswith("home page"))
    assert row.split()[2:10] == ["99", "met", "89", "MISSED", "100", "met", "100", "met"]
    assert "73.4 kB (9 requests)" in row
    assert "targets missed on 1 of 1 pages:" in lines
    # What cost points, only where a target is missed (performance 99 meets its 98).
    assert "    accessibility: Links rely on color to be distinguishable. (2 elements)" in lines
    assert not any("Total Blocking Time" in line for line in lines)
    assert not any("informative" in line for line in lines)


def test_all_targets_met_is_said_plainly():
    perfect = lighthouse_report({category: 1 for category in TARGETS}, {})
    assert report_lines([read_report("schedule", "programme/schedule/", perfect)])[-1] == \
        "every target met"


def test_a_page_lighthouse_could_not_audit_fails_with_its_reason():
    report = lighthouse_report({category: 1 for category in TARGETS}, {})
    report["runtimeError"] = {"code": "NO_FCP", "message": "The page did not paint any content."}
    with pytest.raises(AuditFailed, match="thinkpiece: The page did not paint any content"):
        read_report("thinkpiece", "thinkpieces/a/", report)
