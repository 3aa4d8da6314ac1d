"""The wording of money, dates, times, counts and the deadline, shared by every output.

They return plain text; escaping is the template engine's job (autoescape is
on for every template and macro), so nothing here builds HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import schema
from .loading import KIND_LABELS, Cohort


def money(price: schema.Price) -> str:
    """5000 GBP -> '£5,000'."""
    return f"£{price.amount:,}"


def long_date(day: dt.date) -> str:
    """2027-06-25 -> 'Friday 25 June 2027'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def month_span(runs: schema.DateRange) -> str:
    """A cohort's dates as a visitor reads them: 'September 2027 to July 2028'."""
    return f"{runs.starts:%B %Y} to {runs.ends:%B %Y}"


def short_date(day: dt.date) -> str:
    """2027-10-28 -> 'Thu 28 Oct' (a schedule row; its term names the year)."""
    return f"{day:%a} {day.day} {day:%b}"


def clock(moment: dt.time | dt.datetime) -> str:
    """17:00 -> '5pm', 09:30 -> '9.30am' (the way UK readers write times)."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}.{moment.minute:02d}{suffix}"


def time_range(session: schema.Session) -> str:
    """'10am to 3.30pm', '4pm', or '' when no time is set."""
    if session.start is None:
        return ""
    if session.end is None:
        return clock(session.start)
    return f"{clock(session.start)} to {clock(session.end)}"


def kind_label(kind: schema.SessionKind, count: int = 1) -> str:
    """'webinar' or 'webinars', as the count requires."""
    singular, plural = KIND_LABELS[schema.SessionKind(kind)]
    return singular if count == 1 else plural


def session_heading(session: schema.Session) -> str:
    """'Webinar: Reading a trust's finances'; the title alone when it already says its
    kind ('Opening conference: ...' needs no 'Conference:' before it)."""
    label = kind_label(session.kind)
    if label.lower() in session.title.lower():
        return session.title
    return f"{label[:1].upper()}{label[1:]}: {session.title}"


# The schema asks every in-person session for a place, so while a venue is not
# fixed editors write so in words ("Venue to be confirmed", "TBC"). A row then
# names no venue, and the schedule says once what is still to be confirmed.
_PLACE_TO_BE_CONFIRMED = re.compile(r"\b(?:to be (?:confirmed|announced|arranged)|tb[cad])\b", re.I)


def confirmed_place(session: schema.Session) -> str:
    """Where an in-person session happens, or '' while it is online or to be confirmed."""
    place = (session.place or "").strip()
    if session.online or _PLACE_TO_BE_CONFIRMED.search(place):
        return ""
    return place


def still_to_confirm(cohort: Cohort) -> str:
    """'Still to be confirmed: the venues of 17 sessions and the hosts of 10 CEO visits.',
    or '' once every venue and visit host is known."""
    venues = sum(not s.online and not confirmed_place(s) for s in cohort.sessions)
    hosts = sum(s.kind == schema.SessionKind.ceo_visit and not s.host for s in cohort.sessions)
    parts = []
    if venues:
        parts.append(f"the {'venue' if venues == 1 else 'venues'} of {_plural(venues, 'session')}")
    if hosts:
        visits = f"{hosts} {kind_label(schema.SessionKind.ceo_visit, hosts)}"
        parts.append(f"the {'host' if hosts == 1 else 'hosts'} of {visits}")
    return f"Still to be confirmed: {' and '.join(parts)}." if parts else ""


def count_of(cohort: Cohort, kind: schema.SessionKind | str) -> str:
    """'12 webinars', counted from the cohort's schedule."""
    number = cohort.counts[schema.SessionKind(kind)]
    return f"{number} {kind_label(kind, number)}"


def _plural(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


def remaining(delta: dt.timedelta) -> str:
    """A human span: '7 months', '3 weeks and 2 days', '5 hours', '12 minutes'."""
    days, seconds = delta.days, delta.seconds
    if days >= 60:
        return _plural(round(days / 30.44), "month")
    if days >= 14:
        weeks, rest = divmod(days, 7)
        return _plural(weeks, "week") + (f" and {_plural(rest, 'day')}" if rest else "")
    if days >= 2:
        return _plural(days, "day")
    hours = days * 24 + seconds // 3600
    if hours >= 1:
        return _plural(hours, "hour")
    return _plural(max(1, seconds // 60), "minute")


@dataclass(frozen=True)
class DeadlineStatus:
    """Whether applications are open at build time, and how to say so."""

    deadline: dt.datetime
    now: dt.datetime

    @property
    def is_open(self) -> bool:
        return self.now < self.deadline

    @property
    def when(self) -> str:
        """'Friday 25 June 2027 at 5pm (UK time)'."""
        return f"{long_date(self.deadline.date())} at {clock(self.deadline)} (UK time)"

    @property
    def time_left(self) -> str:
        return remaining(self.deadline - self.now) if self.is_open else ""

    @property
    def time_left_when_published(self) -> str:
        """'7 months left when this page was published' (the page is static, so it says
        when it was counted), or '' once applications have closed."""
        return f"{self.time_left} left when this page was published" if self.is_open else ""


FILTERS = {
    "money": money,
    "long_date": long_date,
    "month_span": month_span,
    "short_date": short_date,
    "clock": clock,
    "time_range": time_range,
    "kind_label": kind_label,
    "session_heading": session_heading,
    "confirmed_place": confirmed_place,
    "still_to_confirm": still_to_confirm,
}
