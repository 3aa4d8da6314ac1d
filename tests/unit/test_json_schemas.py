"""The JSON Schemas editors' tools read (content/schemas/) accept exactly what the build accepts.

Each file is judged twice: by a standard JSON Schema validator, against the schema
its collection names, seeing the YAML as an editor's tool does (YAML 1.2, where a
date is the text typed), and by the build. The two must agree on every real file
and on every small mistake in the tables below. Checks a schema cannot make (an
end after its start, sessions inside the cohort's dates, a date that exists) are
the build's alone and are not in the tables.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.validators import validator_for

from leadingtrusts.errors import ContentError
from leadingtrusts.pages.frontmatter import FRONT_MATTER, read_markdown
from leadingtrusts.site import schema, yamlsource
from leadingtrusts.site.loading import load_file, load_site

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
DOCS = ROOT / "docs"


class _DatesAsTyped(yamlsource._Yaml12Loader):
    """The build's YAML 1.2 reading, except that a date stays the text typed, as
    editors' tools read it (YAML 1.2 has no date type)."""


_DatesAsTyped.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def editors_view(text: str) -> Any:
    """A YAML document as an editor's tool hands it to the JSON Schema."""
    data = yaml.load(text, Loader=_DatesAsTyped)
    return {} if data is None else data


def content_collection(relative: str) -> schema.Collection:
    """The collection a file under content/ belongs to."""
    return next(c for c in schema.COLLECTIONS
                if c.root == "content" and fnmatch(relative, c.pattern))


def published_schema(collection: schema.Collection) -> dict[str, Any]:
    """The collection's JSON Schema as editors' tools read it from content/schemas/."""
    return json.loads((CONTENT / "schemas" / collection.schema_file).read_text(encoding="utf-8"))


def schema_errors(collection: schema.Collection, data: Any) -> list[str]:
    """What the collection's published JSON Schema finds wrong with `data`."""
    published = published_schema(collection)
    checker = validator_for(published)(published)
    return [f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in checker.iter_errors(data)]


def build_problems(action: Callable[[], object]) -> list[str]:
    """The editor's messages the build gives when running `action`."""
    try:
        action()
    except ContentError as error:
        return [str(problem) for problem in error.problems]
    return []


def front_matter(path: Path) -> str:
    """The YAML between a page's opening `---` lines, or nothing."""
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    return (match.group("meta") or "") if match else ""


CONTENT_FILES = sorted(str(p.relative_to(CONTENT)) for p in CONTENT.rglob("*.yml"))
PAGES = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))


def test_every_schema_is_a_valid_draft_7_schema():
    for collection in schema.COLLECTIONS:
        published = published_schema(collection)
        assert validator_for(published) is Draft7Validator
        Draft7Validator.check_schema(published)


def test_no_schema_checks_a_value_by_format():
    """Editors' tools check `format` (`time` wants seconds, `date-time` an offset, which
    editors do not write); the validator here does not, so patterns must say it all."""
    formats = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            formats.add(node.get("format"))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for collection in schema.COLLECTIONS:
        collect(published_schema(collection))
    assert formats == {None}


@pytest.mark.parametrize("relative", CONTENT_FILES)
def test_every_content_file_passes_its_schema_as_it_passes_the_build(relative):
    collection = content_collection(relative)
    path = CONTENT / relative
    assert schema_errors(collection, editors_view(path.read_text(encoding="utf-8"))) == []
    assert build_problems(lambda: load_file(path, collection.model)) == []


@pytest.mark.parametrize("relative", PAGES)
def test_every_page_front_matter_passes_its_schema_as_it_passes_the_build(relative):
    collection = schema.page_collection(relative)
    path = DOCS / relative
    assert schema_errors(collection, editors_view(front_matter(path))) == []
    assert build_problems(lambda: read_markdown(path, relative)) == []


@dataclass(frozen=True)
class Edit:
    """One small change to a real file, and whether both checks should accept it."""

    file: str
    old: str
    new: str
    accepted: bool


PROGRAMME, PRINCIPLES = "programme.yml", "principles.yml"
COHORT, PRICING = "cohorts/cohort-3/cohort.yml", "cohorts/cohort-3/pricing.yml"
ELIGIBILITY, SCHEDULE = "cohorts/cohort-3/eligibility.yml", "cohorts/cohort-3/schedule.yml"
DEADLINE = "deadline: 2027-06-25T17:00:00"
SOURCE = "name: Ofsted"  # a figure's source, followed by what it adds: "\n      url: ..."
SUMMARY = ("    summary: Schools and communities rally behind one purpose, serving the next "
           "generation together.\n")
ACCEPTED, REJECTED = True, False

