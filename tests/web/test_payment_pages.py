"""The payments card of the invoice page (issue 15): payments recorded and reversed in place
with htmx, what is due, refusals next to their field, who may do it, and the document's
payments received."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Invoice, Payment
from app.services.corrections import correct_invoice
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice, record_payment
from tests.factories import make_actual, make_contract, make_project, make_tm_line
from tests.web.helpers import error_next_to, sign_in

HX = {"HX-Request": "true"}
DAY = "2026-04-10"


def draft():
    """7.5 h × 950.00 at 25 %: DKK 8,906.25 in all."""
    contract = make_contract(key="c1")
    make_actual(make_tm_line(contract, make_project(customer=contract.customer)))
    db.session.commit()
    return create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                          today=dt.date(2026, 4, 1))


@pytest.fixture
def code(app):
    return confirm_invoice(draft().code).code


def fresh(code) -> Invoice:
    db.session.expire_all()
    return db.session.scalars(select(Invoice).where(Invoice.code == code)).one()


def amount_due(html: str) -> str:
    match = re.search(r'data-testid="invoice-amount-due" data-value="([^"]*)"', html)
    assert match, "no amount due shown"
    return match.group(1)


def pay(client, code, amount, **data):
    return client.post(f"/invoices/{code}/payments", headers=HX,
                       data={"kind": "payment", "amount": amount, "date": DAY,
                             "method": "bank_transfer", **data})


def test_the_page_of_a_confirmed_invoice_offers_a_payment_of_what_is_due(client, code):
    html = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert 'data-testid="payments-panel"' in html
    assert amount_due(html) == "8906.25"
    assert 'data-testid="action-record-payment"' in html
    assert "No payments recorded yet." in html
    form = client.get(f"/invoices/{code}/payments/new", headers=HX).get_data(as_text=True)
    assert form.lstrip().startswith('<section class="card payments" id="invoice-payments"')
    assert 'name="amount"' in form and 'value="8906.25"' in form
    assert f'value="{dt.date.today().isoformat()}"' in form
    assert f'max="{dt.date.today().isoformat()}"' in form
    assert 'data-testid="record-payment-submit"' in form


def test_a_partial_payment_answers_the_card_with_the_new_amount_due(client, code):
    response = pay(client, code, "5000.00", reference="Bank 1", note="First half")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card payments" id="invoice-payments"')
    assert amount_due(html) == "3906.25"
    assert 'name="amount"' not in html  # the form closed; the next one defaults to the rest
    form = client.get(f"/invoices/{code}/payments/new", headers=HX).get_data(as_text=True)
    assert 'value="3906.25"' in form
    row = re.search(r'<tr data-testid="payment-row".*?</tr>', html, re.DOTALL).group(0)
    assert "Bank 1" in row and "First half" in row and "Bank transfer" in row
    assert "Payment of" in html and "recorded" in html
    # Out of band: the badges say "Partly paid", the invoice is still confirmed.
    badges = re.search(r'<div class="badges" id="invoice-badges" hx-swap-oob="true">.*?</div>',
                       html, re.DOTALL).group(0)
    assert "Partly paid" in badges and 'data-value="active"' in badges
    invoice = fresh(code)
    assert (invoice.state, invoice.paid_on) == ("confirmed", None)
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert 'data-testid="invoice-partly-paid"' in page and amount_due(page) == "3906.25"


def test_the_final_payment_makes_the_invoice_paid_with_its_date(client, code):
    assert pay(client, code, "5000.00").status_code == 200
    response = pay(client, code, "3906.25", date="2026-04-20", method="card")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert amount_due(html) == "0.00"
    assert 'data-testid="action-record-payment"' not in html  # nothing left to pay
    assert 'data-testid="invoice-status" data-value="paid"' in html
    assert "Partly paid" not in html
    invoice = fresh(code)
    assert (invoice.state, invoice.paid_on) == ("paid", dt.date(2026, 4, 20))


def test_an_overpayment_is_refused_next_to_the_amount_with_what_was_typed(client, code):
    response = pay(client, code, "9000", reference="Too much")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "more than is due" in error_next_to(html, "amount")
    assert 'value="9000"' in html and 'value="Too much"' in html
    assert db.session.scalar(select(Payment.id)) is None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"amount": "abc"}, "amount", "Not a number"),
    ({"amount": ""}, "amount", "Enter a number"),
    ({"amount": "1.001"}, "amount", "decimals"),
    ({"amount": "0"}, "amount", "above 0"),
    ({"date": "2031-01-01"}, "date", "in the future"),
    ({"date": "2026-03-01"}, "date", "before the invoice date"),
    ({"date": "not a date"}, "date", ""),
    ({"method": "bitcoin"}, "method", "Choose bank transfer"),
])
def test_bad_values_are_refused_next_to_their_field(client, code, data, field, message):
    data = dict(data)  # the parameters are shared by both databases' runs
    response = pay(client, code, data.pop("amount", "100.00"), **data)
    assert response.status_code == 422
    assert message in error_next_to(response.get_data(as_text=True), field)
    assert db.session.scalar(select(Payment.id)) is None


def test_a_reversal_reopens_the_paid_invoice_and_keeps_the_payment_struck_through(client, code):
    assert pay(client, code, "8906.25", reference="Bank 9").status_code == 200
    assert fresh(code).state == "paid"
    payment_id = db.session.scalar(select(Payment.id))
    url = f"/invoices/{code}/payments/{payment_id}/reverse"
    asked = client.get(url, headers=HX).get_data(as_text=True)
    assert f'id="reverse-{payment_id}-reason"' in asked
    refused = client.post(url, headers=HX, data={"reason": " "})
    assert refused.status_code == 422
    assert "Required" in error_next_to(refused.get_data(as_text=True), "reason")
    assert fresh(code).state == "paid"
    response = client.post(url, headers=HX, data={"reason": "Paid another invoice"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert amount_due(html) == "8906.25"
    assert 'data-reversed="true"' in html and "Paid another invoice" in html
    assert "<del>" in html
    assert 'data-testid="invoice-status" data-value="active"' in html
    invoice = fresh(code)
    assert (invoice.state, invoice.paid_on) == ("confirmed", None)
    again = client.post(url, headers=HX, data={"reason": "Twice"})
    assert again.status_code == 409 and "already reversed" in again.get_data(as_text=True)
    entries = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert entries[-2:] == ["payment", "reverse_payment"]
    history = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert "Payment reversed" in history and "Reason: Paid another invoice" in history
    assert "Payment recorded" in history
    assert f"Payment {payment_id} of Apr 10, 2026" in history


def test_an_unknown_payment_cannot_be_reversed(client, code):
    response = client.post(f"/invoices/{code}/payments/999/reverse", headers=HX,
                           data={"reason": "Gone"})
    assert response.status_code == 404


def test_a_credit_note_on_a_paid_invoice_offers_the_refund(client, code):
    record_payment(code, D("8906.25"), dt.date(2026, 4, 10))
    note = correct_invoice(code)
    confirm_invoice(note.code)
    html = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert amount_due(html) == "-8906.25" and "Refund due" in html
    assert 'data-testid="action-record-refund"' in html
    form = client.get(f"/invoices/{code}/payments/new", headers=HX).get_data(as_text=True)
    assert 'name="kind" value="refund"' in form and 'value="8906.25"' in form
    response = client.post(f"/invoices/{code}/payments", headers=HX, data={
        "kind": "refund", "amount": "8906.25", "date": DAY, "method": "bank_transfer"})
    assert response.status_code == 200
    assert amount_due(response.get_data(as_text=True)) == "0.00"
    assert db.session.scalar(select(Payment.kind).order_by(Payment.id.desc())) == "refund"


def test_the_card_is_absent_on_drafts_and_credit_notes(client, app):
    invoice = draft()
    html = client.get(f"/invoices/{invoice.code}").get_data(as_text=True)
    assert 'data-testid="payments-panel"' not in html
    assert pay(client, invoice.code, "10.00").status_code == 409
    confirm_invoice(invoice.code)
    note = correct_invoice(invoice.code)
    html = client.get(f"/invoices/{note.code}").get_data(as_text=True)
    assert 'data-testid="payments-panel"' not in html
    confirm_invoice(note.code)
    html = client.get(f"/invoices/{note.code}").get_data(as_text=True)
    assert 'data-testid="payments-panel"' not in html
    assert pay(client, note.code, "10.00").status_code == 409


@pytest.mark.parametrize("role", ["viewer", "reviewer"])
def test_only_billing_managers_record_and_reverse(client, app, monkeypatch, code, role):
    payment = record_payment(code, D("1000.00"), dt.date(2026, 4, 10), reference="Bank 2")
    sign_in(client, app, monkeypatch, role)
    html = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert 'data-testid="payment-row"' in html and "Bank 2" in html  # they see them
    assert 'data-testid="action-record-payment"' not in html
    assert 'data-testid="action-reverse-payment"' not in html
    form = client.get(f"/invoices/{code}/payments/new", headers=HX).get_data(as_text=True)
    assert 'name="amount"' not in form
    assert pay(client, code, "10.00").status_code == 403
    assert client.post(f"/invoices/{code}/payments/{payment.id}/reverse", headers=HX,
                       data={"reason": "No"}).status_code == 403
    assert db.session.scalar(select(Payment.id).where(Payment.id != payment.id)) is None


def test_a_billing_manager_is_recorded_as_who_paid(client, app, monkeypatch, code):
    sign_in(client, app, monkeypatch, "billing_manager")
    html = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert 'data-testid="action-record-payment"' in html
    html = client.get(f"/invoices/{code}/payments/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    data = {"csrf_token": token.group(1)} if token else {}
    response = pay(client, code, "100.00", **data)
    assert response.status_code == 200
    assert "billing_manager@example.com" in response.get_data(as_text=True)
    assert db.session.scalar(select(Payment.recorded_by)) == "billing_manager@example.com"


def test_without_htmx_a_payment_reloads_the_page_with_its_message(client, code):
    response = client.post(f"/invoices/{code}/payments", data={
        "kind": "payment", "amount": "100.00", "date": DAY, "method": "cash"})
    assert response.status_code == 303
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    assert "recorded" in page and amount_due(page) == "8806.25"


def test_the_preview_shows_payments_received_and_the_amount_due(client, code):
    before = client.get(f"/invoices/{code}/preview").get_data(as_text=True)
    assert 'data-testid="document-payments"' not in before
    record_payment(code, D("5000.00"), dt.date(2026, 4, 10), reference="Bank 1")
    html = client.get(f"/invoices/{code}/preview").get_data(as_text=True)
    assert "Payments received" in html and "Bank 1" in html
    due = re.search(r'data-testid="document-amount-due">([^<]*)<', html).group(1)
    assert "3,906.25" in due
    assert "Please pay DKK\xa03,906.25" in html or "3,906.25 by" in html



def test_payments_never_change_the_frozen_document(client, code):
    invoice = fresh(code)
    frozen = invoice.issued_document.content
    assert '"payments"' not in frozen and '"amount_due"' not in frozen
    record_payment(code, D("8906.25"), dt.date(2026, 4, 10))
    invoice = fresh(code)
    assert invoice.issued_document.content == frozen
    html = client.get(f"/invoices/{code}/preview").get_data(as_text=True)
    assert 'data-testid="document-paid"' in html
    assert 'data-testid="document-amount-due">DKK0.00<' in html


def test_without_htmx_a_payment_on_a_draft_is_refused_with_the_reason(client, app):
    invoice = draft()
    response = client.post(f"/invoices/{invoice.code}/payments", data={
        "kind": "payment", "amount": "10.00", "date": DAY, "method": "cash"})
    assert response.status_code == 409
    assert 'class="notice error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Payment.id)) is None


def test_the_invoice_list_shows_partly_paid_and_what_is_due_by_the_rule(client, code):
    from app.services.payments import due_of

    html = client.get("/invoices").get_data(as_text=True)
    assert 'data-testid="invoice-partly-paid"' not in html
    assert 'data-testid="invoice-list-due"' not in html  # nothing paid: the total is due
    assert pay(client, code, "1000.50").status_code == 200
    html = client.get("/invoices").get_data(as_text=True)
    assert 'data-testid="invoice-partly-paid"' in html
    expected = due_of(fresh(code)).amount
    assert expected == D("7905.75")
    assert 'data-testid="invoice-list-due" data-value="7905.75"' in html
    assert pay(client, code, "7905.75").status_code == 200
    html = client.get("/invoices").get_data(as_text=True)
    assert 'invoice-partly-paid' not in html and 'invoice-list-due' not in html
