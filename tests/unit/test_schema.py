"""The schema's own checks, and how its refusals read to an editor."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from leadingtrusts.site import schema
from leadingtrusts.site.loading import problems_from_pydantic
from leadingtrusts.site.yamlsource import parse_yaml

SESSION = "kind: webinar\ntitle: Reading a trust's finances\ndate: 2027-11-09\nonline: true\n"
DEPLOYMENT = "site_url:\ncontact_email: programme@leadingtrusts.example\n"


def messages(model: type, text: str) -> list[str]:
    """Every problem an editor is shown for `text` validated against `model`."""
    document = parse_yaml(text, "file.yml")
    with pytest.raises(ValidationError) as raised:
        model.model_validate(document.data)
    return [str(p) for p in problems_from_pydantic(raised.value, document.source, model)]


def window(deadline: str) -> schema.ApplicationWindow:
    return schema.ApplicationWindow.model_validate(parse_yaml(f"deadline: {deadline}\n", "f").data)


def test_a_deadline_without_offset_is_london_time_and_an_offset_is_converted():
    assert window("2027-06-25T17:00:00").deadline == dt.datetime(2027, 6, 25, 17,
                                                                 tzinfo=schema.LONDON)
    converted = window("2027-06-25T17:00:00+00:00").deadline
    assert (converted.hour, converted.tzinfo) == (18, schema.LONDON)  # British Summer Time


@pytest.mark.parametrize("deadline", ["2027-06-25", "'2027-06-25'"])
def test_a_deadline_needs_a_time(deadline):
    (message,) = messages(schema.ApplicationWindow, f"deadline: {deadline}\n")
    assert message == ("file.yml:1:11: deadline: expected a date and a time, e.g. "
                       "2027-06-25T17:00:00 for 5pm, found '2027-06-25' with no time")


def test_an_unreadable_deadline_says_what_is_expected():
    (message,) = messages(schema.ApplicationWindow, "deadline: 2027-06-25T5pm\n")
    assert "expected a date and time such as 2027-06-25T17:00:00, found '2027-06-25T5pm'" in message


@pytest.mark.parametrize("start, expected", [
    ("25:00", "expected a time on the 24-hour clock, from 00:00 to 23:59, found '25:00'"),
    ("10:75", "expected a time on the 24-hour clock, from 00:00 to 23:59, found '10:75'"),
    ("9.30", "expected a time such as 09:30, with a colon, found 9.3"),
    ("ten", "expected a time such as 09:30, found 'ten'"),
])
def test_a_wrong_start_time_is_one_message(start, expected):
    found = messages(schema.Session, f"{SESSION}start: {start}\nend: '11:00'\n")
    assert found == [f"file.yml:5:8: start: {expected}"]


def test_end_must_follow_start_and_needs_one():
    (before,) = messages(schema.Session, f"{SESSION}start: '10:00'\nend: '09:00'\n")
    assert before.endswith("end: must be after start (10:00), found '09:00'")
    (alone,) = messages(schema.Session, f"{SESSION}end: '09:00'\n")
    assert "an end time needs a start time" in alone


def test_a_session_is_either_online_or_somewhere():
    (both,) = messages(schema.Session, f"{SESSION}place: Leeds\n")
    assert "give either `place` or `online: true`, not both" in both
    (neither,) = messages(schema.Session, SESSION.replace("online: true\n", ""))
    assert "say where it happens" in neither


def test_a_promise_needs_the_kind_it_counts():
    (message,) = messages(schema.Inclusion, "text: webinars\npromised: 12\n")
    assert "`promised` needs `counts`" in message


def test_a_line_of_the_price_says_what_it_is():
    (message,) = messages(schema.Inclusion, "text:\n")
    assert "say what it is: `text: <words>`, `counts: <kind of session>` or both" in message
    assert schema.Inclusion.model_validate({"counts": "conference"}).text is None


def test_a_cohort_ends_after_it_starts():
    (message,) = messages(schema.DateRange, "starts: 2027-09-01\nends: 2027-08-01\n")
    assert message == "file.yml:2:7: ends: must be after starts (2027-09-01)"


def test_a_contact_email_without_at_says_an_email_address_is_expected():
    text = DEPLOYMENT.replace("programme@", "programme.at.")
    (message,) = messages(schema.DeploymentFile, text)
    assert message == ("file.yml:2:16: contact_email: expected an email address, e.g. "
                       "`programme@example.org`, found 'programme.at.leadingtrusts.example'")
    assert schema.DeploymentFile.model_validate(parse_yaml(DEPLOYMENT, "f").data)


def test_a_wrong_slug_says_what_a_slug_is():
    (message,) = messages(schema.Principle, "id: Collective Vision\ntitle: T\nsummary: S\n"
                                            "explanation: E\n")
    assert "id: expected lower-case letters, digits and hyphens" in message
    assert "pattern" not in message


def test_a_misspelt_key_is_one_message_not_also_a_missing_field():
    found = messages(schema.ApplicationWindow, "deadlin: 2027-06-25T17:00:00\n")
    assert found == ["file.yml:1:1: deadlin: unknown field 'deadlin': did you mean 'deadline'? "
                     "(expected one of: opens, deadline, form_url, deadline_note)"]


def test_a_missing_field_with_no_near_miss_is_reported():
    (message,) = messages(schema.ApplicationWindow, "opens: 2027-01-10\n")
    assert "required field 'deadline' is missing" in message
