"""Every mistake an editor can make ends in one line naming file, line and field.

Each case makes one real mistake in a copy of the project, runs the command
an editor would run (`build` for Markdown pages, whose macros and links only
the build renders; `check` for content/, which reads the same way in both),
and checks: a non-zero exit, no Python traceback, exactly one problem line,
and that line at the file, line (and column) where the mistake was made.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

COHORT = "content/cohorts/cohort-3"
EARLIER_COHORT = "content/cohorts/cohort-2"
PRICE_PAGE = "docs/programme/price.md"
MEMBERS_POST = "docs/thinkpieces/posts/growth-that-lasts.md"
PUBLIC_POST = "docs/thinkpieces/posts/making-the-case.md"
OTHER_POST = "docs/thinkpieces/posts/governance-that-spreads.md"
# A line the build prints about a file an editor wrote: `docs/...:12:3: ...`.
PROBLEM_LINE = re.compile(r"^(?:content|docs)/\S*?:")


# --- the edits ----------------------------------------------------------------

@dataclass(frozen=True)
class Replace:
    """Replace the first `old` in `file` by `new`, as an editor would."""

    file: str
    old: str
    new: str

    def __call__(self, project) -> None:
        project.replace(self.file, self.old, self.new)


@dataclass(frozen=True)
class LatinByte:
    """Save `file` with the é before `before` in Windows-1252, not UTF-8."""

    file: str
    before: str

    def __call__(self, project) -> None:
        data = project.path(self.file).read_bytes()
        at = data.index(self.before.encode())
        project.path(self.file).write_bytes(data[:at] + "é".encode("cp1252") + data[at:])


def repeat_first_webinar(project) -> None:
    """List the first webinar of the schedule twice."""
    text = project.read(f"{COHORT}/schedule.yml")
    block = re.search(r"      - kind: webinar\n(?:        .*\n)+", text).group(0)
    project.write(f"{COHORT}/schedule.yml", text.replace(block, block + block, 1))


def copy_schedule_as_yaml(project) -> None:
    """Save a second schedule as schedule.yaml, which the build would never read."""
    project.write(f"{COHORT}/schedule.yaml", project.read(f"{COHORT}/schedule.yml"))


def misdate_first_session(project) -> None:
    """Give the first session an impossible date."""
    first = re.search(r"date: (\d{4}-\d{2}-\d{2})", project.read(f"{COHORT}/schedule.yml")).group(1)
    project.replace(f"{COHORT}/schedule.yml", f"date: {first}", "date: 2025-02-30")


# --- where the message must point -----------------------------------------------

@dataclass(frozen=True)
class At:
    """`file:line[:column]`, the line being the first (after the edit) that holds `needle`;
    with no needle the message names the file alone, as for a file that should not exist."""

    file: str
    needle: str | Callable[..., int] | None = None
    column: int | None = None

    def resolve(self, project) -> str:
        if self.needle is None:
            return f"{self.file}:"
        line = self.needle(project) if callable(self.needle) else line_of(project, self.file,
                                                                          self.needle)
        return f"{self.file}:{line}:" + (f"{self.column}:" if self.column else "")


def line_of(project, file: str, needle: str) -> int:
    """The first line holding `needle`, even in a file that is not UTF-8 any more."""
    text = project.path(file).read_bytes().decode("utf-8", errors="replace")
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def first_body_line(file: str) -> Callable[..., int]:
    """The line after a page's front matter (where a whole-page problem is reported)."""
    return lambda project: [n for n, line in enumerate(project.read(file).splitlines(), 1)
                            if line == "---"][1] + 1


@dataclass(frozen=True)
class Case:
    description: str
    edit: Callable[..., None]
    location: At
    fragments: tuple[str, ...]
    command: str = "check"  # or "build"


