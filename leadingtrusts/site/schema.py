"""The contract for every data file in content/ and every thinkpiece's front matter.

Each model below governs one kind of file; `COLLECTIONS` at the end says which. Unknown
keys are errors (`extra="forbid"`), so a typo such as `deadlin:` cannot pass
silently. Checks that span several files (sessions inside the cohort's dates,
counts promised by the price against the schedule) live in `content.py`,
because they need to know which file and line to blame.

The JSON Schema files in content/schemas/ are generated from these models
(`leadingtrusts schemas`), and a test fails when they are stale.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from dataclasses import dataclass
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StrictBool,
                      StrictInt,
                      ValidationInfo, field_validator, model_validator)

LONDON = ZoneInfo("Europe/London")

Text = Annotated[str, Field(min_length=1, description="Plain text; shown as typed, never as HTML.",
                            # Spaces are stripped before min_length counts; say so to editors' tools.
                            json_schema_extra={"pattern": r"\S",
                                               "patternErrorMessage": "must not be blank"})]
# Numbers and yes/no values are taken only as YAML numbers and true/false, never
# converted from text ("3", "yes"): exactly what the JSON Schemas accept.
PositiveInt = Annotated[StrictInt, Field(gt=0)]

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                            description="Lower-case letters, digits and hyphens, e.g. `collective-vision`.")]


class Contract(BaseModel):
    """Base for every model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- programme.yml: facts about the programme that do not change by cohort ---

class Source(Contract):
    name: Text = Field(description="Who published the figure, e.g. Ofsted.")
    year: StrictInt | None = Field(None, ge=1900, le=2100)
    url: HttpUrl | None = None


class Figure(Contract):
    value: Text = Field(description="The headline figure as shown, e.g. `90%`.")
    statement: Text = Field(description="What the figure measures, completing the sentence.")
    comparison: str | None = Field(None, description="Optional context, e.g. `up from 68% in 2010`.")
    source: Source | None = Field(None, description="Leave empty only while a source is being found.")


class Objective(Contract):
    title: Text
    text: Text


class ProgrammeFile(Contract):
    # No length: how long the programme runs is each cohort's `runs` (cohort.yml).
    name: Text
    tagline: Text
    figures: dict[Slug, Figure] = Field(min_length=1)
    objectives: list[Objective] = Field(min_length=1)


# --- principles.yml: the Thriving Trust principles (not per cohort) ---

class Principle(Contract):
    id: Slug
    title: Text
    summary: Text = Field(description="One sentence, shown in lists.")
    explanation: Text


class PrinciplesFile(Contract):
    principles: list[Principle] = Field(min_length=1)


# --- cohorts/<id>/cohort.yml: dates and the application window ---

class DateRange(Contract):
    starts: dt.date
    ends: dt.date

    @field_validator("ends")
    @classmethod
    def _ends_after_start(cls, ends: dt.date, info: ValidationInfo) -> dt.date:
        starts = info.data.get("starts")
        if starts and ends <= starts:
            raise ValueError(f"must be after starts ({starts.isoformat()})")
        return ends


def _in_london(value: dt.datetime) -> dt.datetime:
    """A deadline without an offset is London time; one with an offset is converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=LONDON)
    return value.astimezone(LONDON)


class ApplicationWindow(Contract):
    opens: dt.date | None = None
    deadline: Annotated[dt.datetime, AfterValidator(_in_london)] = Field(
        description="Date and time in Europe/London, e.g. `2027-06-25T17:00:00`.")
    form_url: HttpUrl | None = Field(None, description="Leave empty until the form is published.")
    deadline_note: str | None = Field(
        None, description="Shown beside the deadline: say here when it is a sample or unconfirmed.")

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline_has_a_time(cls, value: object) -> object:
        """A deadline needs its hour: a date alone would be read as midnight."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("expected a date and a time such as 2027-06-25T17:00:00, "
                             f"found the number {value}")
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            day = value.isoformat()
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            day = value.strip()
        else:
            return value
        raise ValueError(f"expected a date and a time, e.g. {day}T17:00:00 for 5pm, "
                         f"found '{day}' with no time")


class CohortFile(Contract):
    number: PositiveInt
    title: Text = Field(description="As shown in the version selector, e.g. `Cohort 3 (2027–28)`.")
    runs: DateRange
    application: ApplicationWindow
    sample_note: str | None = Field(
        None, description="Say plainly here when dates, hosts or venues are samples.")


# --- cohorts/<id>/pricing.yml ---

class SessionKind(StrEnum):
    ceo_visit = "ceo_visit"
    deep_dive = "deep_dive"
    webinar = "webinar"
    conference = "conference"


class Price(Contract):
    amount: Annotated[StrictInt, Field(gt=0, description="Whole pounds, e.g. 5000.")]
    currency: Literal["GBP"] = "GBP"
    per: Literal["person"] = "person"


