"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives,
for tests that send invitations and reset links and follow them."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from leadingtrusts.gateway.mail import SmtpSettings
from servers import free_port

SENDER = "LeadingTrusts <programme@leadingtrusts.test>"


class _Inbox:
    """aiosmtpd handler: parse and keep every message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.arrived.notify_all()
        return "250 OK"


class LocalSmtpServer:
    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=self.port, tls="none", sender=SENDER)

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.inbox.messages)

    @property
    def recipients(self) -> list[str]:
        """The address each message so far was sent to, in order."""
        return [m["To"].addresses[0].addr_spec for m in self.messages]

    def start(self) -> LocalSmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, to: str, count: int = 1, timeout: float = 15) -> EmailMessage:
        """The `count`-th message to `to`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self.inbox.arrived:
            while True:
                found = [m for m in self.inbox.messages if to in str(m["To"])]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                assert left > 0, f"message {count} to {to} did not arrive; got {self.recipients}"
                self.inbox.arrived.wait(left)


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "the message needs a text and an HTML part"
    return text.get_content(), html.get_content()


def link_in(message: EmailMessage) -> str:
    """The set-password link in the plain-text part (the HTML part must carry the same one)."""
    text, html = parts(message)
    links = re.findall(r"https?://\S+/set-password\?token=[\w\-]+", text)
    assert len(links) == 1, text
    assert f'href="{links[0]}"' in html
    return links[0]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: an SMTP server that is down."""
    return free_port()


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[LocalSmtpServer]:
    """Import this into a test module to use the `smtp_server` fixture."""
    server = LocalSmtpServer().start()
    yield server
    server.stop()