CASES = [
    # YAML syntax: named where the quote, bracket or key began, not where YAML gave up.
    Case("unclosed [ in YAML", Replace(f"{COHORT}/pricing.yml", "  amount: 5000", "  amount: [5000"),
         At(f"{COHORT}/pricing.yml", "amount: [5000", 11), ("YAML syntax error", "this [ is not closed",
                                                            "add the closing ]")),
    Case("unclosed \" in YAML, closed by a quote lines later",
         Replace(f"{COHORT}/schedule.yml", 'title: "Opening conference: the trust leader this moment needs"',
                 'title: "Opening conference: the trust leader this moment needs'),
         At(f"{COHORT}/schedule.yml", "Opening conference", 16), ('this " is not closed',)),
    Case("unclosed \" in YAML, never closed", Replace(f"{COHORT}/pricing.yml", "amount: 5000", 'amount: "5000'),
         At(f"{COHORT}/pricing.yml", '"5000', 11), ('this " is not closed', "add the closing \"")),
    Case("missing ': ' after a key", Replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount 5000"),
         At(f"{COHORT}/pricing.yml", "amount 5000", 3), ("expected 'key: value'", "': '")),
    Case("missing space after a key's colon", Replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount:5000"),
         At(f"{COHORT}/pricing.yml", "amount:5000", 3), ("expected 'key: value'",)),
    Case("missing ': ' after a top-level key", Replace(f"{COHORT}/cohort.yml", "title: Cohort 3", "title Cohort 3"),
         At(f"{COHORT}/cohort.yml", "title Cohort 3", 1), ("expected 'key: value'",)),
    Case("YAML syntax error in front matter", Replace("docs/index.md", "hide:\n  - navigation", "hide: [navigation"),
         At("docs/index.md", "hide: [navigation", 7), ("YAML syntax error", "this [ is not closed"), "build"),
    Case("unclosed \" in a thinkpiece's title",
         Replace(PUBLIC_POST, "title: Making the case", 'title: "Making the case'),
         At(PUBLIC_POST, "title:", 8), ('this " is not closed',), "build"),
    Case("key written twice", Replace(f"{COHORT}/pricing.yml", "  amount: 5000\n", "  amount: 5000\n  amount: 5200\n"),
         At(f"{COHORT}/pricing.yml", "amount: 5200", 3), ("price.amount:", "appears twice", "first on line")),
    Case("list item without its dash (every key repeats; one message)",
         Replace(f"{COHORT}/schedule.yml", "      - kind: deep_dive", "        kind: deep_dive"),
         At(f"{COHORT}/schedule.yml", "        kind: deep_dive", 9),
         ("key 'kind' appears twice", "'- ' is probably missing")),
    Case("a line indented too far (noticed by YAML only at the next line)",
         Replace(f"{COHORT}/cohort.yml", "\n  deadline:", "\n    deadline:"),
         At(f"{COHORT}/cohort.yml", "    deadline:", 5), ("indentation does not fit", "deadline:")),
    Case("a line indented too little",
         Replace(f"{COHORT}/schedule.yml", "        end: 16:30", "       end: 16:30"),
         At(f"{COHORT}/schedule.yml", "       end: 16:30", 8), ("indentation does not fit",)),
    Case("a tab for indentation", Replace(f"{COHORT}/cohort.yml", "\n  deadline:", "\n\tdeadline:"),
         At(f"{COHORT}/cohort.yml", "\tdeadline:", 1), ("a tab character", "spaces")),
    Case("further reading listed but never shown",
         Replace(PUBLIC_POST, "{{ reading_list() }}", ""),
         At(PUBLIC_POST, "further_reading:", 1), ("never shown", "{{ reading_list() }}")),
    Case("a macro typo found by check, with no build",
         Replace(PRICE_PAGE, "{{ inclusions() }}", "{{ inclusoins() }}"),
         At(PRICE_PAGE, "inclusoins", 4), ("'inclusoins' is undefined", "did you mean 'inclusions'?"),
         "check"),
    # Text that is not UTF-8.
    Case("non-UTF-8 byte in a Markdown page", LatinByte(PRICE_PAGE, "costs **"),
         At(PRICE_PAGE, "costs **", 31), ("not UTF-8", "0xe9", "save the file as UTF-8"), "build"),
    Case("non-UTF-8 byte in a YAML file", LatinByte("content/programme.yml", "Trusts\n"),
         At("content/programme.yml", "name: Leading", 14), ("not UTF-8", "0xe9", "'é'")),
    # Values the schema refuses.
    Case("wrong type", Replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount: five thousand"),
         At(f"{COHORT}/pricing.yml", "five thousand", 11),
         ("price.amount:", "expected a valid integer", "found 'five thousand'")),
    Case("missing required field", Replace(f"{COHORT}/cohort.yml", "title: Cohort 3 (2027–28)\n", ""),
         At(f"{COHORT}/cohort.yml", "number: 3", 1), ("required field 'title' is missing",)),
    Case("unknown key", Replace(f"{COHORT}/cohort.yml", "  deadline:", "  deadlin:"),
         At(f"{COHORT}/cohort.yml", "deadlin:", 3),
         ("application.deadlin:", "unknown field 'deadlin'", "did you mean 'deadline'?")),
    Case("impossible date", misdate_first_session, At(f"{COHORT}/schedule.yml", "2025-02-30", 15),
         ("terms[0].sessions[0].date:", "expected a real date", "found '2025-02-30'",
          "day is out of range for month")),
    Case("impossible start time (and no second message about the end time)",
         Replace(f"{COHORT}/schedule.yml", "start: 09:30", "start: 25:00"),
         At(f"{COHORT}/schedule.yml", "25:00", 16),
         (".start:", "24-hour clock", "found '25:00'")),
    Case("time written with a dot", Replace(f"{COHORT}/schedule.yml", "start: 09:30", "start: 9.30"),
         At(f"{COHORT}/schedule.yml", "9.30", 16), (".start:", "expected a time such as 09:30")),
    Case("impossible deadline date", Replace(f"{COHORT}/cohort.yml", "deadline: 2027-06-25T17:00:00",
                                             "deadline: 2027-02-30T17:00:00"),
         At(f"{COHORT}/cohort.yml", "2027-02-30", 13), ("application.deadline", "2027-02-30")),
    Case("deadline time offset of 25 hours",
         Replace(f"{COHORT}/cohort.yml", "T17:00:00", "T17:00:00+25:00"),
         At(f"{COHORT}/cohort.yml", "+25:00", 13),
         ("application.deadline:", "expected a real date and time", "less than 24 hours")),
    Case("deadline with no time", Replace(f"{COHORT}/cohort.yml", "T17:00:00", ""),
         At(f"{COHORT}/cohort.yml", "deadline:", 13),
         ("application.deadline:", "expected a date and a time", "2027-06-25T17:00:00",
          "found '2027-06-25' with no time")),
    Case("contact email without @", Replace("content/deployment.yml", "contact_email:",
                                            "contact_email: programme.at.leadingtrusts.org.uk"),
         At("content/deployment.yml", "contact_email:", 16),
         ("contact_email: expected an email address", "found 'programme.at.")),
    # Checks across files.
    Case("two cohorts with one number", Replace(f"{EARLIER_COHORT}/cohort.yml", "number: 2", "number: 3"),
         At(f"{COHORT}/cohort.yml", "number: 3", 9),
         ("cohort number 3 is already used by", f"{EARLIER_COHORT}/cohort.yml:")),
    Case("session outside the cohort's dates", Replace(f"{COHORT}/schedule.yml", "date: 2028-07-", "date: 2028-08-"),
         At(f"{COHORT}/schedule.yml", "date: 2028-08-"), ("within the cohort's dates",)),
    Case("duplicate session", repeat_first_webinar,
         At(f"{COHORT}/schedule.yml", lambda p: [n for n, line in enumerate(
             p.read(f"{COHORT}/schedule.yml").splitlines(), 1) if "- kind: webinar" in line][1]),
         ("duplicate session",)),
    Case("deadline after the first session", Replace(f"{COHORT}/cohort.yml", "deadline: 2027-06-25T17:00:00",
                                                     "deadline: 2027-10-25T17:00:00"),
         At(f"{COHORT}/cohort.yml", "deadline:"), ("before the first session",)),
    Case("promised count differs from the schedule", Replace(f"{COHORT}/pricing.yml", "promised: 12", "promised: 14"),
         At(f"{COHORT}/pricing.yml", "promised: 14"), ("promises 14 webinars", "lists 12")),
    Case("a kind of session the price neither includes nor excludes",
         Replace(f"{COHORT}/pricing.yml", "  - counts: conference\n", ""),
         At(f"{COHORT}/pricing.yml", "includes:", 1),
         ("includes: schedule.yml lists 1 conference", "under `not_included:` if it costs extra")),
    Case("a kind of session counted twice",
         Replace(f"{COHORT}/pricing.yml", "not_included:\n", "not_included:\n  - counts: conference\n"),
         At(f"{COHORT}/pricing.yml", lambda p: line_of(p, f"{COHORT}/pricing.yml", "not_included:") + 1),
         ("not_included[0].counts:", "conferences are already counted on line")),
    Case("a file the build would ignore", copy_schedule_as_yaml, At(f"{COHORT}/schedule.yaml"),
         ("unexpected file", "schedule.yml")),
    # Front matter.
    Case("thinkpiece front matter typo", Replace(MEMBERS_POST, "access: members", "acess: members"),
         At(MEMBERS_POST, "acess:", 1), ("acess:", "unknown field 'acess'"), "build"),
    Case("unknown author", Replace(MEMBERS_POST, "authors: [editorial]", "authors: [editorail]"),
         At(MEMBERS_POST, "authors:"), ("authors:", "unknown author 'editorail'", "expected one of editorial"),
         "build"),
    Case("ordinary page front matter typo", Replace(PRICE_PAGE, "description:", "descripton:"),
         At(PRICE_PAGE, "descripton:", 1), ("descripton:", "did you mean 'description'?"), "build"),
    Case("public thinkpiece without <!-- more -->", Replace(PUBLIC_POST, "<!-- more -->", ""),
         At(PUBLIC_POST, first_body_line(PUBLIC_POST), 1), ("needs a '<!-- more -->' line",), "build"),
    Case("two thinkpieces at one address",
         Replace(OTHER_POST, "title: Governance that spreads capacity, not just control",
                 "title: Making the case for joining a thriving trust"),
         At(PUBLIC_POST, "title:"), ("is already used by", OTHER_POST, "slug:"), "build"),
    # Macros in Markdown.
    Case("misspelt macro", Replace(PRICE_PAGE, "{{ inclusions() }}", "{{ inclusoins() }}"),
         At(PRICE_PAGE, "inclusoins", 4), ("'inclusoins' is undefined", "did you mean 'inclusions'?"), "build"),
    Case("misspelt attribute", Replace(PRICE_PAGE, "{{ cohort.title }}", "{{ cohort.titel }}"),
         At(PRICE_PAGE, "cohort.titel"), ("has no attribute 'titel'",), "build"),
    Case("macro syntax error", Replace(PRICE_PAGE, "{{ inclusions() }}", "{{ inclusions( }}"),
         At(PRICE_PAGE, "inclusions("), ("macro syntax error",), "build"),
    Case("unclosed {{ (Jinja notices lines later)", Replace(PRICE_PAGE, "{{ inclusions() }}", "{{ inclusions()"),
         At(PRICE_PAGE, "{{ inclusions()", 1), ("'{{' is opened here but not closed", "add '}}'"), "build"),
    Case("unclosed {% if %} (Jinja notices at the end of the page)",
         Replace(PRICE_PAGE, "{{ price() }}", "{% if cohort.number > 2 %}{{ price() }}"),
         At(PRICE_PAGE, "{% if cohort.number", 39), ("'{% if %}' is opened here but never closed",
                                                     "add '{% endif %}'"), "build"),
    Case("count() of an unknown kind", Replace(PRICE_PAGE, "{{ price() }}", '{{ count("webinars") }}'),
         At(PRICE_PAGE, 'count("webinars")', 42),
         ("count() takes one kind of session", "'webinar'", "found 'webinars'", "did you mean 'webinar'?"),
         "build"),
    Case("price() with an argument", Replace(PRICE_PAGE, "{{ price() }}", "{{ price(5) }}"),
         At(PRICE_PAGE, "price(5)", 42), ("price() was called as price(5)", "it takes no arguments"), "build"),
    # Links.
    Case("broken internal link", Replace(PRICE_PAGE, "[indicative schedule](schedule.md)",
                                         "[indicative schedule](shedule.md)"),
         At(PRICE_PAGE, "shedule.md"), ("broken link", "programme/shedule.md"), "build"),
    Case("broken anchor", Replace(PRICE_PAGE, "[indicative schedule](schedule.md)",
                                  "[indicative schedule](schedule.md#no-such-heading)"),
         At(PRICE_PAGE, "no-such-heading"), ("#no-such-heading",), "build"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.description for case in CASES])