class Inclusion(Contract):
    # `_promise_needs_kind` and `_says_what`, said again for editors' tools (content/schemas/).
    model_config = ConfigDict(json_schema_extra={
        "allOf": [
            {"if": {"properties": {"promised": {"not": {"type": "null"}}}, "required": ["promised"]},
             "then": {"properties": {"counts": {"not": {"type": "null"}}}, "required": ["counts"]}},
            {"anyOf": [{"properties": {"counts": {"not": {"type": "null"}}}, "required": ["counts"]},
                       {"properties": {"text": {"type": "string"}}, "required": ["text"]}]}]})

    text: Text | None = Field(
        None, description="What it is. For a counted kind, the words after the number; leave it "
        "out to use the kind's own name (`1 conference`, `12 webinars`).")
    counts: SessionKind | None = Field(
        None, description="The kind of session whose number, taken from the schedule, leads the line.")
    promised: PositiveInt | None = Field(
        None, description="The number the offer promises; the build fails if the schedule differs.")

    @model_validator(mode="after")
    def _promise_needs_kind(self) -> Inclusion:
        if self.promised is not None and self.counts is None:
            raise ValueError("`promised` needs `counts` to say which kind of session it counts")
        return self

    @model_validator(mode="after")
    def _says_what(self) -> Inclusion:
        """A line names what it is: in words, or by the kind of session it counts."""
        if self.text is None and self.counts is None:
            raise ValueError("say what it is: `text: <words>`, `counts: <kind of session>` or both")
        return self


class PricingFile(Contract):
    price: Price
    includes: list[Inclusion] = Field(min_length=1)
    # Every kind of session the schedule holds is counted in one of the two lists
    # (loading.py checks it), so the price page never leaves one unexplained.
    not_included: list[Inclusion] = Field(
        default_factory=list, description="What a place does not cover, e.g. travel; a kind of "
        "session that costs extra goes here with `counts`.")
    note: str | None = None


# --- cohorts/<id>/eligibility.yml ---

class Step(Contract):
    title: Text
    text: Text


class EligibilityFile(Contract):
    criteria: list[Text] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)


# --- cohorts/<id>/schedule.yml ---

_TIME = re.compile(r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


class Session(Contract):
    # `_one_place` and the first rule of `_end_after_start`, said again for editors' tools
    # (content/schemas/); that end comes after start is the build's check alone.
    model_config = ConfigDict(json_schema_extra={"allOf": [
        {"if": {"properties": {"online": {"const": True}}, "required": ["online"]},
         "then": {"properties": {"place": {"anyOf": [
             {"type": "null"}, {"type": "string", "pattern": r"^\s*$",
                                "patternErrorMessage": "leave place empty for an online session"}]}}},
         "else": {"properties": {"place": {"type": "string", "pattern": r"\S"}},
                  "required": ["place"]}},
        {"if": {"properties": {"end": {"not": {"type": "null"}}}, "required": ["end"]},
         "then": {"properties": {"start": {"not": {"type": "null"}}}, "required": ["start"]}}]})

    kind: SessionKind
    title: Text
    date: dt.date
    start: dt.time | None = Field(None, description="24-hour clock, e.g. `09:30`.")
    end: dt.time | None = None
    host: str | None = Field(None, description="Leave empty while the host is to be confirmed.")
    trust: str | None = Field(None, description="The host's trust, when known.")
    place: str | None = Field(None, description="Town or venue; leave empty for an online session.")
    online: StrictBool = False
    id: Slug | None = Field(
        None, description="Optional, unique in the cohort, never changed once published: keeps this "
        "session one event in calendars that imported the schedule, even if it is inserted, "
        "removed or reordered around (e.g. `finances-webinar`).")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        """A time written as on the 24-hour clock, hours 0 to 23 and minutes 0 to 59."""
        if isinstance(value, (int, float)):  # YAML reads `9.30` as a number of seconds
            raise ValueError("expected a time such as 09:30, with a colon")
        if not isinstance(value, str):
            return value
        match = _TIME.match(value.strip())
        if not match:
            raise ValueError("expected a time such as 09:30")
        if int(match["hour"]) > 23 or int(match["minute"]) > 59:
            raise ValueError("expected a time on the 24-hour clock, from 00:00 to 23:59")
        return value

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.time | None, info: ValidationInfo) -> dt.time | None:
        if "start" not in info.data:
            return end  # the start time is wrong, and reported on its own line
        start = info.data["start"]
        if end is not None and start is None:
            raise ValueError("an end time needs a start time")
        if end is not None and start is not None and end <= start:
            raise ValueError(f"must be after start ({start.strftime('%H:%M')})")
        return end

    @model_validator(mode="after")
    def _one_place(self) -> Session:
        if self.online and self.place:
            raise ValueError("give either `place` or `online: true`, not both")
        if not self.online and not self.place:
            raise ValueError("say where it happens: `place: <town or venue>` or `online: true`")
        return self


class Term(Contract):
    name: Text = Field(description="e.g. `Autumn term 2027`.")
    sessions: list[Session] = Field(min_length=1)


