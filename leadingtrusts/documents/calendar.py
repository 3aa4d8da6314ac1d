"""Each cohort's schedule as an iCalendar file, and its application deadline as a second one.

The schedule file holds every session and the deadline; the deadline file holds
the deadline alone, under the same UID, so a visitor who adds both still has one
deadline. Times carry TZID=Europe/London with a VTIMEZONE for the years the
events span, so a 4pm webinar stays at 4pm on either side of a clock change.

What a subscriber's calendar app needs for an edited session to update rather
than duplicate is an unchanged UID. A session's UID is made from its cohort and
the first of:

- its `id:` in schedule.yml, when the editor gave one: it never changes, so the
  session keeps its identity whatever is inserted, removed or reordered;
- its kind and its place among the sessions of that kind as schedule.yml lists
  them ("the 3rd webinar"): a new date, time, title, place or host leaves the
  UID alone; only inserting, removing or reordering sessions of one kind shifts
  the UIDs of those after it, and even then every UID still names one event, so
  a calendar moves events in place and never shows two.

The bytes depend on the content alone: SEQUENCE is always 0, and DTSTAMP is the
build's source date (SOURCE_DATE_EPOCH, as reproducible builds set it), else a
date taken from the cohort, never the clock. Publishing twice with nothing
changed therefore writes the same files.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from icalendar import Calendar, Event, vDuration

from ..errors import ContentError, Problem
from ..site import schema
from ..site.schema import LONDON
from ..site.wording import clock, long_date, session_heading
from . import Document

if TYPE_CHECKING:
    from ..site.loading import Cohort
    from ..pipeline.context import StagedContext
    from ..pipeline.stage import Sources

SCHEDULE_FILE = "downloads/leadingtrusts-{cohort}-schedule.ics"
DEADLINE_FILE = "downloads/leadingtrusts-{cohort}-deadline.ics"
PRODID = "-//LeadingTrusts//Programme calendar//EN"
# Fixed for good: every UID is derived from it, so changing it would make every
# subscriber's calendar drop and re-add every event.
UID_NAMESPACE = uuid.UUID("3f0b8c52-6f4e-5d7a-9a31-5c2e1b7d4a60")
# How often subscribed calendar apps should fetch the file again.
REFRESH = dt.timedelta(days=1)
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


@dataclass(frozen=True)
class KeyedSession:
    """A session and the key its UID is made from."""

    key: str  # e.g. "id/finances-webinar" or "webinar/3"
    session: schema.Session


def documents(sources: Sources, context: StagedContext) -> list[Document]:
    """The cohort's schedule calendar and its deadline calendar."""
    cohort, programme = context.cohort, context.site.programme
    stamp = revision_stamp(cohort)
    deadline = _deadline_event(cohort, programme.name, stamp)
    keyed = sorted(keyed_sessions(sources, cohort),
                   key=lambda k: (k.session.date, k.session.start or dt.time.min))
    sessions = [_session_event(cohort, programme.name, k, stamp) for k in keyed]
    name = f"{programme.name} {cohort.title}"
    schedule = _calendar(cohort, "schedule", name, [deadline, *sessions],
                         f"Every session of {name} and its application deadline, in UK time.")
    only_deadline = _calendar(cohort, "deadline", f"{name}: application deadline", [deadline],
                              f"The deadline for applications to {name}, in UK time.")
    return [Document("schedule_calendar", SCHEDULE_FILE.format(cohort=cohort.id), schedule),
            Document("deadline_calendar", DEADLINE_FILE.format(cohort=cohort.id), only_deadline)]


def keyed_sessions(sources: Sources, cohort: Cohort) -> Iterator[KeyedSession]:
    """Every session in schedule.yml's order with its UID key (ids are unique: loading checks)."""
    ordinals: dict[schema.SessionKind, int] = {}
    for term in cohort.schedule.terms:
        for session in term.sessions:
            # Every session of a kind counts, with an id or not: giving one session
            # an id must not shift the keys of the others.
            ordinals[session.kind] = ordinals.get(session.kind, 0) + 1
            key = (f"id/{session.id}" if session.id is not None
                   else f"{session.kind.value}/{ordinals[session.kind]}")
            yield KeyedSession(key, session)


