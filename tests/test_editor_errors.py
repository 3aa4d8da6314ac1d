"""Every mistake an editor can make ends in one line naming file, line and field.

Each test makes one real mistake in a copy of the project, runs the build an
editor would run, and checks the message, the exit code and that no Python
traceback reaches the editor.
"""

from __future__ import annotations

import re

import pytest

COHORT = "content/cohorts/cohort-3"


def assert_error(result, location: str, *fragments: str) -> str:
    """The build failed with one message at `location` containing `fragments`."""
    assert result.code != 0, result.output
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if location in line]
    assert lines, f"no message at {location}:\n{result.output}"
    for fragment in fragments:
        assert any(fragment in line for line in lines), f"{fragment!r} missing:\n{result.output}"
    return lines[0]


def test_yaml_syntax_error_names_file_and_line(project):
    project.replace(f"{COHORT}/pricing.yml", "  amount: 5000", "  amount: [5000")
    line = project.line_of(f"{COHORT}/pricing.yml", "amount: [5000")
    assert_error(project.build(), f"{COHORT}/pricing.yml:{line + 1}:", "YAML syntax error")


def test_wrong_type_says_what_was_expected_and_found(project):
    project.replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount: five thousand")
    line = project.line_of(f"{COHORT}/pricing.yml", "five thousand")
    assert_error(project.build(), f"{COHORT}/pricing.yml:{line}:11: price.amount:",
                 "expected a valid integer", "found 'five thousand'")


def test_missing_required_field(project):
    project.replace(f"{COHORT}/cohort.yml", "title: Cohort 3 (2027–28)\n", "")
    assert_error(project.build(), f"{COHORT}/cohort.yml:", "required field 'title' is missing")


def test_unknown_key_is_an_error_with_a_suggestion(project):
    project.replace(f"{COHORT}/cohort.yml", "  deadline:", "  deadlin:")
    line = project.line_of(f"{COHORT}/cohort.yml", "deadlin:")
    assert_error(project.build(), f"{COHORT}/cohort.yml:{line}:3: application.deadlin:",
                 "unknown field 'deadlin'", "did you mean 'deadline'?")


def test_impossible_date(project):
    text = project.read(f"{COHORT}/schedule.yml")
    first = re.search(r"date: (\d{4}-\d{2}-\d{2})", text).group(1)
    project.replace(f"{COHORT}/schedule.yml", f"date: {first}", "date: 2025-02-30")
    line = project.line_of(f"{COHORT}/schedule.yml", "2025-02-30")
    assert_error(project.build(), f"{COHORT}/schedule.yml:{line}:15: terms[0].sessions[0].date:",
                 "expected a real date", "found '2025-02-30'", "day is out of range for month")


def test_impossible_time(project):
    project.replace(f"{COHORT}/schedule.yml", "start: 09:30", "start: 25:00")
    line = project.line_of(f"{COHORT}/schedule.yml", "25:00")
    assert_error(project.build(), f"{COHORT}/schedule.yml:{line}:", ".start:", "found '25:00'")


def test_impossible_deadline_datetime(project):
    project.replace(f"{COHORT}/cohort.yml", "deadline: 2027-06-25T17:00:00",
                    "deadline: 2027-02-30T17:00:00")
    line = project.line_of(f"{COHORT}/cohort.yml", "2027-02-30")
    assert_error(project.build(), f"{COHORT}/cohort.yml:{line}:", "application.deadline",
                 "2027-02-30")


def test_key_written_twice(project):
    project.replace(f"{COHORT}/pricing.yml", "  amount: 5000\n", "  amount: 5000\n  amount: 5200\n")
    line = project.line_of(f"{COHORT}/pricing.yml", "amount: 5200")
    assert_error(project.build(), f"{COHORT}/pricing.yml:{line}:3: price.amount:", "appears twice")


def test_misspelt_macro_in_markdown(project):
    project.replace("docs/programme/price.md", "{{ inclusions() }}", "{{ inclusoins() }}")
    line = project.line_of("docs/programme/price.md", "inclusoins")
    assert_error(project.build(), f"docs/programme/price.md:{line}:4:",
                 "'inclusoins' is undefined", "did you mean 'inclusions'?")


def test_misspelt_variable_attribute_in_markdown(project):
    project.replace("docs/programme/price.md", "{{ cohort.title }}", "{{ cohort.titel }}")
    line = project.line_of("docs/programme/price.md", "cohort.titel")
    assert_error(project.build(), f"docs/programme/price.md:{line}:", "has no attribute 'titel'")


