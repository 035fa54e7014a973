"""A real SMTP server (aiosmtpd, in this process) for the tests that send invoices."""

import email
import socket
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    """A port nothing listens on (aiosmtpd's Controller(port=0) fails its own check)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        # handled=False: aiosmtpd answers "535 authentication failed" itself.
        return AuthResult(success=auth_data.password == b"secret", handled=False)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=policy.default)
                for e in self.envelopes]


def start_server(app, **options) -> tuple[Controller, Inbox]:
    """Start a server and point the app's mail settings at it; the caller stops it."""
    inbox = Inbox()
    if options.pop("auth", False):
        options.update(authenticator=inbox.authenticate, auth_require_tls=False)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False,
                      SMTP_USERNAME="", SMTP_PASSWORD="", MAIL_FROM="invoices@seller.example",
                      COMPANY_NAME="Nordlys Consulting ApS")
    return controller, inbox