def uid(cohort: Cohort, key: str) -> str:
    """A UID that stays the same as long as the cohort and the key do."""
    return str(uuid.uuid5(UID_NAMESPACE, f"{cohort.id}/{key}"))


def revision_stamp(cohort: Cohort) -> dt.datetime:
    """DTSTAMP: SOURCE_DATE_EPOCH when set, else midnight UTC on the day applications
    open (or on the deadline's day): a date from the content, never the clock."""
    setting = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if setting:
        if not setting.isdigit():
            raise ContentError([Problem(SOURCE_DATE_EPOCH, None, None, "",
                                        f"expected a whole number of seconds since 1970, "
                                        f"found '{setting}'")])
        return dt.datetime.fromtimestamp(int(setting), dt.timezone.utc)
    day = cohort.info.application.opens or cohort.deadline.date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def _session_event(cohort: Cohort, programme: str, keyed: KeyedSession,
                   stamp: dt.datetime) -> Event:
    """One session: timed in London time, or all day when the schedule gives no time."""
    session = keyed.session
    start: dt.date | dt.datetime = session.date
    end: dt.date | dt.datetime | None = session.date + dt.timedelta(days=1)
    if session.start is not None:
        start = dt.datetime.combine(session.date, session.start, tzinfo=LONDON)
        # A start with no end is an instant (RFC 5545): better than an invented length.
        end = dt.datetime.combine(session.date, session.end, tzinfo=LONDON) if session.end else None
    lines = [f"Part of {programme}, {cohort.title}."]
    if session.kind is schema.SessionKind.ceo_visit or session.host or session.trust:
        trust = f" ({session.trust})" if session.trust else ""
        lines.append(f"Host: {session.host or 'to be confirmed'}{trust}.")
    if cohort.info.sample_note:
        lines.append("The schedule is indicative: this date, time and place may change.")
    return Event.new(
        uid=uid(cohort, keyed.key), stamp=stamp, sequence=0,
        summary=session_heading(session),
        start=start, end=end, location="Online" if session.online else session.place,
        description="\n".join(lines),
        status="TENTATIVE" if cohort.info.sample_note else "CONFIRMED")


def _deadline_event(cohort: Cohort, programme: str, stamp: dt.datetime) -> Event:
    """The application deadline: an instant, which takes no time in anyone's diary.

    It has no end (RFC 5545: it ends as it starts). Any length would be
    invented, and a 5pm to 5.30pm block reads as if forms were taken until 5.30.
    """
    application = cohort.info.application
    lines = [f"Applications for {programme}, {cohort.title}, close on "
             f"{long_date(cohort.deadline.date())} at {clock(cohort.deadline)} (UK time)."]
    if application.deadline_note:
        lines.append(application.deadline_note)
    if application.form_url:
        lines.append(f"Apply: {application.form_url}")
    return Event.new(
        uid=uid(cohort, "application-deadline"), stamp=stamp, sequence=0,
        summary=f"Application deadline: {programme} {cohort.title}",
        start=cohort.deadline, description="\n".join(lines), transparency="TRANSPARENT",
        url=str(application.form_url) if application.form_url else None,
        status="TENTATIVE" if application.deadline_note else "CONFIRMED")


def _calendar(cohort: Cohort, part: str, name: str, events: list[Event], description: str) -> bytes:
    """A calendar of `events` with the Europe/London definition for the years they span."""
    calendar = Calendar.new(prodid=PRODID, uid=uid(cohort, f"calendar/{part}"), name=name,
                            description=description, refresh_interval=REFRESH, method="PUBLISH")
    # The names Google Calendar and Outlook read for the same two settings.
    calendar.add("X-WR-TIMEZONE", LONDON.key)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    for event in events:
        calendar.add_component(event)
    days = [event.start if not isinstance(event.start, dt.datetime) else event.start.date()
            for event in events]
    calendar.add_missing_timezones(first_date=dt.date(min(days).year, 1, 1),
                                   last_date=dt.date(max(days).year + 1, 1, 1))
    return calendar.to_ical()