DOCUMENT_EDITS = {
    "figure key not a slug": Edit(PROGRAMME, "  good-or-outstanding:", "  Good_Or_Outstanding:",
                                  REJECTED),
    "figure key with a space": Edit(PROGRAMME, "  belonging:", "  feeling belonging:", REJECTED),
    "unknown field": Edit(PROGRAMME, "tagline:", "tag_line:", REJECTED),
    "figure value as a bare number": Edit(PROGRAMME, "value: 90%", "value: 90", REJECTED),
    "source year out of range": Edit(PROGRAMME, "year: 2024", "year: 1800", REJECTED),
    "blank text in quotes": Edit(PROGRAMME, "name: LeadingTrusts", 'name: "   "', REJECTED),
    "source url": Edit(PROGRAMME, SOURCE, SOURCE + "\n      url: https://www.gov.uk/ofsted", ACCEPTED),
    "source url not on the web": Edit(PROGRAMME, SOURCE, SOURCE + "\n      url: ftp://files.example/o",
                                      REJECTED),
    "source url without scheme": Edit(PROGRAMME, SOURCE, SOURCE + "\n      url: www.gov.uk/ofsted",
                                      REJECTED),
    "principle id not a slug": Edit(PRINCIPLES, "id: collective-vision", "id: Collective vision",
                                    REJECTED),
    "principle without summary": Edit(PRINCIPLES, SUMMARY, "", REJECTED),
    "deadline without seconds": Edit(COHORT, DEADLINE, "deadline: 2027-06-25T17:00", ACCEPTED),
    "deadline with offset": Edit(COHORT, DEADLINE, "deadline: 2027-06-25T17:00:00+01:00", ACCEPTED),
    "deadline in UTC": Edit(COHORT, DEADLINE, "deadline: 2027-06-25T16:00Z", ACCEPTED),
    "deadline date only": Edit(COHORT, DEADLINE, "deadline: 2027-06-25", REJECTED),
    "deadline date only, quoted": Edit(COHORT, DEADLINE, 'deadline: "2027-06-25"', REJECTED),
    "deadline offset +25:00": Edit(COHORT, DEADLINE, "deadline: 2027-06-25T17:00:00+25:00", REJECTED),
    "deadline hour 25": Edit(COHORT, DEADLINE, "deadline: 2027-06-25T25:00:00", REJECTED),
    "deadline in words": Edit(COHORT, DEADLINE, "deadline: 25 June 2027 at 5pm", REJECTED),
    "missing required field": Edit(COHORT, "number: 3\n", "", REJECTED),
    "cohort number zero": Edit(COHORT, "number: 3", "number: 0", REJECTED),
    "cohort number written as text": Edit(COHORT, "number: 3", 'number: "3"', REJECTED),
    "deadline as a bare number": Edit(COHORT, "deadline: 2027-06-25T17:00:00",
                                      "deadline: 1813852800", REJECTED),
    "online written as yes": Edit(SCHEDULE, "online: true", "online: yes", REJECTED),
    "price written as text": Edit(PRICING, "amount: 5000", 'amount: "5000"', REJECTED),
    "start date in words": Edit(COHORT, "starts: 2027-09-01", "starts: 1 September 2027", REJECTED),
    "month 13": Edit(COHORT, "starts: 2027-09-01", "starts: 2027-13-01", REJECTED),
    "application form url": Edit(COHORT, "form_url:", "form_url: https://forms.example/apply", ACCEPTED),
    "currency not GBP": Edit(PRICING, "currency: GBP", "currency: EUR", REJECTED),
    "price zero": Edit(PRICING, "amount: 5000", "amount: 0", REJECTED),
    "price in words": Edit(PRICING, "amount: 5000", "amount: five thousand", REJECTED),
    "counts an unknown kind": Edit(PRICING, "counts: deep_dive", "counts: workshop", REJECTED),
    "promise without counts": Edit(PRICING, "  - counts: deep_dive\n    promised: 4", "  - promised: 4",
                                   REJECTED),
    "counted line in the kind's own words": Edit(PRICING, "    text: deep-dive training days\n", "",
                                                   ACCEPTED),
    "line with neither text nor counts": Edit(PRICING, "  - text: One-to-one leadership coaching every term",
                                               "  - text:", REJECTED),
    "step without text": Edit(ELIGIBILITY, "  - title: Find a sponsor\n    text:",
                              "  - title: Find a sponsor\n    notes:", REJECTED),
    "session kind misspelt": Edit(SCHEDULE, "kind: ceo_visit", "kind: ceo-visit", REJECTED),
    "start 25:00": Edit(SCHEDULE, "start: 09:30", "start: 25:00", REJECTED),
    "start 09:60": Edit(SCHEDULE, "start: 09:30", "start: 09:60", REJECTED),
    "start with seconds": Edit(SCHEDULE, "start: 09:30", "start: 09:30:00", REJECTED),
    "start with one-digit hour": Edit(SCHEDULE, "start: 09:30", "start: 9:30", REJECTED),
    "start 00:00": Edit(SCHEDULE, "start: 09:30", "start: 00:00", ACCEPTED),
    "end 23:59": Edit(SCHEDULE, "end: 16:30", "end: 23:59", ACCEPTED),
    "end without start": Edit(SCHEDULE, "start: 09:30\n        end: 16:30", "end: 16:30", REJECTED),
    "session date with slashes": Edit(SCHEDULE, "date: 2027-09-24", "date: 24/09/2027", REJECTED),
    "online session with a place": Edit(SCHEDULE, "online: true", "online: true\n        place: Leeds",
                                        REJECTED),
    "online session with an empty place": Edit(SCHEDULE, "online: true",
                                               "online: true\n        place:", ACCEPTED),
    "online session moved to a venue": Edit(SCHEDULE, "online: true",
                                            "online: false\n        place: Leeds", ACCEPTED),
    "session with neither place nor online": Edit(SCHEDULE, "        place: Venue to be confirmed\n",
                                                  "", REJECTED),
    "session with a blank place": Edit(SCHEDULE, "place: Venue to be confirmed", 'place: "  "',
                                       REJECTED),
}

