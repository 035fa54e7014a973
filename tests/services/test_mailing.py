"""Send to customer: the PDF e-mailed through a real SMTP server (aiosmtpd, in this
process), every attempt recorded, failures harmless and retryable."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceSend
from app.services.lifecycle import InvoiceActionRefused, mark_paid
from app.services.mailing import MailFailed, send_invoice
from tests.factories import flat, pdf_text
from tests.mail_server import free_port, start_server
from tests.worlds import EXTERNAL, document_invoice


def sends(invoice: Invoice) -> list[tuple[str, str]]:
    return [(s.recipient, s.result) for s in db.session.scalars(
        select(InvoiceSend).where(InvoiceSend.invoice_id == invoice.id).order_by(InvoiceSend.id))]


def test_sending_mails_the_pdf_to_the_bill_to_address_and_records_it(app, inbox):
    invoice = document_invoice("da", email="faktura@kunde.example")
    at = dt.datetime(2026, 4, 2, 9, 30)
    send = send_invoice(invoice.code, now=at)
    assert (send.recipient, send.result, send.error, send.sent_at) == (
        "faktura@kunde.example", "sent", None, at)
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["faktura@kunde.example"]
    assert envelope.mail_from == "invoices@seller.example"
    [message] = inbox.messages
    assert "2026-0001" in message["Subject"] and "Nordlys Consulting ApS" in message["From"]
    assert flat("16.906,25\xa0kr.") in flat(message.get_body(("plain",)).get_content())
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "invoice-2026-0001.pdf"
    text = " ".join(pdf_text(attachment.get_content()))
    assert "2026-0001" in text
    assert all(description in text for description in EXTERNAL)
    assert flat("16.906,25\xa0kr.") in text  # Danish money, with its no-break space


def test_malay_customer_gets_malay_money_formats(app, inbox):
    from decimal import Decimal

    send_invoice(document_invoice("ms", "MYR", Decimal("8")).code)
    [message] = inbox.messages
    text = " ".join(pdf_text(next(message.iter_attachments()).get_content()))
    assert "RM14,607.00" in text and "1 Apr 2026" in text


def test_a_mail_failure_is_recorded_changes_nothing_and_can_be_retried(app):
    invoice = document_invoice()
    before = (invoice.status, invoice.project_invoice_status, invoice.version)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    with pytest.raises(MailFailed, match="could not be sent to ap@customer.example"):
        send_invoice(invoice.code)
    failed = db.session.scalars(select(InvoiceSend)).one()
    assert failed.result == "failed" and "ConnectionRefusedError" in failed.error
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.status, invoice.project_invoice_status, invoice.version) == before

    controller, inbox = start_server(app)
    try:
        send_invoice(invoice.code)
    finally:
        controller.stop()
    assert len(inbox.envelopes) == 1
    assert sends(invoice) == [("ap@customer.example", "failed"), ("ap@customer.example", "sent")]


def test_sending_again_is_allowed_and_recorded(app, inbox):
    invoice = document_invoice()
    send_invoice(invoice.code)
    invoice.bill_to_email = "accounts@customer.example"  # as the editor could not: data fix
    db.session.commit()
    send_invoice(invoice.number)  # the legal number finds it too
    assert [e.rcpt_tos for e in inbox.envelopes] == [["ap@customer.example"],
                                                     ["accounts@customer.example"]]
    assert sends(invoice) == [("ap@customer.example", "sent"), ("accounts@customer.example", "sent")]


def test_a_paid_invoice_can_be_sent_and_says_so(app, inbox):
    invoice = mark_paid(document_invoice().code, dt.date(2026, 4, 20))
    send_invoice(invoice.code)
    [message] = inbox.messages
    assert "Apr 20, 2026" in message.get_body(("plain",)).get_content()
    assert db.session.get(Invoice, invoice.id).status == "paid"


def test_a_draft_cannot_be_sent(app, inbox):
    invoice = document_invoice(confirm=False)
    with pytest.raises(InvoiceActionRefused, match="Only confirmed or paid invoices"):
        send_invoice(invoice.code)
    assert inbox.envelopes == [] and sends(invoice) == []


def test_smtp_login_is_used_when_configured(app):
    controller, inbox = start_server(app, auth=True)
    try:
        invoice = document_invoice()
        app.config.update(SMTP_USERNAME="mailer", SMTP_PASSWORD="wrong")
        with pytest.raises(MailFailed):
            send_invoice(invoice.code)
        app.config.update(SMTP_PASSWORD="secret")
        send_invoice(invoice.code)
    finally:
        controller.stop()
    # smtplib tries each mechanism the server offers before giving up on a password.
    assert set(inbox.logins[:-1]) == {(b"mailer", b"wrong")}
    assert inbox.logins[-1] == (b"mailer", b"secret")
    assert len(inbox.envelopes) == 1
    assert sends(invoice) == [("ap@customer.example", "failed"), ("ap@customer.example", "sent")]


def test_an_invoice_without_an_e_mail_address_is_refused_before_anything_is_sent(app, inbox):
    from app.services.mailing import NoRecipient

    invoice = document_invoice()
    invoice.bill_to_email = " "
    db.session.commit()
    with pytest.raises(NoRecipient, match="no bill-to e-mail address"):
        send_invoice(invoice.code)
    assert inbox.envelopes == [] and sends(invoice) == []


def test_a_credit_note_goes_out_like_an_invoice_and_says_what_it_is(app, inbox):
    from app.services.corrections import correct_invoice
    from app.services.lifecycle import confirm_invoice

    original = document_invoice(email="faktura@kunde.example")
    credit_note = confirm_invoice(correct_invoice(original.code).code)
    send = send_invoice(credit_note.code)
    assert (send.recipient, send.result) == ("faktura@kunde.example", "sent")
    [message] = inbox.messages
    assert message["Subject"].startswith(f"Credit note {credit_note.number}")
    text = " ".join(pdf_text(next(message.iter_attachments()).get_content()))
    assert "Credit note" in text and original.number in text
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    with pytest.raises(MailFailed, match="The credit note could not be sent to faktura@"):
        send_invoice(credit_note.code)