class ScheduleFile(Contract):
    terms: list[Term] = Field(min_length=1)


# --- thinkpieces and members' pages: Markdown front matter ---

class PageAccess(StrEnum):
    public = "public"
    members = "members"


class Reference(Contract):
    """One work a thinkpiece recommends: a citation, never a guessed web address."""

    # `_says_who`, said again for editors' tools (content/schemas/).
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"properties": {"author": {"type": "string"}}, "required": ["author"]},
        {"properties": {"publisher": {"type": "string"}}, "required": ["publisher"]}]})

    title: Text
    author: Text | None = Field(None, description="As the work gives it, e.g. `Pain`.")
    year: StrictInt | None = Field(None, ge=1900, le=2100,
                                   description="Leave out when the work gives no year.")
    publisher: Text | None = Field(None, description="e.g. `John Catt Educational`.")

    @model_validator(mode="after")
    def _says_who(self) -> Reference:
        """A citation names at least its author or its publisher."""
        if self.author is None and self.publisher is None:
            raise ValueError("say who wrote or published it: `author:`, `publisher:` or both")
        return self


class ThinkpieceMeta(Contract):
    title: Text
    date: dt.date
    authors: list[Slug] = Field(min_length=1, description="Ids from thinkpieces/.authors.yml.")
    summary: Text
    access: PageAccess
    categories: list[Text] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)
    slug: Slug | None = None
    further_reading: list[Reference] = Field(
        default_factory=list, description="Listed where the piece calls `{{ reading_list() }}`.")


class PageMeta(Contract):
    """Front matter of an ordinary page (programme pages, principles, indexes)."""

    title: Text | None = None
    description: Text | None = Field(None, description="Shown by search engines; one sentence.")
    hide: list[Literal["navigation", "toc", "footer", "path", "tags"]] = Field(default_factory=list)


class MembersPageMeta(Contract):
    title: Text
    summary: Text
    access: Literal["members"] = Field(description="Pages under members/ are always member-only.")


# --- deployment.yml: where this copy of the site lives ------------------------

WebAddress = Annotated[str, Field(
    pattern=r"^https?://[^/?#\s]+(?:/[^?#\s]*)?$",
    json_schema_extra={"patternErrorMessage": "expected a web address such as "
                                              "`https://www.example.org.uk/` (no ? or #)"})]
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                    description="An email address, e.g. `programme@example.org`.")]


class DeploymentFile(Contract):
    """The live site's addresses. A value left empty builds with a local stand-in, which
    `make publish` refuses; LT_SITE_URL, LT_MEMBERS_URL and LT_CONTACT_EMAIL win over this file."""

    site_url: WebAddress | None = Field(
        None, description="The public site's address, the root of the gh-pages branch.")
    members_url: WebAddress | None = Field(
        None, description="The members' site (the gateway): where `Sign in to read on` leads.")
    contact_email: EmailAddress | None = Field(
        None, description="Where visitors write about the programme.")


# --- the collections: which files are read with which model -----------------

@dataclass(frozen=True)
class Collection:
    """One kind of editor's file: where it lives and the model that governs it."""

    name: str  # also names its JSON Schema: content/schemas/<name>.schema.json
    root: Literal["content", "docs"]
    pattern: str  # a glob under root
    model: type[Contract]

    @property
    def schema_file(self) -> str:
        return f"{self.name}.schema.json"


# The one table. Content files are loaded in this order; a page in docs/ takes the
# first page collection whose pattern matches it (the catch-all `page` is last).
COLLECTIONS: tuple[Collection, ...] = (
    Collection("programme", "content", "programme.yml", ProgrammeFile),
    Collection("deployment", "content", "deployment.yml", DeploymentFile),
    Collection("principles", "content", "principles.yml", PrinciplesFile),
    Collection("cohort", "content", "cohorts/*/cohort.yml", CohortFile),
    Collection("pricing", "content", "cohorts/*/pricing.yml", PricingFile),
    Collection("eligibility", "content", "cohorts/*/eligibility.yml", EligibilityFile),
    Collection("schedule", "content", "cohorts/*/schedule.yml", ScheduleFile),
    Collection("thinkpiece", "docs", "thinkpieces/posts/**/*.md", ThinkpieceMeta),
    Collection("members-page", "docs", "members/**/*.md", MembersPageMeta),
    Collection("page", "docs", "**/*.md", PageMeta),
)


def collection(name: str) -> Collection:
    return next(c for c in COLLECTIONS if c.name == name)


def page_collection(docs_path: str) -> Collection:
    """The collection of a Markdown page, by its path under docs/."""
    from fnmatch import fnmatch

    for entry in COLLECTIONS:
        if entry.root == "docs" and (fnmatch(docs_path, entry.pattern)
                                     or fnmatch(docs_path, entry.pattern.replace("**/", ""))):
            return entry
    raise LookupError(docs_path)