THINKPIECE = "thinkpieces/posts/making-the-case.md"

PAGE_EDITS = {
    "thinkpiece access not public or members": Edit(THINKPIECE, "access: public", "access: private",
                                                    REJECTED),
    "thinkpiece author not a slug": Edit(THINKPIECE, "authors: [editorial]", "authors: [The Editors]",
                                         REJECTED),
    "thinkpiece without authors": Edit(THINKPIECE, "authors: [editorial]", "authors: []", REJECTED),
    "thinkpiece date in words": Edit(THINKPIECE, "date: 2026-09-15", "date: 15 September 2026",
                                     REJECTED),
    "thinkpiece date quoted": Edit(THINKPIECE, "date: 2026-09-15", 'date: "2026-09-15"', ACCEPTED),
    "thinkpiece unknown field": Edit(THINKPIECE, "tags:", "keywords:", REJECTED),
    "thinkpiece without summary": Edit(THINKPIECE, "summary:", "# summary:", REJECTED),
    "thinkpiece slug": Edit(THINKPIECE, "access: public", "access: public\nslug: the-case", ACCEPTED),
    "members page marked public": Edit("members/index.md", "access: members", "access: public",
                                       REJECTED),
    "page hides an unknown part": Edit("index.md", "  - navigation", "  - sidebar", REJECTED),
    "page hides the contents": Edit("index.md", "  - navigation", "  - toc", ACCEPTED),
    "page description empty": Edit("principles.md", "description: The principles",
                                   'description: ""\ntitle: The principles', REJECTED),
}


def _edited_copy(root: Path, edit: Edit, tmp_path: Path) -> Path:
    """A copy of `root` in tmp_path with `edit` made; the edited file's path."""
    copy = tmp_path / root.name
    shutil.copytree(root, copy)
    path = copy / edit.file
    text = path.read_text(encoding="utf-8")
    assert edit.old in text, f"{edit.old!r} is no longer in {edit.file}: update the case"
    path.write_text(text.replace(edit.old, edit.new, 1), encoding="utf-8")
    return path


def _assert_agree(edit: Edit, from_schema: list[str], from_build: list[str]) -> None:
    verdicts = f"schema: {from_schema or 'accepted'}\nbuild: {from_build or 'accepted'}"
    assert (not from_schema) == (not from_build), f"the schema and the build disagree\n{verdicts}"
    expected = "accepted" if edit.accepted else "an error"
    assert (not from_build) == edit.accepted, f"expected {expected}\n{verdicts}"


@pytest.mark.parametrize("edit", DOCUMENT_EDITS.values(), ids=DOCUMENT_EDITS.keys())
def test_schema_and_build_agree_on_an_edited_content_file(edit, tmp_path):
    path = _edited_copy(CONTENT, edit, tmp_path)
    from_schema = schema_errors(content_collection(edit.file),
                                editors_view(path.read_text(encoding="utf-8")))
    from_build = build_problems(lambda: load_site(tmp_path / "content"))
    _assert_agree(edit, from_schema, from_build)


@pytest.mark.parametrize("edit", PAGE_EDITS.values(), ids=PAGE_EDITS.keys())
def test_schema_and_build_agree_on_edited_front_matter(edit, tmp_path):
    path = _edited_copy(DOCS, edit, tmp_path)
    from_schema = schema_errors(schema.page_collection(edit.file), editors_view(front_matter(path)))
    from_build = build_problems(lambda: read_markdown(path, edit.file))
    _assert_agree(edit, from_schema, from_build)
