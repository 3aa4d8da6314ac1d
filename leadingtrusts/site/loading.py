"""Load content/ through the schema, check it across files, and hand out one SiteData.

Every mistake becomes a `Problem` naming file, line, column and field; all of
them are collected and raised together so an editor fixes a pull request in
one pass rather than one error per build.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from . import schema
from ..errors import ContentError, Problem, display_path
from .yamlsource import Path_, SourceMap, read_yaml

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """A validated model and the map of where its values came from."""

    model: M
    source: SourceMap


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, (dt.date, dt.time)):
        return f"'{value.isoformat()}'"
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _fields_at(model: type[BaseModel], loc: Path_) -> list[str]:
    """The field names allowed at `loc` inside `model`, for did-you-mean hints."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = info.annotation
        elif isinstance(part, int) or hasattr(current, "__args__"):
            args = [a for a in getattr(current, "__args__", ()) if a is not type(None)]
            current = args[-1] if args else None
        while hasattr(current, "__args__") and not (isinstance(current, type)
                                                    and issubclass(current, BaseModel)):
            args = [a for a in current.__args__ if isinstance(a, type) and issubclass(a, BaseModel)]
            if not args:
                break
            current = args[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


# What a value that could not be read as a date or a time should look like.
_PARSING_EXAMPLES = {
    "date_parsing": "a date such as 2027-06-25",
    "date_from_datetime_parsing": "a date such as 2027-06-25",
    "time_parsing": "a time such as 09:30",
    "datetime_parsing": "a date and time such as 2027-06-25T17:00:00",
    "datetime_from_date_parsing": "a date and time such as 2027-06-25T17:00:00",
}


@functools.cache
def _pattern_wordings(model: type[BaseModel]) -> dict[str, str]:
    """What each text pattern in `model` means, as its JSON Schema tells editors' tools."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                if node.get("patternErrorMessage"):
                    found.setdefault(node["pattern"], node["patternErrorMessage"])
                elif node.get("description"):
                    wording = node["description"].rstrip(".")
                    found.setdefault(node["pattern"], f"expected {wording[0].lower()}{wording[1:]}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(model.model_json_schema())
    return found


def _pattern_wording(model: type[BaseModel], pattern: str) -> str:
    """'expected an email address, e.g. ...' for a value that does not match `pattern`."""
    return _pattern_wordings(model).get(pattern, f"expected text of the form {pattern}")


def problem_from_pydantic(error: dict[str, Any], source: SourceMap, model: type[BaseModel]) -> Problem:
    """Turn one pydantic error into an editor's message at the right line."""
    loc: Path_ = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return source.problem(loc[:-1], f"required field '{loc[-1]}' is missing")
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = f"unknown field '{loc[-1]}'"
        if hint:
            message += f": did you mean '{hint[0]}'?"
        if allowed:
            message += f" (expected one of: {', '.join(allowed)})"
        return source.problem(loc, message, key=True)
    if kind in _PARSING_EXAMPLES and error.get("ctx", {}).get("error"):
        return source.problem(loc, f"expected {_PARSING_EXAMPLES[kind]}, found "
                              f"{_describe(error.get('input'))} ({error['ctx']['error']})")
    if kind == "string_pattern_mismatch":
        return source.problem(loc, f"{_pattern_wording(model, error['ctx']['pattern'])}, "
                              f"found {_describe(error.get('input'))}")
    message = error["msg"]
    for prefix, replacement in (("Input should be ", "expected "), ("Value error, ", ""),
                                ("Assertion failed, ", "")):
        if message.startswith(prefix):
            message = replacement + message[len(prefix):]
    if kind not in ("value_error", "assertion_error") or loc and loc[-1] in ("start", "end"):
        message += f", found {_describe(error.get('input'))}"
    return source.problem(loc, message)


def problems_from_pydantic(error: ValidationError, source: SourceMap,
                           model: type[BaseModel]) -> list[Problem]:
    """One message per mistake: a misspelt key is reported as unknown (with its
    suggestion), not also as the required field it was meant to be."""
    errors = error.errors(include_url=False)
    misspelt = {tuple(e["loc"][:-1]) + (hint,) for e in errors if e["type"] == "extra_forbidden"
                for hint in difflib.get_close_matches(str(e["loc"][-1]),
                                                      _fields_at(model, tuple(e["loc"][:-1])), n=1)}
    return [problem_from_pydantic(e, source, model) for e in errors
            if not (e["type"] == "missing" and tuple(e["loc"]) in misspelt)]


def load_file(path: Path, model: type[M]) -> Loaded[M]:
    """Parse one YAML file and validate it against its model."""
    document = read_yaml(path)
    try:
        return Loaded(model.model_validate(document.data), document.source)
    except ValidationError as error:
        raise ContentError(problems_from_pydantic(error, document.source, model)) from None


# --- the aggregates the site renders -----------------------------------------

KIND_LABELS: dict[schema.SessionKind, tuple[str, str]] = {
    schema.SessionKind.ceo_visit: ("CEO visit", "CEO visits"),
    schema.SessionKind.deep_dive: ("deep-dive day", "deep-dive days"),
    schema.SessionKind.webinar: ("webinar", "webinars"),
    schema.SessionKind.conference: ("conference", "conferences"),
}


@dataclass(frozen=True)
class Cohort:
    """One cohort's programme: its dates, price, eligibility and schedule."""

    id: str
    info: schema.CohortFile
    pricing: schema.PricingFile
    eligibility: schema.EligibilityFile
    schedule: schema.ScheduleFile
    info_source: SourceMap = field(default_factory=lambda: SourceMap("cohort.yml"), compare=False,
                                   repr=False)  # where cohort.yml's values stand

    @property
    def number(self) -> int:
        return self.info.number

    @property
    def title(self) -> str:
        return self.info.title

    @cached_property
    def sessions(self) -> list[schema.Session]:
        """Every session in date order."""
        return sorted((s for term in self.schedule.terms for s in term.sessions),
                      key=lambda s: (s.date, s.start or dt.time.min))

    @cached_property
    def counts(self) -> dict[schema.SessionKind, int]:
        """How many sessions of each kind the schedule holds (every kind, zero included)."""
        found = Counter(s.kind for s in self.sessions)
        return {kind: found.get(kind, 0) for kind in schema.SessionKind}

    @property
    def deadline(self) -> dt.datetime:
        return self.info.application.deadline

    @property
    def months(self) -> int:
        """How many calendar months the cohort runs in: September to July is 11."""
        starts, ends = self.info.runs.starts, self.info.runs.ends
        return (ends.year - starts.year) * 12 + ends.month - starts.month + 1


@dataclass(frozen=True)
class SiteData:
    programme: schema.ProgrammeFile
    principles: list[schema.Principle]
    cohorts: list[Cohort]  # oldest first

    @property
    def latest(self) -> Cohort:
        return self.cohorts[-1]

    def cohort(self, cohort_id: str | None) -> Cohort:
        """The cohort called `cohort_id`, or the latest for None or 'latest'."""
        if cohort_id in (None, "", "latest"):  # the alias of the newest (pipeline.context.LATEST)
            return self.latest
        for cohort in self.cohorts:
            if cohort.id == cohort_id:
                return cohort
        known = ", ".join(c.id for c in self.cohorts)
        raise ContentError([Problem("content/cohorts", None, None, "",
                                    f"no cohort called '{cohort_id}' (known: {known})")])


# --- cross-file checks -------------------------------------------------------

def _check_schedule(cohort: Cohort, schedule_src: SourceMap, cohort_src: SourceMap) -> list[Problem]:
    problems = []
    runs = cohort.info.runs
    seen: dict[tuple, Path_] = {}
    ids: dict[str, Path_] = {}
    for t, term in enumerate(cohort.schedule.terms):
        for s, session in enumerate(term.sessions):
            path: Path_ = ("terms", t, "sessions", s)
            if session.id is not None:  # a calendar's UID is made from it: one per session
                if session.id in ids:
                    earlier = schedule_src.locate(ids[session.id])
                    problems.append(schedule_src.problem(
                        path + ("id",), f"session id '{session.id}' is already used on line "
                        f"{earlier.line if earlier else '?'}; give each session its own id"))
                ids.setdefault(session.id, path + ("id",))
            if not runs.starts <= session.date <= runs.ends:
                problems.append(schedule_src.problem(
                    path + ("date",),
                    f"expected a date within the cohort's dates ({runs.starts.isoformat()} to "
                    f"{runs.ends.isoformat()}, set in cohort.yml), found '{session.date.isoformat()}'"))
            for key in ((session.kind, session.date, session.start), (session.date, session.title)):
                if key in seen:
                    first = schedule_src.locate(seen[key])
                    problems.append(schedule_src.problem(
                        path, f"duplicate session: '{session.title}' on {session.date.isoformat()} "
                        f"is already listed (line {first.line if first else '?'})"))
                    break
                seen[key] = path
    if cohort.sessions and cohort.deadline.date() >= cohort.sessions[0].date:
        problems.append(cohort_src.problem(
            ("application", "deadline"),
            f"expected a deadline before the first session "
            f"({cohort.sessions[0].date.isoformat()}), found '{cohort.deadline.isoformat()}'"))
    opens = cohort.info.application.opens
    if opens and opens >= cohort.deadline.date():
        problems.append(cohort_src.problem(("application", "opens"),
                                           "expected the application window to open before the deadline"))
    return problems


# The lists of pricing.yml whose lines can count a kind of session.
PRICING_LISTS = ("includes", "not_included")


def _check_inclusions(cohort: Cohort, pricing_src: SourceMap) -> list[Problem]:
    """Each counted line agrees with the schedule, and every kind of session the schedule
    holds is counted once, as included or not, so the price page explains all of them."""
    problems = []
    counted: dict[schema.SessionKind, Path_] = {}
    for name in PRICING_LISTS:
        for i, inclusion in enumerate(getattr(cohort.pricing, name)):
            if inclusion.counts is None:
                continue
            path: Path_ = (name, i, "counts")
            actual = cohort.counts[inclusion.counts]
            plural = KIND_LABELS[inclusion.counts][1]
            if inclusion.counts in counted:
                first = pricing_src.locate(counted[inclusion.counts])
                problems.append(pricing_src.problem(
                    path, f"{plural} are already counted on line {first.line if first else '?'}; "
                    "count each kind of session once"))
                continue
            counted[inclusion.counts] = path
            if actual == 0:
                problems.append(pricing_src.problem(path, f"counts {plural}, but schedule.yml has none"))
            elif inclusion.promised is not None and inclusion.promised != actual:
                problems.append(pricing_src.problem(
                    (name, i, "promised"),
                    f"promises {inclusion.promised} {plural}, but schedule.yml lists {actual}: "
                    f"change `promised` to {actual}, or the schedule to match the offer"))
    for kind, number in cohort.counts.items():
        if number and kind not in counted:
            singular, plural = KIND_LABELS[kind]
            it, costs = ("it", "it costs") if number == 1 else ("them", "they cost")
            problems.append(pricing_src.problem(
                ("includes",), f"schedule.yml lists {number} {singular if number == 1 else plural}, "
                f"but pricing.yml does not say whether the price covers {it}: add `- counts: "
                f"{kind.value}` under `includes:`, or under `not_included:` if {costs} extra",
                key=True))
    return problems


# The cohort folder's files, from the schema's table: name -> (file name, model).
COHORT_FILES = {c.name: (c.pattern.rsplit("/", 1)[-1], c.model) for c in schema.COLLECTIONS
                if c.root == "content" and c.pattern.startswith("cohorts/*/")}
# What content/ may hold at its top level besides the cohort folders.
TOP_LEVEL = {c.pattern for c in schema.COLLECTIONS if c.root == "content" and "/" not in c.pattern}


def _unexpected_files(folder: Path, expected: set[str]) -> list[Problem]:
    """Files an editor may think are read but are not (a `schedule.yaml`, say)."""
    return [Problem(display_path(path), None, None, "",
                    f"unexpected file: this folder holds only {', '.join(sorted(expected))}")
            for path in sorted(folder.iterdir())
            if path.name not in expected and not path.name.startswith(".")]


def load_cohort(folder: Path) -> Cohort:
    """Load and cross-check one cohort's folder."""
    problems = _unexpected_files(folder, {file for file, _ in COHORT_FILES.values()})
    loaded: dict[str, Loaded[Any]] = {}
    for name, (file, model) in COHORT_FILES.items():
        try:
            loaded[name] = load_file(folder / file, model)
        except ContentError as error:
            problems.extend(error.problems)
    if problems:
        raise ContentError(problems)
    cohort = Cohort(folder.name, loaded["cohort"].model, loaded["pricing"].model,
                    loaded["eligibility"].model, loaded["schedule"].model,
                    loaded["cohort"].source)
    problems = _check_schedule(cohort, loaded["schedule"].source, loaded["cohort"].source)
    if not problems:  # counts taken from a wrong schedule would only repeat its mistake
        problems = _check_inclusions(cohort, loaded["pricing"].source)
    if problems:
        raise ContentError(problems)
    return cohort


def _check_principles(loaded: Loaded[schema.PrinciplesFile]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for i, principle in enumerate(loaded.model.principles):
        if principle.id in seen:
            problems.append(loaded.source.problem(("principles", i, "id"),
                                                  f"duplicate principle id '{principle.id}'"))
        seen.add(principle.id)
    return problems


def _check_cohort_numbers(cohorts: list[Cohort]) -> list[Problem]:
    """Each cohort has its own number; a copied folder whose number was not changed is
    reported once, in the later folder, naming the earlier one."""
    problems = []
    first_with: dict[int, Cohort] = {}
    for cohort in cohorts:
        earlier = first_with.setdefault(cohort.number, cohort)
        if earlier is cohort:
            continue
        at = earlier.info_source.locate(("number",))
        where = f"{earlier.info_source.file}:{at.line}" if at else earlier.info_source.file
        problems.append(cohort.info_source.problem(
            ("number",), f"cohort number {cohort.number} is already used by {where}; "
            "give each cohort its own number"))
    return problems


def load_site(content_dir: Path) -> SiteData:
    """Load every data file under `content_dir`; raise one ContentError listing all problems."""
    problems = _unexpected_files(content_dir, TOP_LEVEL | {"cohorts", "schemas", "README.md"})
    programme = principles = None
    cohorts: list[Cohort] = []
    try:
        programme = load_file(content_dir / "programme.yml", schema.collection("programme").model)
    except ContentError as error:
        problems.extend(error.problems)
    try:
        principles = load_file(content_dir / "principles.yml", schema.collection("principles").model)
        problems.extend(_check_principles(principles))
    except ContentError as error:
        problems.extend(error.problems)
    folders = sorted(p for p in (content_dir / "cohorts").glob("*") if p.is_dir())
    if not folders:
        problems.append(Problem(display_path(content_dir / "cohorts"), None, None, "",
                                "expected at least one cohort folder"))
    for folder in folders:
        try:
            cohorts.append(load_cohort(folder))
        except ContentError as error:
            problems.extend(error.problems)
    problems += _check_cohort_numbers(cohorts)
    if problems:
        raise ContentError(problems)
    assert programme is not None and principles is not None
    return SiteData(programme.model, list(principles.model.principles),
                    sorted(cohorts, key=lambda c: c.number))
