"""Membership end dates as the programme team types them: one reading for
`members end-date`, `members invite --until` and the invitations CSV.

    2028-08-01          ISO
    01/08/2028          day first, as a UK spreadsheet saves it (1 August)
    01/08/2028 00:00    the same, from a cell Excel formatted with a time

Month-first (US) dates are not accepted. A date that is well written but
does not exist (31/02/2027) is named as such, not answered with a format hint.
"""

from __future__ import annotations

import datetime as dt
import re

EXAMPLES = ("2028-08-01", "01/08/2028")
# The parts of each accepted form; a time, if any, follows the date.
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")
_DAY_FIRST = re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})")
_TIME = re.compile(r"(?:\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


class EndDateError(ValueError):
    """Text that is not an end date; str() is a one-line reason quoting it."""


def parse_end_date(text: str) -> dt.date:
    """The date `text` names; EndDateError saying what is wrong with it."""
    typed = text.strip()
    for form in (_ISO, _DAY_FIRST):
        match = re.fullmatch(form.pattern + f"(?:{_TIME.pattern})?", typed)
        if match:
            return _checked(typed, match)
    raise EndDateError(f"{typed!r} is not a date; write it as {' or '.join(EXAMPLES)} (day first)")


def _checked(typed: str, match: re.Match[str]) -> dt.date:
    year, month, day = (int(match.group(part)) for part in ("year", "month", "day"))
    if any(int(match.group(part) or 0) for part in ("hour", "minute", "second")):
        raise EndDateError(f"{typed!r} has a time of day; an end date is a whole day (the first "
                           "day without access), so write the date alone")
    if not 1 <= month <= 12:
        raise EndDateError(f"{typed!r} is not a date: there is no month {month} "
                           f"(dates are day first: {EXAMPLES[1]} is 1 August 2028)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise EndDateError(f"{typed!r} is not a date: there is no {day} {_MONTHS[month - 1]} {year}") from None
