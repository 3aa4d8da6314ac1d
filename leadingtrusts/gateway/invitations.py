"""Inviting members: one address, or a CSV file kept in a spreadsheet.

The CSV needs a header row naming its columns, in any order:

    name,email,cohort,access ends
    Ada Lovelace,ada@example.org,cohort-3,2028-08-01

"access ends" (optional) is the first day without access, written 2028-08-01
or, as a UK spreadsheet saves it, 01/08/2028 (dates.py); left empty, a member
already invited keeps the end date they have. Every mistake in the file is
reported with its line number, and nothing is imported unless every row is
right (or the caller asks for the good rows alone).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

from .accounts import AccountError, validate_email
from .dates import EndDateError, parse_end_date
from .deployment import REPOSITORY
from .mail import Mailer, MailNotSent, cohort_label
from .storage import Member, NewMember

# The column names the header may use, after lower-casing and treating
# spaces, hyphens and underscores alike.
COLUMNS = {
    "name": "name",
    "full name": "name",
    "email": "email",
    "email address": "email",
    "e mail": "email",
    "e mail address": "email",
    "cohort": "cohort",
    "access ends": "access_ends",
    "access end date": "access_ends",
    "end date": "access_ends",
    "until": "access_ends",
}
REQUIRED_COLUMNS = ("name", "email", "cohort")
MAX_NAME_LENGTH = 200
COHORTS_DIR = REPOSITORY / "content" / "cohorts"


class InvitationError(ValueError):
    """A value that cannot be used for an invitation; str() is a one-line reason."""


class CsvFileError(InvitationError):
    """The file as a whole cannot be read as CSV, from line `line` on."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Invitee:
    member: NewMember
    # Where it came from in the CSV; None for one address typed at the command line.
    line: int | None = None


@dataclass(frozen=True)
class CsvInvitations:
    invitees: list[Invitee]
    problems: list[CsvProblem]


# What happened to one invitation: a member who has chosen a password already
# needs no link, and is told nothing (re-running a spreadsheet is routine).
Status = Literal["sent", "not sent", "not needed"]


@dataclass(frozen=True)
class Outcome:
    """What happened to one invitation."""

    email: str
    status: Status
    detail: str
    line: int | None = None

    @property
    def sent(self) -> bool:
        return self.status == "sent"

    @property
    def failed(self) -> bool:
        """An invitation that should have gone and did not."""
        return self.status == "not sent"

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.email}: {self.detail}"


# -- reading and checking ------------------------------------------------------


def invitee(email: str, *, name: str, cohort: str, access_ends: str | None = None,
            cohorts: Collection[str] | None = None, today: dt.date | None = None,
            line: int | None = None) -> Invitee:
    """One checked invitee; InvitationError names the first thing wrong."""
    member = NewMember(
        email=check_email(email),
        name=check_name(name),
        cohort=check_cohort(cohort, cohorts),
        access_ends=check_access_end(access_ends, today) if access_ends else None,
    )
    return Invitee(member, line)


def check_email(text: str) -> str:
    try:
        email = validate_email(text)
    except AccountError as error:
        raise InvitationError(str(error)) from None
    domain = email.rpartition("@")[2]
    # validate_email is loose on purpose; an invitation to "ada@example" or
    # "ada@example..org" would simply never arrive.
    if "." not in domain.strip(".") or ".." in domain or domain.startswith(".") or domain.endswith("."):
        raise InvitationError(f"{email!r} is not an email address (the part after @ is not a domain)")
    return email


def check_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise InvitationError("the name is empty")
    if not name.isprintable():
        raise InvitationError("the name contains control characters")
    if len(name) > MAX_NAME_LENGTH:
        raise InvitationError(f"the name is longer than {MAX_NAME_LENGTH} characters")
    return name


