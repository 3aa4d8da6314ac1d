"""The schedule in visitors' calendars: one .ics per cohort, and the deadline on its own.

Every expectation is read from content/ (the schedule and the deadline as an
editor typed them), and every calendar is read back with icalendar, as a
calendar app would read it.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import time
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from leadingtrusts.pipeline.context import Settings, build_time
from leadingtrusts.pipeline.sources import Project
from leadingtrusts.pipeline.stage import pick_context, read_sources, write_tree

from projects import BEFORE_DEADLINE

SCHEDULE_YML = "content/cohorts/cohort-3/schedule.yml"
COHORT_YML = "content/cohorts/cohort-3/cohort.yml"
SCHEDULE_ICS = "downloads/leadingtrusts-cohort-3-schedule.ics"
DEADLINE_ICS = "downloads/leadingtrusts-cohort-3-deadline.ics"
# A session in British Summer Time, and one after the clocks went back (30 October 2027).
BST_SESSION = "The trust landscape in England today"
GMT_SESSION = "Reading a trust's finances"
FINANCES_LINES = ("        date: 2027-11-09\n        start: 16:00\n        end: 17:15\n")


def calendar(project, path: str, audience: str = "public") -> Calendar:
    return Calendar.from_ical((project.root / "site" / audience / path).read_bytes())


def sessions_in(project) -> list[dict]:
    """The sessions of cohort 3 as the editor wrote them."""
    schedule = yaml.safe_load(project.read(SCHEDULE_YML))
    return [session for term in schedule["terms"] for session in term["sessions"]]


def deadline_in(project) -> dt.datetime:
    """The deadline as typed in cohort.yml (London time, no offset)."""
    return yaml.safe_load(project.read(COHORT_YML))["application"]["deadline"]


def event(cal: Calendar, title: str):
    """The one event whose summary ends with `title`."""
    found = [e for e in cal.events
             if str(e["SUMMARY"]) == title or str(e["SUMMARY"]).endswith(f": {title}")]
    assert len(found) == 1, [str(e["SUMMARY"]) for e in cal.events]
    return found[0]


def staged_calendars(project, now: str, cohort: str | None = None, root: str = "a") -> dict:
    """The .ics files of one public staging, by path."""
    sources = read_sources(Project(project.root))
    context = pick_context(sources, "public", cohort, build_time(now), Settings(), versioned=True)
    tree = write_tree(sources, context, project.path(f"build/stage/{root}"))
    return {p.relative_to(tree.docs).as_posix(): p.read_bytes()
            for p in (tree.docs / "downloads").glob("*.ics")}


def staged_schedule(project) -> Calendar:
    """Cohort 3's schedule calendar as the stage writes it (no engine needed)."""
    return Calendar.from_ical(staged_calendars(project, BEFORE_DEADLINE)[SCHEDULE_ICS])


