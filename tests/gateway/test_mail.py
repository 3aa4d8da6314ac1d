"""Email through a real SMTP server on 127.0.0.1: what the member receives,
and what happens when the server is down or refuses."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from leadingtrusts.gateway.mail import MailConfigError, Mailer, MailNotSent, SmtpSettings

from .smtp_server import LocalSmtpServer, closed_port, free_port, parts, smtp_server_fixture  # noqa: F401

EXPIRES = dt.datetime(2026, 7, 1, 16, 5, tzinfo=dt.UTC)  # 17:05 in London (summer time)
LINK = "https://members.example/set-password?token=abc-DEF_123"


def invitation(mailer: Mailer, **overrides) -> None:
    context = dict(
        to="ada@example.org", name="Ada O'Brien <b>& Co</b>", cohort="Cohort 3",
        access_ends=dt.date(2028, 8, 1), link=LINK, expires=EXPIRES,
        login_url="https://members.example/login", contact_email="team@leadingtrusts.test",
    )
    mailer.send("invitation", **{**context, **overrides})


def test_invitation_arrives_as_text_and_html_with_the_name_escaped_only_in_html(smtp_server):
    invitation(Mailer(smtp_server.settings))
    message = smtp_server.wait_for("ada@example.org")
    assert message["Subject"] == "Your invitation to the LeadingTrusts members' area"
    assert message["From"] == smtp_server.settings.sender
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    text, html = parts(message)

    assert "Dear Ada O'Brien <b>& Co</b>," in text
    assert "<b>" not in html and "Ada O&#39;Brien &lt;b&gt;&amp; Co&lt;/b&gt;" in html
    for part in (text, html):
        assert LINK in part
        assert "17:05 on Wednesday 1 July 2026 (UK time)" in part
        assert "Cohort 3" in part and "membership ends on Tuesday 1 August 2028" in part
        assert "ada@example.org" in part


def test_reset_email_says_to_ignore_it_if_not_asked_for_and_when_it_expires(smtp_server):
    Mailer(smtp_server.settings).send(
        "password_reset", to="ada@example.org", name="Ada", link=LINK, expires=EXPIRES,
        login_url="https://members.example/login", contact_email="team@leadingtrusts.test",
    )
    message = smtp_server.wait_for("ada@example.org")
    assert message["Subject"] == "Reset your LeadingTrusts members' password"
    text, html = parts(message)
    for part in (text, html):
        assert "Did you not ask for this?" in part and "ignore this email" in part
        assert "your password has not changed" in part
        assert "until" in part and "17:05 on Wednesday 1 July 2026 (UK time)" in part
        assert LINK in part


def test_smtp_server_down_raises_mail_not_sent_with_a_one_line_reason():
    settings = SmtpSettings(host="127.0.0.1", port=closed_port(), tls="none")
    with pytest.raises(MailNotSent) as raised:
        invitation(Mailer(settings))
    reason = str(raised.value)
    assert f"127.0.0.1:{settings.port}" in reason and "\n" not in reason


def test_starttls_asked_for_but_not_offered_is_not_sent_in_clear(smtp_server):
    with pytest.raises(MailNotSent, match="STARTTLS"):
        invitation(Mailer(replace(smtp_server.settings, tls="starttls")))
    assert smtp_server.messages == []


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"mailer" and auth_data.password == b"right secret"
    return AuthResult(success=ok, handled=False)


def test_credentials_from_the_environment_are_used_and_a_wrong_one_is_reported():
    inbox = LocalSmtpServer().inbox
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=_authenticator, auth_require_tls=False)
    controller.start()
    try:
        env = {"LT_SMTP_HOST": "127.0.0.1", "LT_SMTP_PORT": str(port), "LT_SMTP_TLS": "none",
               "LT_SMTP_USERNAME": "mailer", "LT_SMTP_PASSWORD": "right secret",
               "LT_MAIL_FROM": "team@leadingtrusts.test"}
        invitation(Mailer(SmtpSettings.from_env(env)))
        assert len(inbox.messages) == 1 and inbox.messages[0]["From"] == "team@leadingtrusts.test"

        with pytest.raises(MailNotSent, match="Authentication"):
            invitation(Mailer(SmtpSettings.from_env({**env, "LT_SMTP_PASSWORD": "wrong"})))
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_smtp_settings_from_the_environment():
    assert SmtpSettings.from_env({}).port == 587
    assert SmtpSettings.from_env({"LT_SMTP_TLS": "ssl"}).port == 465
    settings = SmtpSettings.from_env({"LT_SMTP_PASSWORD": "hunter2-secret"})
    assert "hunter2-secret" not in repr(settings)
    with pytest.raises(MailConfigError, match="LT_SMTP_TLS"):
        SmtpSettings.from_env({"LT_SMTP_TLS": "yes"})
    with pytest.raises(MailConfigError, match="LT_SMTP_PORT"):
        SmtpSettings.from_env({"LT_SMTP_PORT": "smtp"})
    with pytest.raises(MailConfigError, match="LT_MAIL_FROM"):
        SmtpSettings.from_env({"LT_MAIL_FROM": "the team"})
