"""Send to customer (SPEC 8): e-mail the invoice PDF to the bill-to address through the
configured SMTP server and record every attempt.

A failure changes no status: it is recorded as a failed send and raised as MailFailed,
and sending again is always allowed (and recorded again). What is sent is composed by the
documents adapter (app/documents/rendering.py), which the factory registers as
app.extensions["invoice_mail"]: this use case renders nothing itself.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _

from app.billing.values import is_email, text_problem
from app.extensions import db
from app.models import Invoice, InvoiceSend
from app.services import ServiceError, audit, use_case
from app.services.issuing import digest
from app.services.lifecycle import check_action, find_invoice

# Composes the e-mail of an invoice to its bill-to address, with the document attached.
InvoiceMail = Callable[[Invoice], EmailMessage]

# Long enough for a slow mail server, short enough that a dead one does not hang a page.
SMTP_TIMEOUT_SECONDS = 30


class MailFailed(ServiceError):
    """The mail server could not be reached or refused the message; nothing else changed."""


class NoRecipient(ServiceError):
    """The invoice has no bill-to e-mail address to send it to."""


class BadRecipient(ServiceError):
    """The bill-to name or address cannot go into a mail header (a line break would start
    a header of its own, e.g. a Bcc); nothing was sent."""


def recipient_address(name: str, email: str) -> Address:
    """The To address of the bill-to name and e-mail, built by the standard library's
    header registry (which encodes the name); BadRecipient for a name or an address with a
    line break or another control character, or an address that is none."""
    name, email = name.strip(), email.strip()
    if text_problem(name, multiline=False):
        raise BadRecipient(_("The bill-to name holds a line break or a control character, "
                             "which no e-mail may carry; correct it on the invoice and send "
                             "again."), field="bill_to_name")
    if text_problem(email, multiline=False) or not is_email(email):
        raise BadRecipient(_("The bill-to e-mail address is not a valid address; correct it "
                             "on the invoice and send again."), field="bill_to_email")
    try:
        return Address(display_name=name, addr_spec=email)
    except (ValueError, IndexError) as error:  # what email-validator allows and RFC 5322 not
        raise BadRecipient(_("The bill-to e-mail address is not a valid address; correct it "
                             "on the invoice and send again."), field="bill_to_email") from error


def deliver(message: EmailMessage) -> None:
    """Hand the message to the SMTP server of the configuration (SPEC 9)."""
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"],
                      timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


@use_case
def _record(invoice_id: int, recipient: str, result: str, error: str | None,
            now: dt.datetime, *, pdf_sha256: str | None = None) -> InvoiceSend:
    send = InvoiceSend(invoice_id=invoice_id, recipient=recipient, result=result, error=error,
                       sent_at=now, pdf_sha256=pdf_sha256)
    db.session.add(send)
    audit.record(db.session.get(Invoice, invoice_id).code, "send", field=result,
                 new=recipient, old=error)
    return send


def send_invoice(code: str, *, now: dt.datetime | None = None,
                 transport: Callable[[EmailMessage], None] | None = None) -> InvoiceSend:
    """E-mail a confirmed (or paid) invoice's PDF to its bill-to address; record the send.

    `transport` hands the message over (default: `deliver`, the configured SMTP server).

    Not one transaction around the mail server: the invoice is read and rendered, the
    reading transaction ends, the message goes out, and the result is written in a
    transaction of its own — so a failure is recorded rather than rolled back, and no
    lock is held while a slow server answers.
    """
    invoice: Invoice = find_invoice(code)
    check_action(invoice, "send")
    if not invoice.bill_to_email.strip():
        raise NoRecipient(_("%(invoice)s has no bill-to e-mail address to send it to.",
                            invoice=invoice.number or invoice.code))
    address = recipient_address(invoice.bill_to_name, invoice.bill_to_email)
    compose: InvoiceMail = current_app.extensions["invoice_mail"]
    recipient, invoice_id = invoice.bill_to_email, invoice.id
    credit_note = invoice.is_credit_note
    message = compose(invoice)
    # The one To header, from the checked address: whatever the composer wrote is replaced.
    del message["To"]
    message["To"] = address
    db.session.commit()
    try:
        (transport or deliver)(message)
    except (OSError, smtplib.SMTPException) as error:
        reason = str(error) or type(error).__name__
        _record(invoice_id, recipient, "failed", f"{type(error).__name__}: {reason}",
                now or dt.datetime.now())
        text = (_("The credit note could not be sent to %(recipient)s (%(reason)s). Nothing "
                  "has changed; try again when the mail server is reachable.",
                  recipient=recipient, reason=reason) if credit_note else
                _("The invoice could not be sent to %(recipient)s (%(reason)s). Nothing has "
                  "changed; try again when the mail server is reachable.",
                  recipient=recipient, reason=reason))
        raise MailFailed(text) from error
    return _record(invoice_id, recipient, "sent", None, now or dt.datetime.now(),
                   pdf_sha256=attached_pdf_digest(message))


def record_send(code: str, *, now: dt.datetime | None = None) -> InvoiceSend:
    """Record a send that no mail server of this app carried (the demo company's, when no
    SMTP server is configured): composed and recorded as send_invoice does — the issued PDF
    kept and its SHA-256 on the send, the invoice page listing it as sent — the message
    handed to nobody."""
    return send_invoice(code, now=now, transport=lambda message: None)


def attached_pdf_digest(message: EmailMessage) -> str | None:
    """The SHA-256 of the PDF the message carries: what the customer received."""
    for part in message.iter_attachments():
        if part.get_content_type() == "application/pdf":
            return digest(part.get_content())
    return None