def local_wall_clock(yaml_time) -> dt.time:
    """A time as YAML 1.1 reads `16:00` (sexagesimal minutes) or as a string."""
    if isinstance(yaml_time, int):
        return dt.time(yaml_time // 60, yaml_time % 60)
    return dt.time.fromisoformat(str(yaml_time))


def test_the_schedule_holds_every_session_and_the_deadline_once_each(built):
    cal = calendar(built, SCHEDULE_ICS)
    sessions = sessions_in(built)
    assert len(cal.events) == len(sessions) + 1
    summaries = [str(e["SUMMARY"]) for e in cal.events]
    for session in sessions:
        # "Webinar: <title>", or the title alone when it names its kind already
        assert sum(s == session["title"] or s.endswith(f": {session['title']}")
                   for s in summaries) == 1, session["title"]
    assert "Webinar: Reading a trust's finances" in summaries
    uids = [str(e["UID"]) for e in cal.events]
    assert len(set(uids)) == len(uids)
    online = event(cal, GMT_SESSION)
    assert str(online["LOCATION"]) == "Online"
    visit = next(e for e in cal.events if str(e["SUMMARY"]).startswith("CEO visit: "))
    assert "Host: to be confirmed." in str(visit["DESCRIPTION"])


def test_sessions_keep_their_wall_clock_time_on_both_sides_of_the_clock_change(built):
    cal = calendar(built, SCHEDULE_ICS)
    london = next(tz for tz in cal.timezones if tz.tz_name == "Europe/London")
    # The offsets come from the file's own VTIMEZONE, not this machine's time zone data.
    own_rules = london.to_tz(lookup_tzid=False)
    by_title = {s["title"]: s for s in sessions_in(built)}
    for title, offset in ((BST_SESSION, dt.timedelta(hours=1)), (GMT_SESSION, dt.timedelta(0))):
        start = event(cal, title).start
        session = by_title[title]
        assert start.tzinfo is not None and str(start.tzinfo) == "Europe/London"
        assert start.date() == session["date"]
        assert start.time() == local_wall_clock(session["start"])
        assert start.replace(tzinfo=own_rules).utcoffset() == offset, title
    text = (built.root / "site/public" / SCHEDULE_ICS).read_text()
    assert "DTSTART;TZID=Europe/London:20271019T160000" in text
    assert "DTSTART;TZID=Europe/London:20271109T160000" in text


def test_the_time_zone_definition_covers_every_event(built):
    cal = calendar(built, SCHEDULE_ICS)
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]
    own_rules = cal.timezones[0].to_tz(lookup_tzid=False)
    for item in cal.events:
        if isinstance(item.start, dt.datetime):
            assert item.start.replace(tzinfo=own_rules).utcoffset() == item.start.utcoffset()


def test_a_session_without_a_time_is_an_all_day_event(project):
    project.replace(SCHEDULE_YML, FINANCES_LINES, "        date: 2027-11-09\n")
    finances = event(staged_schedule(project), GMT_SESSION)
    assert finances.start == dt.date(2027, 11, 9) and not isinstance(finances.start, dt.datetime)
    assert finances.end == dt.date(2027, 11, 10)


def test_the_deadline_is_at_its_local_time_and_alone_in_its_own_file(built):
    schedule, alone = calendar(built, SCHEDULE_ICS), calendar(built, DEADLINE_ICS)
    deadline = deadline_in(built)
    assert len(alone.events) == 1
    only = alone.events[0]
    assert str(only["SUMMARY"]).startswith("Application deadline")
    assert only.start.replace(tzinfo=None) == deadline and str(only.start.tzinfo) == "Europe/London"
    assert only.start.utcoffset() == dt.timedelta(hours=1)  # 25 June: British Summer Time
    in_schedule = [e for e in schedule.events if str(e["UID"]) == str(only["UID"])]
    assert len(in_schedule) == 1  # adding both files still gives one deadline
    assert [tz.tz_name for tz in alone.timezones] == ["Europe/London"]


def test_an_edited_session_keeps_its_uid_so_calendars_update_it(built, project):
    before = {str(e["SUMMARY"]): str(e["UID"]) for e in calendar(built, SCHEDULE_ICS).events}
    project.replace(SCHEDULE_YML, FINANCES_LINES,
                    "        date: 2027-11-10\n        start: 17:00\n        end: 18:15\n")
    project.replace(SCHEDULE_YML, f"title: {GMT_SESSION}", "title: Reading the accounts of a trust")
    after = staged_schedule(project)
    moved = event(after, "Reading the accounts of a trust")
    assert moved.start.time() == dt.time(17, 0) and moved.start.date() == dt.date(2027, 11, 10)
    assert str(moved["UID"]) == before[f"Webinar: {GMT_SESSION}"]
    assert sorted(str(e["UID"]) for e in after.events) == sorted(before.values())


def test_a_session_id_fixes_its_uid_even_when_sessions_are_inserted_before_it(project):
    project.replace(SCHEDULE_YML, f"title: {GMT_SESSION}\n",
                    f"title: {GMT_SESSION}\n        id: reading-finances\n")
    pinned = str(event(staged_schedule(project), GMT_SESSION)["UID"])
    project.replace(SCHEDULE_YML, "  - name: Autumn term 2027\n    sessions:\n",
                    "  - name: Autumn term 2027\n    sessions:\n"
                    "      - kind: webinar\n        title: Welcome to the programme\n"
                    "        date: 2027-09-14\n        start: 16:00\n        end: 17:00\n"
                    "        online: true\n")
    project.replace("content/cohorts/cohort-3/pricing.yml", "promised: 12", "promised: 13")
    cal = staged_schedule(project)
    assert len(cal.events) == len(sessions_in(project)) + 1
    assert str(event(cal, GMT_SESSION)["UID"]) == pinned


