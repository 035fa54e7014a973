"""The document pages: preview, PDF, "Send to customer", and the invoice page's actions."""

import re

import pytest
from flask import render_template
from sqlalchemy import select

from app.extensions import db
from app.models import InvoiceSend
from tests.mail_server import free_port, start_server
from tests.worlds import document_invoice


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_preview_of_a_draft_is_marked_proforma(client):
    invoice = document_invoice(confirm=False)
    response = client.get(f"/invoices/{invoice.code}/preview")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'data-testid="document-watermark"' in page and "PROFORMA" in page
    assert "Development of the order API" in page
    assert f'href="/invoices/{invoice.code}/pdf"' in page
    assert '/static/document.css' in page


def test_preview_of_a_confirmed_invoice_is_not_proforma(client):
    invoice = document_invoice("da")
    page = client.get(f"/invoices/{invoice.number}/preview").get_data(as_text=True)
    assert "PROFORMA" not in page and "2026-0001" in page
    assert "16.906,25\xa0kr." in page  # the customer's language, whatever the user's


def test_preview_has_no_inline_script_or_style_and_escapes_data(client):
    invoice = document_invoice(confirm=False)
    invoice.bill_to_name = '<script>alert("hi")</script>'
    db.session.commit()
    page = client.get(f"/invoices/{invoice.code}/preview").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page
    assert "<script" not in page and "<style" not in page
    assert re.search(r"\sstyle=", page) is None


def test_unknown_invoice_is_not_found(client):
    assert client.get("/invoices/PRO-999999/preview").status_code == 404
    assert client.get("/invoices/PRO-999999/pdf").status_code == 404
    assert client.post("/invoices/PRO-999999/send").status_code == 404


def test_pdf_is_a_download(client):
    invoice = document_invoice()
    response = client.get(f"/invoices/{invoice.code}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename=invoice-2026-0001.pdf'
    assert response.data.startswith(b"%PDF-")


def test_send_mails_the_invoice_and_flashes_success(app, client):
    controller, inbox = start_server(app)
    try:
        invoice = document_invoice()
        response = client.post(f"/invoices/{invoice.code}/send")
    finally:
        controller.stop()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/invoices/{invoice.code}"
    assert flashes(client) == [("success", "The invoice was sent to ap@customer.example.")]
    assert len(inbox.envelopes) == 1


def test_a_mail_failure_flashes_a_clear_error(app, client):
    invoice = document_invoice()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    response = client.post(f"/invoices/{invoice.code}/send")
    assert response.status_code == 302 and response.headers["Location"] == f"/invoices/{invoice.code}"
    [(category, message)] = flashes(client)
    assert category == "error"
    assert message.startswith("The invoice could not be sent to ap@customer.example")
    assert db.session.scalars(select(InvoiceSend.result)).all() == ["failed"]


def test_a_draft_cannot_be_sent(client):
    invoice = document_invoice(confirm=False)
    response = client.post(f"/invoices/{invoice.code}/send")
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "error" and "Only confirmed or paid invoices" in message
    assert db.session.scalars(select(InvoiceSend)).all() == []


def _actions(app, invoice) -> str:
    with app.test_request_context():
        return render_template("documents/_actions.html", invoice=invoice)


def test_actions_offer_preview_always_and_send_only_when_confirmed(app):
    draft = document_invoice(confirm=False)
    html = _actions(app, draft)
    assert 'data-testid="action-preview"' in html and f"/invoices/{draft.code}/preview" in html
    assert 'data-testid="action-send"' not in html
    confirmed = document_invoice()
    html = _actions(app, confirmed)
    assert 'data-testid="action-send"' in html
    assert f'action="/invoices/{confirmed.code}/send"' in html and 'name="csrf_token"' in html
    assert "documents.css" in html


def test_actions_list_earlier_sends(app):
    invoice = document_invoice()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    from app.services.mailing import MailFailed, send_invoice
    with pytest.raises(MailFailed):
        send_invoice(invoice.code)
    html = _actions(app, invoice)
    assert html.count('data-testid="invoice-send"') == 1
    assert 'data-result="failed"' in html and "ap@customer.example" in html