def check_cohort(text: str, known: Collection[str] | None = None) -> str:
    """The cohort's id ('cohort-3'), also accepting '3' and 'Cohort 3'."""
    cohort = " ".join(text.split()).lower()
    if not cohort:
        raise InvitationError("the cohort is empty")
    known = known_cohorts() if known is None else known
    if not known:  # no content/ to check against: take it as written
        return cohort
    candidates = (cohort, f"cohort-{cohort}", cohort.replace(" ", "-"))
    for candidate in candidates:
        if candidate in known:
            return candidate
    raise InvitationError(
        f"there is no cohort {text.strip()!r}; the cohorts are {', '.join(sorted(known))}"
    )


def known_cohorts(directory: Path = COHORTS_DIR) -> frozenset[str]:
    """The ids of the cohorts in content/cohorts/, or nothing without content/."""
    if not directory.is_dir():
        return frozenset()
    return frozenset(p.name for p in directory.iterdir() if (p / "cohort.yml").is_file())


def check_access_end(text: str, today: dt.date | None = None) -> dt.date:
    try:
        ends = parse_end_date(text)
    except EndDateError as error:
        raise InvitationError(str(error)) from None
    if ends <= (today or dt.date.today()):
        raise InvitationError(
            f"the access end date {ends.isoformat()} is not in the future (it is the first "
            "day without access), so the invitation would be of no use"
        )
    return ends


def read_csv(path: Path, *, cohorts: Collection[str] | None = None,
             today: dt.date | None = None) -> CsvInvitations:
    """Every good row of the file, and every problem with its line number."""
    try:
        return parse_csv(decode_csv(Path(path).read_bytes()), cohorts=cohorts, today=today)
    except CsvFileError as error:
        return CsvInvitations([], [CsvProblem(error.line, str(error))])


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without Excel's byte-order mark), else Windows-1252,
    which Excel's plain "CSV (Comma delimited)" format uses."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise CsvFileError(data[:utf8_error.start].count(b"\n") + 1,
                               "this is not text a spreadsheet saves; save the file as "
                               "\"CSV UTF-8\"") from None


def parse_csv(text: str, *, cohorts: Collection[str] | None = None,
              today: dt.date | None = None) -> CsvInvitations:
    try:
        rows = list(_rows(text.removeprefix("\ufeff")))
    except CsvFileError as error:
        return CsvInvitations([], [CsvProblem(error.line, str(error))])
    if not rows:
        return CsvInvitations([], [CsvProblem(1, "the file is empty; it needs a header row "
                                                 "(name, email, cohort, access ends)")])
    header_line, header = rows[0]
    columns, problems = _columns(header_line, header)
    if problems:
        return CsvInvitations([], problems)
    cohorts = known_cohorts() if cohorts is None else cohorts
    invitees: list[Invitee] = []
    first_line: dict[str, int] = {}
    for line, cells in rows[1:]:
        extra = [c for c in cells[len(columns):] if c.strip()]
        if extra:
            problems.append(CsvProblem(line, f"{len(columns) + len(extra)} values but the header "
                                             f"names {len(columns)} columns"))
            continue
        values = dict(zip(columns, [*cells, *[""] * len(columns)], strict=False))
        try:
            found = invitee(values["email"], name=values["name"], cohort=values["cohort"],
                            access_ends=values.get("access_ends", "").strip() or None,
                            cohorts=cohorts, today=today, line=line)
        except InvitationError as error:
            problems.append(CsvProblem(line, str(error)))
            continue
        email = found.member.email
        if email in first_line:
            problems.append(CsvProblem(line, f"{email} is already on line {first_line[email]}"))
            continue
        first_line[email] = line
        invitees.append(found)
    return CsvInvitations(invitees, problems)


