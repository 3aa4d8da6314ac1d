"""How money, dates, times, counts and the deadline read on the site."""

from __future__ import annotations

import datetime as dt

import pytest

from leadingtrusts.site import schema, wording
from leadingtrusts.site.loading import Cohort

LONDON = schema.LONDON


def session(kind: str, day: int, start: str | None = None, end: str | None = None) -> dict:
    return {"kind": kind, "title": f"{kind} {day}", "date": dt.date(2027, 10, day),
            "start": start, "end": end, "online": True}


def cohort(*sessions: dict) -> Cohort:
    """A cohort whose schedule holds `sessions`."""
    info = schema.CohortFile.model_validate({
        "number": 3, "title": "Cohort 3", "runs": {"starts": "2027-09-01", "ends": "2028-07-31"},
        "application": {"deadline": "2027-06-25T17:00:00"}})
    pricing = schema.PricingFile.model_validate({"price": {"amount": 5000},
                                                 "includes": [{"text": "coaching"}]})
    eligibility = schema.EligibilityFile.model_validate(
        {"criteria": ["ready"], "steps": [{"title": "Apply", "text": "Fill in the form"}]})
    schedule = schema.ScheduleFile.model_validate({"terms": [{"name": "Autumn",
                                                              "sessions": list(sessions)}]})
    return Cohort("cohort-3", info, pricing, eligibility, schedule)


def test_money_is_whole_pounds_with_thousands_separated():
    assert wording.money(schema.Price(amount=5000)) == "£5,000"
    assert wording.money(schema.Price(amount=950)) == "£950"


def test_long_date_reads_as_in_a_letter():
    assert wording.long_date(dt.date(2027, 6, 25)) == "Friday 25 June 2027"
    assert wording.long_date(dt.date(2027, 9, 1)) == "Wednesday 1 September 2027"


@pytest.mark.parametrize("time, text", [
    (dt.time(17, 0), "5pm"), (dt.time(9, 30), "9.30am"), (dt.time(12, 0), "midday"),
    (dt.time(12, 30), "12.30pm"), (dt.time(0, 15), "12.15am"), (dt.time(16, 5), "4.05pm"),
])
def test_clock_reads_the_way_uk_readers_write_times(time, text):
    assert wording.clock(time) == text


def test_time_range_of_a_session():
    sessions = cohort(session("webinar", 5, "16:00", "17:15"), session("webinar", 6, "10:00"),
                      session("webinar", 7)).sessions
    assert [wording.time_range(s) for s in sessions] == ["4pm to 5.15pm", "10am", ""]


def test_counts_come_from_the_schedule_with_the_right_plural():
    counted = cohort(session("webinar", 5), session("ceo_visit", 6), session("ceo_visit", 7))
    assert wording.count_of(counted, "webinar") == "1 webinar"
    assert wording.count_of(counted, schema.SessionKind.ceo_visit) == "2 CEO visits"
    assert wording.count_of(counted, "conference") == "0 conferences"
    assert wording.kind_label("deep_dive", 4) == "deep-dive days"


def test_sessions_are_in_date_and_time_order():
    ordered = cohort(session("webinar", 9, "16:00"), session("webinar", 5),
                     session("webinar", 9, "10:00")).sessions
    assert [(s.date.day, s.start) for s in ordered] == [(5, None), (9, dt.time(10)),
                                                        (9, dt.time(16))]


@pytest.mark.parametrize("delta, text", [
    (dt.timedelta(days=213), "7 months"),
    (dt.timedelta(days=23), "3 weeks and 2 days"),
    (dt.timedelta(days=21), "3 weeks"),
    (dt.timedelta(days=5, hours=3), "5 days"),
    (dt.timedelta(days=1, hours=2), "26 hours"),
    (dt.timedelta(hours=1), "1 hour"),
    (dt.timedelta(minutes=12, seconds=40), "12 minutes"),
    (dt.timedelta(seconds=20), "1 minute"),
])
def test_time_remaining_reads_as_a_person_would_say_it(delta, text):
    assert wording.remaining(delta) == text


def test_deadline_status_before_and_after_the_deadline():
    deadline = dt.datetime(2027, 6, 25, 17, tzinfo=LONDON)
    before = wording.DeadlineStatus(deadline, dt.datetime(2027, 6, 25, 12, tzinfo=LONDON))
    assert before.is_open and before.time_left == "5 hours"
    assert before.when == "Friday 25 June 2027 at 5pm (UK time)"
    after = wording.DeadlineStatus(deadline, deadline)
    assert not after.is_open and after.time_left == ""


def test_the_time_left_is_said_the_same_way_wherever_it_is_shown():
    deadline = dt.datetime(2027, 6, 25, 17, tzinfo=LONDON)
    before = wording.DeadlineStatus(deadline, dt.datetime(2026, 11, 24, 12, tzinfo=LONDON))
    assert before.time_left_when_published == "7 months left when this page was published"
    assert wording.DeadlineStatus(deadline, deadline).time_left_when_published == ""


def test_a_cohorts_dates_read_as_months_and_count_the_months_they_span():
    school_year = cohort(session("webinar", 5))  # 1 September 2027 to 31 July 2028
    assert wording.month_span(school_year.info.runs) == "September 2027 to July 2028"
    assert school_year.months == 11


def test_a_session_heading_names_its_kind_once():
    from leadingtrusts.site.schema import Session
    from leadingtrusts.site.wording import session_heading

    def heading(kind: str, title: str) -> str:
        return session_heading(Session(kind=kind, title=title, date="2027-09-24", online=True))

    assert heading("webinar", "Reading a trust's finances") == "Webinar: Reading a trust's finances"
    assert heading("conference", "Opening conference: the trust leader") == \
        "Opening conference: the trust leader"
    assert heading("deep_dive", "A day in the life") == "Deep-dive day: A day in the life"


def test_a_schedule_row_dates_a_session_briefly():
    assert wording.short_date(dt.date(2027, 10, 28)) == "Thu 28 Oct"
    assert wording.short_date(dt.date(2028, 1, 4)) == "Tue 4 Jan"


def in_person(kind: str, place: str, host: str | None = None) -> dict:
    return {**session(kind, 5), "online": False, "place": place, "host": host}


@pytest.mark.parametrize("place, shown", [
    ("Venue to be confirmed", ""), ("Leeds: venue TBC", ""), ("To be announced", ""),
    ("Leeds Civic Hall", "Leeds Civic Hall"), ("Tbilisi", "Tbilisi")])
def test_a_place_still_to_be_confirmed_is_not_shown(place, shown):
    (only,) = cohort(in_person("deep_dive", place)).sessions
    assert wording.confirmed_place(only) == shown


def test_what_is_still_to_be_confirmed_is_counted_from_the_schedule():
    unknown = cohort(in_person("ceo_visit", "Venue to be confirmed"),
                     in_person("ceo_visit", "TBC", host="Sam Example"),
                     in_person("deep_dive", "Leeds"), session("webinar", 6))
    assert wording.still_to_confirm(unknown) == \
        "Still to be confirmed: the venues of 2 sessions and the host of 1 CEO visit."
    hosts_only = cohort(in_person("ceo_visit", "Leeds"), in_person("ceo_visit", "York"))
    assert wording.still_to_confirm(hosts_only) == \
        "Still to be confirmed: the hosts of 2 CEO visits."
    known = cohort(in_person("ceo_visit", "Leeds", host="Sam Example"), session("webinar", 6))
    assert wording.still_to_confirm(known) == ""
