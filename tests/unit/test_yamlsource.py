"""YAML as editors write it: YAML 1.2 values, positions, and mistakes named where made."""

from __future__ import annotations

import datetime as dt

import pytest

from leadingtrusts.errors import ContentError
from leadingtrusts.site.yamlsource import dotted, parse_yaml, read_text, read_yaml


def problem(text: str):
    """The one problem parsing `text` reports."""
    with pytest.raises(ContentError) as raised:
        parse_yaml(text, "file.yml")
    assert len(raised.value.problems) == 1, raised.value
    return raised.value.problems[0]


def test_values_follow_yaml_1_2():
    data = parse_yaml("start: 10:30\nanswer: no\nonline: true\nday: 2027-06-25\n"
                      "count: 012\nhex: 0x1F\n", "f.yml").data
    assert data == {"start": "10:30", "answer": "no", "online": True,
                    "day": dt.date(2027, 6, 25), "count": 12, "hex": 31}


def test_every_value_and_key_has_its_position():
    document = parse_yaml("terms:\n  - name: Autumn\n    sessions:\n      - date: 2027-09-24\n",
                          "f.yml")
    assert document.source.locate(("terms", 0, "sessions", 0, "date")).line == 4
    assert document.source.locate(("terms", 0, "sessions", 0, "date")).column == 15
    assert document.source.locate(("terms", 0, "name"), key=True).column == 5
    # A path with no value of its own (a missing field) is placed at its nearest parent.
    assert document.source.locate(("terms", 0, "missing")).line == 2


def test_front_matter_lines_count_from_the_file():
    document = parse_yaml("title: A\ndate: 2027-01-01\n", "page.md", first_line=2)
    assert document.source.locate(("date",)).line == 3


def test_dotted_paths_read_like_the_file():
    assert dotted(("terms", 0, "sessions", 2, "date")) == "terms[0].sessions[2].date"


def test_unclosed_bracket_is_named_where_it_opened():
    found = problem("price:\n  amount: [5000\n  currency: GBP\n")
    assert (found.line, found.column) == (2, 11)
    assert "this [ is not closed" in found.message and "line 3" in found.message


def test_unclosed_quote_is_named_where_it_opened_even_if_a_later_quote_closes_it():
    text = ('sessions:\n  - title: "Opening conference\n    date: 2027-09-24\n'
            '  - title: "Second"\n    date: 2027-10-01\n')
    found = problem(text)
    assert (found.line, found.column) == (2, 12)
    assert 'this " is not closed' in found.message


def test_quote_never_closed_before_the_end_of_the_file():
    found = problem("a: 1\nb: 'text\nc: 3\n")
    assert (found.line, found.column) == (2, 4)


@pytest.mark.parametrize("text, line", [
    ("price:\n  amount 5000\n  currency: GBP\n", 2),
    ("price:\n  amount:5000\n  currency: GBP\n", 2),
    ("number: 3\ntitle Cohort 3\nruns: x\n", 2),
    ("number 3\n# a comment\ntitle: Cohort 3\n", 1),
    ("includes:\n  - counts webinar\n    text: webinars\n", 2),
])
def test_missing_colon_after_a_key_names_the_key_line(text, line):
    found = problem(text)
    assert found.line == line
    assert "is the ': ' (a colon and a space) after the key missing?" in found.message


def test_over_indented_key_names_its_own_line():
    found = problem("price:\n  amount: 5000\n    currency: GBP\n")
    assert found.line == 3 and "check its indentation" in found.message


def test_colon_inside_a_value_asks_for_quotes():
    found = problem("title: Growth: what it is for\n")
    assert found.line == 1 and "must be put in quotes" in found.message


def test_repeated_key_is_reported_once_with_the_first_line():
    found = problem("price:\n  amount: 5000\n  amount: 5200\n")
    assert (found.line, found.column, found.field) == (3, 3, "price.amount")
    assert "first on line 2" in found.message


def test_list_item_without_its_dash_is_one_message_saying_so():
    text = ("sessions:\n  - kind: webinar\n    title: A\n    date: 2027-10-01\n"
            "    kind: visit\n    title: B\n    date: 2027-10-02\n")
    found = problem(text)
    assert (found.line, found.field) == (5, "sessions[0].kind")
    assert "'- ' is probably missing" in found.message


def test_impossible_date_and_offset_are_named_at_the_value():
    date = problem("day: 2025-02-30\n")
    assert (date.line, date.column) == (1, 6) and "day is out of range for month" in date.message
    offset = problem("deadline: 2027-06-25T17:00:00+25:00\n")
    assert "expected a real date and time" in offset.message
    assert "less than 24 hours" in offset.message and "timedelta" not in offset.message


def test_a_byte_that_is_not_utf8_is_named_by_line_and_column(tmp_path):
    path = tmp_path / "programme.yml"
    path.write_bytes("name: LeadingTrusts\ntagline: Caf".encode() + b"\xe9 talk\n")
    with pytest.raises(ContentError) as raised:
        read_yaml(path)
    (found,) = raised.value.problems
    assert (found.line, found.column) == (2, 13)
    assert "0xe9" in found.message and "'é'" in found.message


def test_column_of_a_bad_byte_counts_characters_not_bytes(tmp_path):
    path = tmp_path / "page.md"
    path.write_bytes("Cohort 3 (2027–28) ".encode() + b"\xff\n")
    with pytest.raises(ContentError) as raised:
        read_text(path)
    assert raised.value.problems[0].column == len("Cohort 3 (2027–28) ") + 1


def test_utf8_with_a_byte_order_mark_reads_as_text(tmp_path):
    path = tmp_path / "page.md"
    path.write_bytes(b"\xef\xbb\xbftitle: A\n")
    assert read_yaml(path).data == {"title": "A"}


def test_missing_file_is_one_message(tmp_path):
    with pytest.raises(ContentError) as raised:
        read_yaml(tmp_path / "absent.yml")
    assert raised.value.problems[0].message == "file not found"
