"""The demo shows what the product does: documents in the customer's language, and an
invoice in each state that matters — a draft to review, one confirmed and sent, one paid —
made through the same use cases as a user's. And `status` (printed by scripts/run) says
which mail server sends and which seller settings are unset."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Invoice, InvoiceSend, User
from app.services.demo import seed_demo
from tests.factories import pdf_text
from tests.mail_server import free_port, start_server


def _invoices() -> dict[str, Invoice]:
    """The demo's invoices by state."""
    return {invoice.state: invoice for invoice in db.session.scalars(select(Invoice))}


def test_the_demo_has_a_draft_a_paid_and_a_sent_invoice_in_the_customers_languages(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output

    languages = dict(db.session.execute(select(Customer.key, Customer.language)).all())
    assert languages == {"havnefronten": "da", "maju": "ms", "sakura": "en"}
    invoices = _invoices()
    assert set(invoices) == {"draft", "confirmed", "paid"}
    draft, sent, paid = invoices["draft"], invoices["confirmed"], invoices["paid"]
    assert draft.code == "PRO-000001" and draft.customer.key == "havnefronten"
    # Confirmed through confirm_invoice: legal numbers in date order, documents frozen.
    assert (paid.number, sent.number) == ("2026-0001", "2026-0002")
    assert paid.issued_document is not None and sent.issued_document is not None
    assert paid.invoice_date <= paid.paid_on <= dt.date.today()

    # No SMTP_HOST: each send is recorded as send_invoice records one, its PDF kept.
    sends = {s.invoice_id: s for s in db.session.scalars(select(InvoiceSend))}
    assert set(sends) == {sent.id, paid.id}
    send = sends[sent.id]
    assert (send.result, send.recipient) == ("sent", "akaun@maju.example")
    assert send.pdf_sha256 == sent.issued_document.pdf_sha256 is not None
    assert send.sent_at.date() == sent.invoice_date
    assert (f"Confirmed invoice {sent.number} ({sent.code}, Syarikat Maju Sdn. Bhd.): recorded "
            "as sent to akaun@maju.example on 2026-10-01 (no SMTP_HOST: nothing was e-mailed), "
            "due 2026-10-31.") in result.output
    assert f"Paid invoice {paid.number} ({paid.code}, Sakura Trading K.K.): recorded" in result.output
    assert "Draft invoice PRO-000001" in result.output

    # What a user sees: the send on the invoice's page, the state of each in the list.
    html = client.get(f"/invoices/{sent.code}").get_data(as_text=True)
    assert 'data-testid="invoice-send" data-result="sent"' in html and "akaun@maju.example" in html
    listing = client.get("/invoices").get_data(as_text=True)
    row = re.search(rf'<tr data-testid="invoice-row">(?:(?!</tr>).)*>{sent.code}</a>.*?</tr>',
                    listing, re.S).group(0)
    assert send.sent_at.strftime("%b %-d, %Y") in row
    assert ('data-testid="invoice-overdue"' in row) == (sent.due_date < dt.date.today())

    # The Malaysian customer's document is in Malay, the Danish customer's in Danish.
    malay = " ".join(pdf_text(sent.issued_document.pdf))
    assert "Tarikh akhir bayaran" in malay and "RM" in malay
    danish = client.get(f"/invoices/{draft.code}/preview").get_data(as_text=True)
    assert "Forfaldsdato" in danish and "PROFORMA" in danish


def test_the_demo_never_dates_a_payment_in_the_future(app):
    seed_demo(today=dt.date(2026, 7, 5))
    paid = _invoices()["paid"]
    assert (paid.invoice_date, paid.paid_on) == (dt.date(2026, 7, 1), dt.date(2026, 7, 5))
    assert _invoices()["confirmed"].invoice_date == dt.date(2026, 7, 5)


@pytest.fixture
def inbox(app):
    controller, inbox = start_server(app)
    app.config["SMTP_CONFIGURED"] = True
    yield inbox
    controller.stop()


def test_with_a_mail_server_the_demo_e_mails_the_sent_invoice(app, inbox):
    output = seed_demo()

    paid, sent = _invoices()["paid"], _invoices()["confirmed"]
    assert [(m["To"].addresses[0].addr_spec, m["Subject"]) for m in inbox.messages] == [
        ("ap@sakura.example", inbox.messages[0]["Subject"]),
        ("akaun@maju.example", inbox.messages[1]["Subject"])]
    assert paid.number in inbox.messages[0]["Subject"] and sent.number in inbox.messages[1]["Subject"]
    assert "e-mailed to akaun@maju.example through 127.0.0.1" in output
    assert [s.result for s in sent.sends] == ["sent"] and [s.result for s in paid.sends] == ["sent"]


def test_an_unreachable_mail_server_leaves_a_failed_send_and_a_whole_demo(app, runner):
    app.config.update(SMTP_CONFIGURED=True, SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    sent = _invoices()["confirmed"]
    assert f"Confirmed invoice {sent.number} ({sent.code}, Syarikat Maju Sdn. Bhd.): not sent" in result.output
    assert [s.result for s in sent.sends] == ["failed"]
    assert len(db.session.scalars(select(User)).all()) == 4 and "Sign in as" in result.output


def test_status_names_the_mail_server_and_the_unset_seller_settings(app, runner):
    output = runner.invoke(args=["status"]).output
    assert "Mail server: localhost:25, from invoices@localhost (SMTP_HOST unset" in output
    assert ("COMPANY_NAME, COMPANY_ADDRESS, COMPANY_VAT_ID, COMPANY_EMAIL, COMPANY_PHONE, "
            "COMPANY_BANK unset") in output

    app.config.update(SMTP_CONFIGURED=True, SMTP_HOST="smtp.seller.example", SMTP_PORT=587,
                      SMTP_STARTTLS=True, SMTP_USERNAME="bo", MAIL_FROM="invoices@seller.example",
                      COMPANY_NAME="Nordlys Consulting ApS", COMPANY_ADDRESS="Havnegade 1",
                      COMPANY_VAT_ID="DK12345678", COMPANY_EMAIL="bo@seller.example")
    output = runner.invoke(args=["status"]).output
    assert output.splitlines()[0] == ("Mail server: smtp.seller.example:587 (STARTTLS, user bo), "
                                      "from invoices@seller.example.")
    assert "Seller on invoices: COMPANY_PHONE, COMPANY_BANK unset" in output
    assert "COMPANY_NAME" not in output
