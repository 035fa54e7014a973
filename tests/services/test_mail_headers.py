"""A bill-to name or address with CR/LF never reaches a mail header: refused at entry, and
refused by Send for one stored before (a line break would start a header of its own — a
Bcc to anyone). The To header is built by the standard library's header registry; a real
SMTP server (aiosmtpd) shows what was sent (issue 13)."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, Invoice, InvoiceSend
from app.services import ServiceError
from app.services.mailing import BadRecipient, recipient_address, send_invoice
from tests.worlds import document_invoice

EVIL_NAME = "Evil\r\nBcc: x@example.com"
HX = {"HX-Request": "true"}


def bill_to(invoice: Invoice, **values) -> Invoice:
    """Bill-to values written straight to the row, as an older version or an import might
    have stored them."""
    for name, value in values.items():
        setattr(invoice, name, value)
    db.session.commit()
    return invoice


def no_bcc_anywhere(inbox) -> bool:
    """No envelope recipient and no header line of the would-be Bcc."""
    for envelope in inbox.envelopes:
        headers = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        if "x@example.com" in envelope.rcpt_tos or re.search(rb"(?im)^bcc:", headers):
            return False
    return True


@pytest.mark.parametrize("name, email, field", [
    (EVIL_NAME, "ap@kunde.example", "bill_to_name"),
    ("Evil\nBcc: x@example.com", "ap@kunde.example", "bill_to_name"),
    ("Evil\rBcc: x@example.com", "ap@kunde.example", "bill_to_name"),
    ("Nul\x00", "ap@kunde.example", "bill_to_name"),
    ("Kunde", "ap@kunde.example\r\nBcc: x@example.com", "bill_to_email"),
    ("Kunde", "ap@kunde.example\nBcc: x@example.com", "bill_to_email"),
    ("Kunde", "not an address", "bill_to_email"),
])
def test_the_recipient_is_refused_with_a_line_break_or_a_control_character(app, name, email,
                                                                            field):
    with pytest.raises(BadRecipient) as refused:
        recipient_address(name, email)
    assert refused.value.status == 422 and refused.value.field == field


def test_the_recipient_is_an_address_of_the_header_registry(app):
    address = recipient_address('  Kunde "Ø" ApS, Aarhus ', " ap@kunde.example ")
    assert (address.display_name, address.addr_spec) == ('Kunde "Ø" ApS, Aarhus', "ap@kunde.example")


@pytest.mark.parametrize("values", [{"bill_to_name": EVIL_NAME},
                                    {"bill_to_email": "ap@kunde.example\r\nBcc: x@example.com"}])
def test_send_refuses_a_stored_line_break_and_sends_nothing(app, inbox, values):
    invoice = bill_to(document_invoice(), **values)
    with pytest.raises(ServiceError) as refused:
        send_invoice(invoice.code)
    assert refused.value.status == 422
    assert inbox.envelopes == []
    assert db.session.scalar(select(func.count()).select_from(InvoiceSend)) == 0


def test_the_send_button_answers_a_clear_refusal_not_a_500(app, client, inbox):
    invoice = bill_to(document_invoice(), bill_to_name=EVIL_NAME)
    response = client.post(f"/invoices/{invoice.code}/send")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The bill-to name holds a line break or a control character" in html
    assert inbox.envelopes == [] and no_bcc_anywhere(inbox)


def test_an_odd_but_valid_name_is_sent_to_exactly_its_address_and_no_one_else(app, inbox):
    invoice = bill_to(document_invoice(), bill_to_name='Kunde "Ø" ApS, Bcc: x@example.com')
    send = send_invoice(invoice.code)
    assert send.result == "sent"
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ap@customer.example"]
    [message] = inbox.messages
    assert message["Bcc"] is None and message["Cc"] is None
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ('Kunde "Ø" ApS, Bcc: x@example.com',
                                               "ap@customer.example")
    assert no_bcc_anywhere(inbox)


# ---------------------------------------------------------------- refused at entry

def test_the_invoice_header_refuses_a_line_break_in_the_bill_to_fields(app, client):
    invoice = document_invoice(confirm=False)
    before = (invoice.bill_to_name, invoice.bill_to_email, invoice.version)
    for field, value in (("bill_to_name", EVIL_NAME),
                         ("bill_to_email", "ap@kunde.example\r\nBcc: x@example.com"),
                         ("bill_to_street", "Vej 1\nBcc: x@example.com")):
        response = client.post(f"/invoices/{invoice.code}/header", headers=HX,
                               data={"version": invoice.version, field: value})
        assert response.status_code == 422
        assert "Write this on one line, without line breaks." in response.get_data(as_text=True)
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.bill_to_name, invoice.bill_to_email, invoice.version) == before


def test_the_customer_form_refuses_a_line_break_in_the_name_and_e_mail(app, client):
    data = {"name": "Kunde", "email": "ap@kunde.example", "street": "Vej 1",
            "postal_code": "8000", "city": "Aarhus", "country": "DK", "language": "en"}
    for field, value in (("name", EVIL_NAME), ("email", "ap@kunde.example\r\nBcc: x@example.com")):
        response = client.post("/setup/customers/new", data={**data, field: value}, headers=HX)
        assert response.status_code == 422
        assert "Write this on one line, without line breaks." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
