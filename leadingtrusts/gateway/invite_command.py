"""`members invite`: email one person, or every row of a CSV file, a link to
choose their own password (the programme team never sees or types one).

    members invite ada@example.org --name "Ada Lovelace" --cohort cohort-3 [--until 2028-08-01]
    members invite --csv cohort-3.csv [--partial]

Exit code 0 unless an invitation that should have gone was not sent (a
message the SMTP server did not take is "not sent", never sent) or a row was
wrong. A member who has chosen a password already needs no invitation: their
details are updated and said so, which is no failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .accounts import AccountError
from .command_options import CommandError, audit_log, open_command_storage
from .deployment import DeploymentError, is_stand_in, load_deployment
from .invitations import InvitationError, Invitee, invitee, read_csv, send_invitations, summarise
from .mail import Mailer
from .settings import GatewayConfigError, mail_settings_from_env
from .storage import StorageError

# Exit codes: 1 when some invitations were not sent, 2 (as for every
# `members` error) when the command did nothing.
SOME_NOT_DONE = 1
NOTHING_DONE = 2


class InviteUsageError(Exception):
    """The arguments do not make one clear request; str() says what is missing."""


def register(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add `invite` to the `members` subcommands; `parents` gives it the
    options every subcommand takes (--database, --members-file)."""
    invite = commands.add_parser(
        "invite", parents=parents,
        help="email people a link to choose their own password",
        description="Add members (or update their details) and email each a single-use link "
                    "to choose their password. Settings: LT_SMTP_* and LT_MAIL_FROM for email, "
                    "LT_MEMBERS_URL for the links, LT_INVITATION_HOURS for how long they work.",
    )
    invite.add_argument("email", nargs="?", help="one person's email address (or use --csv)")
    invite.add_argument("--name", help="their name, as the email greets them")
    invite.add_argument("--cohort", help="their cohort, e.g. cohort-3")
    invite.add_argument("--until", metavar="DATE",
                        help="the first day without access, 2028-08-01 or 01/08/2028 (day first); "
                             "default: none, or for someone already a member, the date they have")
    invite.add_argument("--csv", type=Path, metavar="FILE",
                        help="a CSV with a header row: name, email, cohort, access ends (optional)")
    invite.add_argument("--partial", action="store_true",
                        help="with --csv: invite the good rows even if others have mistakes")


def run(args: argparse.Namespace) -> int:
    """The `invite` command; returns its exit code."""
    try:
        return _invite(args)
    except (InviteUsageError, InvitationError, DeploymentError, GatewayConfigError, StorageError,
            CommandError, AccountError) as error:
        print(f"error: {error}", file=sys.stderr)
        return NOTHING_DONE
    except OSError as error:
        print(f"error: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return NOTHING_DONE


def _invite(args: argparse.Namespace) -> int:
    env = os.environ
    # Settings are checked before anything is written, so a typo in them
    # never leaves members imported but not invited.
    mail = mail_settings_from_env(env, production=True)
    deployment = load_deployment(env)
    invitees, problems = _invitees(args)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems and not args.partial:
        print(f"error: nothing was imported; correct the {_rows(len(problems))} above and run the "
              "command again (or add --partial to invite the others now)", file=sys.stderr)
        return NOTHING_DONE
    if not invitees:
        print("error: no one to invite", file=sys.stderr)
        return NOTHING_DONE
    if is_stand_in(deployment, "members_url"):
        print(f"warning: LT_MEMBERS_URL is not set, so the links point at {mail['members_url']}",
              file=sys.stderr)

    audit = audit_log(args)
    storage = open_command_storage(args)
    try:
        outcomes = send_invitations(
            storage, Mailer(mail["smtp"]), invitees, members_url=mail["members_url"],
            contact_email=mail["contact_email"], ttl=mail["invitation_ttl"], record=audit.record,
        )
    finally:
        storage.close()
    for outcome in outcomes:
        if outcome.failed:
            print(f"error: {outcome}", file=sys.stderr)
        else:
            print(outcome)
    counts = summarise(outcomes)
    failed = counts["not sent"] > 0 or bool(problems)
    summary = [f"{counts['sent']} sent", f"{counts['not sent']} not sent"]
    if counts["not needed"]:
        summary.append(f"{counts['not needed']} already had a password (details updated, "
                       "no invitation needed)")
    if problems:
        summary.append(f"{_rows(len(problems))} with mistakes skipped")
    print(", ".join(summary), file=sys.stderr if failed else sys.stdout)
    return SOME_NOT_DONE if failed else 0


def _invitees(args: argparse.Namespace) -> tuple[list[Invitee], list[str]]:
    if args.csv and (args.email or args.name or args.cohort or args.until):
        raise InviteUsageError("give either an email address with --name and --cohort, or --csv FILE")
    if args.csv:
        result = read_csv(args.csv)
        return result.invitees, [str(p) for p in result.problems]
    if args.partial:
        raise InviteUsageError("--partial goes with --csv")
    if not args.email or not args.name or not args.cohort:
        raise InviteUsageError("invite needs an email address with --name and --cohort, or --csv FILE")
    return [invitee(args.email, name=args.name, cohort=args.cohort, access_ends=args.until)], []


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"

