"""End dates read the same way by `members end-date`, `members invite --until`
and the invitations CSV, with a day that does not exist named as such."""

from __future__ import annotations

import datetime as dt

import pytest

from leadingtrusts.gateway.dates import EndDateError, parse_end_date
from leadingtrusts.gateway.invitations import InvitationError, check_access_end

AUGUST_1 = dt.date(2028, 8, 1)


@pytest.mark.parametrize("text", [
    "2028-08-01", "01/08/2028", "1/8/2028", " 01/08/2028 ",
    # Excel, saving a cell formatted as a date with a time.
    "01/08/2028 00:00", "01/08/2028 00:00:00", "2028-08-01 00:00:00", "2028-08-01T00:00",
])
def test_the_written_forms_of_a_day(text):
    assert parse_end_date(text) == AUGUST_1


@pytest.mark.parametrize("text,reason", [
    ("31/02/2027", "there is no 31 February 2027"),
    ("2027-02-30", "there is no 30 February 2027"),
    ("29/02/2027", "there is no 29 February 2027"),
    ("31/04/2028", "there is no 31 April 2028"),
    ("01/13/2028", "there is no month 13"),
])
def test_a_day_that_does_not_exist_is_named(text, reason):
    with pytest.raises(EndDateError) as error:
        parse_end_date(text)
    assert reason in str(error.value) and repr(text) in str(error.value)
    assert "write it as" not in str(error.value)


def test_a_leap_day_exists():
    assert parse_end_date("29/02/2028") == dt.date(2028, 2, 29)


@pytest.mark.parametrize("text", ["next June", "31/07/27", "2028/08/01", "August 1, 2028", ""])
def test_anything_else_gets_the_forms_to_use(text):
    with pytest.raises(EndDateError, match="write it as 2028-08-01 or 01/08/2028"):
        parse_end_date(text)


def test_a_time_of_day_is_refused_rather_than_dropped():
    with pytest.raises(EndDateError, match="has a time of day"):
        parse_end_date("01/08/2028 17:30")


def test_invitations_read_dates_with_the_same_parser():
    today = dt.date(2026, 5, 1)
    assert check_access_end("01/08/2028 00:00", today) == AUGUST_1
    with pytest.raises(InvitationError, match="there is no 31 February 2027"):
        check_access_end("31/02/2027", today)