def _rows(text: str) -> Iterable[tuple[int, list[str]]]:
    """(line where the row starts, cells) for each row with anything in it."""
    first = text.split("\n", 1)[0]
    delimiter = next((d for d in (";", "\t") if d in first and "," not in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise CsvFileError(start, f"not readable as CSV ({error})") from None


def _columns(line: int, header: Sequence[str]) -> tuple[list[str], list[CsvProblem]]:
    if any("@" in cell for cell in header):
        return [], [CsvProblem(line, "the first row must name the columns (name, email, cohort, "
                                     "access ends); this one looks like a member's details")]
    columns, problems = [], []
    for cell in header:
        key = re.sub(r"[\s_-]+", " ", cell).strip().lower()
        column = COLUMNS.get(key)
        if column is None:
            problems.append(CsvProblem(line, f"unknown column {cell.strip()!r}; the columns are "
                                             "name, email, cohort and (optionally) access ends"))
        elif column in columns:
            problems.append(CsvProblem(line, f"the column {cell.strip()!r} appears twice"))
        columns.append(column or "")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(CsvProblem(line, f"no {' or '.join(missing)} column in the header row"))
    return columns, problems


# -- sending -----------------------------------------------------------------


def set_password_link(members_url: str, token: str) -> str:
    """The absolute address an emailed link points at."""
    return f"{members_url.rstrip('/')}/set-password?{urlencode({'token': token})}"


def send_invitations(
    storage,
    mailer: Mailer,
    invitees: Sequence[Invitee],
    *,
    members_url: str,
    contact_email: str,
    ttl: dt.timedelta,
    record: Callable[..., None] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[Outcome]:
    """Add (or update) every invitee in one transaction, then email each a link.

    A member who has already chosen a password gets no new link: re-running
    the same spreadsheet must not send everyone another email. A changed end
    date is said in the outcome and recorded as `access_end_date_changed`.
    """
    before = storage.add_invited_members([i.member for i in invitees])
    outcomes = []
    for entry in invitees:
        previous = before.get(entry.member.email)
        change = _end_date_change(previous, entry.member)
        if change and record:
            record("access_end_date_changed", account=entry.member.email)
        if previous is not None and previous.password_hash is not None:
            outcome = Outcome(entry.member.email, "not needed", "details updated, no invitation "
                              "needed (they have chosen a password)", entry.line)
        else:
            outcome = _invite_one(storage, mailer, _as_stored(entry, previous), members_url=members_url,
                                  contact_email=contact_email, ttl=ttl, record=record, now=now)
        outcomes.append(_with_note(outcome, change))
    return outcomes


def _end_date_change(previous: Member | None, member: NewMember) -> str | None:
    """'access end date changed from ... to ...', if the row changed it.

    A row without a date leaves the stored one as it is (storage keeps it)."""
    if previous is None or member.access_ends is None or member.access_ends == previous.access_ends:
        return None
    if previous.access_ends is None:
        return f"access end date set to {member.access_ends.isoformat()} (there was none)"
    return (f"access end date changed from {previous.access_ends.isoformat()} "
            f"to {member.access_ends.isoformat()}")


def _as_stored(entry: Invitee, previous: Member | None) -> Invitee:
    """The invitee with the end date the database now holds, for the email."""
    if entry.member.access_ends is not None or previous is None or previous.access_ends is None:
        return entry
    return replace(entry, member=replace(entry.member, access_ends=previous.access_ends))


def _with_note(outcome: Outcome, note: str | None) -> Outcome:
    return replace(outcome, detail=f"{outcome.detail}; {note}") if note else outcome


def _invite_one(storage, mailer: Mailer, entry: Invitee, *, members_url: str, contact_email: str,
                ttl: dt.timedelta, record: Callable[..., None] | None,
                now: Callable[[], dt.datetime]) -> Outcome:
    member = entry.member
    token = storage.create_token(member.email, "invite", ttl)
    try:
        mailer.send(
            "invitation", to=member.email, name=member.name,
            cohort=cohort_label(member.cohort), access_ends=member.access_ends,
            link=set_password_link(members_url, token), expires=now() + ttl,
            login_url=f"{members_url.rstrip('/')}/login", contact_email=contact_email,
        )
    except MailNotSent as error:
        if record:
            record("invitation_not_sent", account=member.email)
        return Outcome(member.email, "not sent", f"not sent ({error})", entry.line)
    if record:
        record("invitation_sent", account=member.email)
    return Outcome(member.email, "sent", "invitation sent", entry.line)


def summarise(outcomes: Sequence[Outcome]) -> Mapping[Status, int]:
    """How many outcomes had each status."""
    statuses: tuple[Status, ...] = ("sent", "not sent", "not needed")
    return {status: sum(1 for o in outcomes if o.status == status) for status in statuses}