def test_a_session_id_used_twice_is_one_line_naming_the_second(project):
    project.replace(SCHEDULE_YML, f"title: {GMT_SESSION}\n",
                    f"title: {GMT_SESSION}\n        id: finances\n")
    project.replace(SCHEDULE_YML, "title: Safeguarding at trust scale\n",
                    "title: Safeguarding at trust scale\n        id: finances\n")
    result = project.build()
    assert result.code != 0 and "Traceback" not in result.output
    first, second = [number for number, line in enumerate(project.read(SCHEDULE_YML).splitlines(), 1)
                     if line.strip() == "id: finances"]
    assert [line for line in result.output.splitlines() if "finances" in line] == [
        f"{SCHEDULE_YML}:{second}:13: terms[0].sessions[6].id: session id 'finances' is "
        f"already used on line {first}; give each session its own id"]


def test_staging_twice_writes_the_same_bytes_whatever_the_time_of_the_build(project, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = staged_calendars(project, "2026-11-24T12:00:00", root="first")
    time.sleep(1)  # a second later by the clock too: DTSTAMP is written to the second
    second = staged_calendars(project, "2027-03-02T08:15:00", root="second")
    assert set(first) == {SCHEDULE_ICS, DEADLINE_ICS}
    assert first == second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    stamped = Calendar.from_ical(staged_calendars(project, "2026-11-24T12:00:00",
                                                   root="third")[SCHEDULE_ICS])
    assert {e["DTSTAMP"].dt for e in stamped.events} == {
        dt.datetime.fromtimestamp(1_800_000_000, dt.timezone.utc)}


def test_each_published_version_carries_its_own_cohorts_calendar(project):
    files = staged_calendars(project, "2025-11-24T12:00:00", cohort="cohort-2")
    assert set(files) == {"downloads/leadingtrusts-cohort-2-schedule.ics",
                          "downloads/leadingtrusts-cohort-2-deadline.ics"}
    schedule = yaml.safe_load(project.read("content/cohorts/cohort-2/schedule.yml"))
    count = sum(len(term["sessions"]) for term in schedule["terms"])
    cal = Calendar.from_ical(files["downloads/leadingtrusts-cohort-2-schedule.ics"])
    assert len(cal.events) == count + 1
    cohort_3 = Calendar.from_ical((staged_calendars(project, "2025-11-24T12:00:00",
                                                     root="b"))[SCHEDULE_ICS])
    assert not {str(e["UID"]) for e in cal.events} & {str(e["UID"]) for e in cohort_3.events}


def _link(html: str, text: str) -> str:
    """The href of the link whose text (its icon aside) is `text`."""
    links = re.findall(r'<a\b[^>]*\shref="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    found = [href for href, inner in links if re.sub(r"<svg.*?</svg>", "", inner, flags=re.S) == text]
    assert len(found) == 1, f"no single link '{text}'"
    return found[0]


@pytest.mark.parametrize("url, text, path", [
    ("programme/schedule/", "Add the schedule to your calendar (.ics)", SCHEDULE_ICS),
    ("programme/apply/", "Add the deadline to your calendar (.ics)", DEADLINE_ICS),
])
def test_the_pages_link_to_their_calendar_by_a_relative_address(built, url, text, path):
    href = _link(built.page(url), text)
    assert not href.startswith(("/", "http")), href  # works inside /<version>/ as well
    target = Path(built.root / "site/public" / posixpath.normpath(posixpath.join(url, href)))
    assert target.read_bytes() == (built.root / "site/public" / path).read_bytes()


def test_the_deadline_link_is_gone_once_applications_have_closed(project):
    assert project.build(now="2027-06-26T09:00:00").code == 0
    html = project.page("programme/apply/")
    assert "Add the deadline to your calendar" not in html
    assert "Add the schedule to your calendar (.ics)" in project.page("programme/schedule/")