def test_broken_internal_link(project):
    project.replace("docs/programme/price.md", "[indicative schedule](schedule.md)",
                    "[indicative schedule](shedule.md)")
    line = project.line_of("docs/programme/price.md", "shedule.md")
    assert_error(project.build(), f"docs/programme/price.md:{line}:",
                 "broken link", "programme/shedule.md")


def test_broken_anchor(project):
    project.replace("docs/programme/price.md", "[indicative schedule](schedule.md)",
                    "[indicative schedule](schedule.md#no-such-heading)")
    line = project.line_of("docs/programme/price.md", "no-such-heading")
    assert_error(project.build(), f"docs/programme/price.md:{line}:", "#no-such-heading")


def test_session_outside_the_cohort_dates(project):
    project.replace(f"{COHORT}/schedule.yml", "date: 2028-07-", "date: 2028-08-")
    line = project.line_of(f"{COHORT}/schedule.yml", "date: 2028-08-")
    assert_error(project.build(), f"{COHORT}/schedule.yml:{line}:",
                 "within the cohort's dates")


def test_duplicate_session(project):
    text = project.read(f"{COHORT}/schedule.yml")
    block = re.search(r"      - kind: webinar\n(?:        .*\n)+", text).group(0)
    project.write(f"{COHORT}/schedule.yml", text.replace(block, block + block, 1))
    assert_error(project.build(), f"{COHORT}/schedule.yml:", "duplicate session")


def test_deadline_after_the_first_session(project):
    project.replace(f"{COHORT}/cohort.yml", "deadline: 2027-06-25T17:00:00",
                    "deadline: 2027-10-25T17:00:00")
    line = project.line_of(f"{COHORT}/cohort.yml", "deadline:")
    assert_error(project.build(), f"{COHORT}/cohort.yml:{line}:", "before the first session")


def test_promised_count_must_match_the_schedule(project):
    project.replace(f"{COHORT}/pricing.yml", "promised: 12", "promised: 14")
    line = project.line_of(f"{COHORT}/pricing.yml", "promised: 14")
    assert_error(project.build(), f"{COHORT}/pricing.yml:{line}:", "promises 14 webinars",
                 "lists 12")


def test_front_matter_of_a_thinkpiece_is_checked(project):
    post = "docs/thinkpieces/posts/growth-that-lasts.md"
    project.replace(post, "access: members", "acess: members")
    line = project.line_of(post, "acess:")
    assert_error(project.build(), f"{post}:{line}:1: acess:", "unknown field 'acess'")


@pytest.mark.parametrize("args", [("check",), ("check", "--format", "github")])
def test_check_command_reports_every_problem(project, args):
    project.replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount: lots")
    project.replace(f"{COHORT}/cohort.yml", "  deadline:", "  deadlin:")
    result = project.run(*args)
    assert result.code == 1
    assert "pricing.yml" in result.output and "cohort.yml" in result.output
    if "github" in args:
        assert re.search(rf"::error file={COHORT}/pricing.yml,line=\d+,col=\d+::price.amount:",
                         result.output)


def test_unknown_author_of_a_thinkpiece(project):
    post = "docs/thinkpieces/posts/growth-that-lasts.md"
    project.replace(post, "authors: [editorial]", "authors: [editorail]")
    line = project.line_of(post, "authors:")
    assert_error(project.build(), f"{post}:{line}: authors:", "unknown author 'editorail'",
                 "expected one of editorial")


def test_typo_in_the_front_matter_of_an_ordinary_page(project):
    project.replace("docs/programme/price.md", "description:", "descripton:")
    assert_error(project.build(), "docs/programme/price.md:2:1: descripton:",
                 "did you mean 'description'?")


def test_front_matter_yaml_syntax_error(project):
    project.replace("docs/index.md", "hide:\n  - navigation", "hide: [navigation")
    assert_error(project.build(), "docs/index.md:", "YAML syntax error")


def test_a_file_the_build_would_ignore_is_an_error(project):
    project.write(f"{COHORT}/schedule.yaml", project.read(f"{COHORT}/schedule.yml"))
    assert_error(project.build(), f"{COHORT}/schedule.yaml:", "unexpected file",
                 "schedule.yml")


def test_macro_syntax_error_in_markdown(project):
    project.replace("docs/programme/price.md", "{{ inclusions() }}", "{{ inclusions( }}")
    line = project.line_of("docs/programme/price.md", "inclusions(")
    assert_error(project.build(), f"docs/programme/price.md:{line}:", "macro syntax error")