def test_one_mistake_one_line(project, case: Case) -> None:
    case.edit(project)
    location = case.location.resolve(project)
    result = project.build() if case.command == "build" else project.run(case.command)
    assert result.code != 0, result.output
    assert "Traceback" not in result.output, result.output
    problems = [line for line in result.output.splitlines() if PROBLEM_LINE.match(line)]
    assert len(problems) == 1, f"expected one problem line:\n{result.output}"
    assert problems[0].startswith(location), f"expected a message at {location}:\n{result.output}"
    for fragment in case.fragments:
        assert fragment in problems[0], f"{fragment!r} missing:\n{result.output}"


@pytest.mark.parametrize("args", [("check",), ("check", "--format", "github")])
def test_check_command_reports_every_problem(project, args):
    """Two mistakes in two files: `check` reports both in one pass (as GitHub annotations
    with --format github), so an editor fixes a pull request at once."""
    project.replace(f"{COHORT}/pricing.yml", "amount: 5000", "amount: lots")
    project.replace(f"{COHORT}/cohort.yml", "  deadline:", "  deadlin:")
    result = project.run(*args)
    assert result.code == 1
    assert "pricing.yml" in result.output and "cohort.yml" in result.output
    if "github" in args:
        assert re.search(rf"::error file={COHORT}/pricing.yml,line=\d+,col=\d+::price.amount:",
                         result.output)
