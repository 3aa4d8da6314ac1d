"""Outgoing email: SMTP settings from the environment, messages rendered from
templates/email/, and one send() call.

Each kind of message is a pair of templates, `<kind>.txt` (plain text) and
`<kind>.html` (HTML, autoescaped, so a member's name typed into a spreadsheet
can never become markup), sent together as multipart/alternative.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

SMTP_TLS_MODES = ("starttls", "ssl", "none")
# Long enough for a slow relay, short enough that a dead one is reported
# while the person running the command is still watching.
SMTP_TIMEOUT_SECONDS = 20
EMAIL_TEMPLATES_DIR = Path(__file__).parent / "templates" / "email"
# Members read times in the UK's own clock, summer time included.
LONDON = ZoneInfo("Europe/London")
DEFAULT_SENDER = "LeadingTrusts <programme@leadingtrusts.example>"

# Subject lines say what the message is for and from whom, so it is not
# mistaken for spam or ignored in a busy inbox.
SUBJECTS = {
    "invitation": "Your invitation to the LeadingTrusts members' area",
    "password_reset": "Reset your LeadingTrusts members' password",
}


class MailNotSent(Exception):
    """A message could not be handed to the SMTP server; str() is a one-line reason."""


class MailConfigError(Exception):
    """The SMTP settings are unusable; str() is a one-line reason."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    tls: str = "starttls"
    username: str = ""
    # Kept out of repr() so settings printed in a log never show it.
    password: str = field(default="", repr=False)
    sender: str = DEFAULT_SENDER

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """Read LT_SMTP_* and LT_MAIL_FROM; raise MailConfigError on a bad value."""
        env = os.environ if environ is None else environ
        tls = env.get("LT_SMTP_TLS", "").strip().lower() or "starttls"
        if tls not in SMTP_TLS_MODES:
            raise MailConfigError(
                f"LT_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {tls!r}"
            )
        default_port = {"starttls": 587, "ssl": 465, "none": 25}[tls]
        port_text = env.get("LT_SMTP_PORT", "").strip()
        try:
            port = int(port_text) if port_text else default_port
        except ValueError:
            raise MailConfigError(f"LT_SMTP_PORT must be a number, not {port_text!r}") from None
        return cls(
            host=env.get("LT_SMTP_HOST", "").strip() or "localhost",
            port=port,
            tls=tls,
            username=env.get("LT_SMTP_USERNAME", "").strip(),
            password=env.get("LT_SMTP_PASSWORD", ""),
            sender=_sender(env.get("LT_MAIL_FROM", "").strip() or DEFAULT_SENDER),
        )


def _sender(value: str) -> str:
    # Checked at start-up, not at the first send, so a typo is found at once.
    if "@" not in value or any(ch in value for ch in "\r\n"):
        raise MailConfigError(f"LT_MAIL_FROM must be an email address, not {value!r}")
    return value


class MailTemplates:
    """Renders the messages in templates/email/ into EmailMessages."""

    def __init__(self, directory: Path = EMAIL_TEMPLATES_DIR) -> None:
        # Autoescape for .html only: the plain-text part must show a name such
        # as "O'Brien & Co" as typed, not as "O&#39;Brien &amp; Co".
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        self._env.filters["uk_time"] = uk_time
        self._env.filters["uk_date"] = uk_date

    def compose(self, kind: str, *, to: str, name: str = "", sender: str = DEFAULT_SENDER,
                **context: Any) -> EmailMessage:
        """The message `kind` (a key of SUBJECTS) for `to`, both parts rendered with `context`."""
        context = {"name": name, "email": to, **context}
        message = EmailMessage()
        message["Subject"] = SUBJECTS[kind]
        message["From"] = sender
        message["To"] = Address(display_name=_one_line(name), addr_spec=to) if name else to
        message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(" >") or None)
        # Automated: no out-of-office replies to a no-reply address.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self._env.get_template(f"{kind}.txt").render(context))
        message.add_alternative(self._env.get_template(f"{kind}.html").render(context), subtype="html")
        return message


def uk_time(moment: dt.datetime) -> str:
    """'17:05 on Tuesday 3 March 2026 (UK time)'."""
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y} (UK time)"


def uk_date(day: dt.date) -> str:
    """'Tuesday 3 March 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def cohort_label(cohort: str) -> str:
    """'cohort-3' -> 'Cohort 3'; any other id as it is."""
    match = re.fullmatch(r"cohort-(\d+)", cohort)
    return f"Cohort {match.group(1)}" if match else cohort


def _one_line(text: str) -> str:
    return " ".join(text.split())


def send(message: EmailMessage, settings: SmtpSettings | None = None) -> None:
    """Hand one message to the SMTP server, or raise MailNotSent saying why."""
    settings = settings or SmtpSettings.from_env()
    if "From" not in message:
        message["From"] = settings.sender
    try:
        with _connect(settings) as smtp:
            if settings.username:
                smtp.login(settings.username, settings.password)
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailNotSent(f"{settings.host}:{settings.port}: {_describe(error)}") from error
    if refused:
        raise MailNotSent(f"refused recipients: {', '.join(sorted(refused))}")


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.tls == "ssl":
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=SMTP_TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
    if settings.tls == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Mailer:
    """Composes a message from the templates and sends it with one set of SMTP settings."""

    def __init__(self, settings: SmtpSettings, templates: MailTemplates | None = None) -> None:
        self.settings = settings
        self.templates = templates or MailTemplates()

    def send(self, kind: str, *, to: str, name: str = "", **context: Any) -> None:
        """Send message `kind` to `to`, or raise MailNotSent."""
        message = self.templates.compose(kind, to=to, name=name, sender=self.settings.sender, **context)
        send(message, self.settings)
