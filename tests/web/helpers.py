"""Helpers of the page tests: reading a page (and the error next to a field), and an invoice
built row by row (the rows the invoice services write; app.services.invoicing.recalculate
then sets its totals)."""

import datetime as dt
import re
from decimal import Decimal

from app.billing.totals import extended_amount, product_line_totals
from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services.numbering import next_invoice_code


def _add(row):
    db.session.add(row)
    db.session.flush()
    return row


def make_invoice(contract, **kw) -> Invoice:
    """A draft invoice of the contract, with the bill-to of its customer and zero totals."""
    customer = contract.customer
    invoice_date = kw.pop("invoice_date", dt.date(2026, 3, 31))
    return _add(Invoice(**{
        "code": next_invoice_code(), "contract": contract, "customer": customer,
        "price_list": contract.price_list, "currency": contract.currency,
        "tax_rate": contract.tax_rate, "name": contract.name, "bill_to_name": customer.name,
        "bill_to_email": customer.email, "bill_to_street": customer.street,
        "bill_to_postal_code": customer.postal_code, "bill_to_city": customer.city,
        "bill_to_country": customer.country, "invoice_date": invoice_date,
        "due_date": invoice_date + dt.timedelta(days=30), "cutoff_date": invoice_date, **kw}))


def add_line(invoice, contract_line, **kw) -> InvoiceLine:
    """The invoice line of a T&M or fixed-price contract line, without details yet."""
    return _add(InvoiceLine(**{
        "invoice": invoice, "contract_line": contract_line, "name": contract_line.name,
        "billing_method": contract_line.billing_method, "project_id": contract_line.project_id,
        "contract_line_amount": contract_line.amount, "tax_rate": contract_line.tax_rate, **kw}))


def add_product_line(invoice, contract_line) -> InvoiceLine:
    """The invoice line of a product contract line; the product line moves on the invoice."""
    contract_line.status = "invoice_created"
    totals = product_line_totals(contract_line.quantity, contract_line.price, contract_line.tax,
                                 invoice.currency)
    return _add(InvoiceLine(
        invoice=invoice, contract_line=contract_line, name=contract_line.name,
        billing_method="product", tax_rate=contract_line.tax_rate, product=contract_line.product,
        product_name=contract_line.product_name, quantity=contract_line.quantity,
        price=contract_line.price, amount=totals.amount, tax=totals.tax,
        extended_amount=totals.extended_amount))


def add_actual_detail(line, actual, billing_type=None, **kw) -> InvoiceLineDetail:
    """A detail backed by an actual, with the actual's values; the actual moves on the invoice."""
    actual.status = "invoice_created"
    return _add(InvoiceLineDetail(**{
        "invoice_id": line.invoice_id, "invoice_line": line, "actual": actual,
        "transaction_class": actual.transaction_class,
        "billing_type": billing_type or actual.billing_type,
        "description": actual.internal_comment or actual.description or f"Actual {actual.id}",
        "external_description": actual.external_comment, "start_date": actual.date,
        "project_id": actual.project_id, "task_id": actual.task_id, "role_id": actual.role_id,
        "resource_id": actual.resource_id, "category_id": actual.category_id,
        "unit_id": actual.unit_id, "quantity": actual.quantity, "price": actual.price,
        "amount": actual.amount, "tax": actual.tax,
        "extended_amount": extended_amount(actual.amount, actual.tax), **kw}))


def add_milestone_detail(line, milestone) -> InvoiceLineDetail:
    milestone.status = "invoice_created"
    return _add(InvoiceLineDetail(
        invoice_id=line.invoice_id, invoice_line=line, milestone=milestone,
        transaction_class="milestone", billing_type="chargeable", description=milestone.name,
        start_date=milestone.date, quantity=Decimal(1), price=milestone.amount,
        amount=milestone.amount, tax=milestone.tax,
        extended_amount=extended_amount(milestone.amount, milestone.tax)))


def page(response) -> str:
    """The body of a page that answered 200."""
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def error_next_to(html: str, field: str) -> str:
    """The message shown next to a field (inside the field's own wrapper)."""
    wrapper = re.search(rf'<div class="field[^"]*has-error" data-field="{field}".*?</div>', html,
                        re.DOTALL)
    assert wrapper, f"no error next to {field}"
    message = re.search(r'data-testid="error-[^"]+" role="alert">(.*?)</p>', wrapper.group(0),
                        re.DOTALL)
    return message.group(1).strip()


def wizard_selection(html: str) -> str:
    """The fingerprint of what the wizard's preview shows, which Finish posts back."""
    match = re.search(r'name="selection" value="([^"]*)"', html)
    assert match, "no preview on the page"
    return match.group(1)


def finish_wizard(client, ref: str, data: dict, **extra):
    """Next, then Finish with what the preview showed (as the person does)."""
    html = page(client.post(f"/contracts/{ref}/invoice", data={**data, "action": "next"}))
    return client.post(f"/contracts/{ref}/invoice",
                       data={**data, **extra, "action": "finish",
                             "selection": wizard_selection(html)})


SIGN_IN_PASSWORD = "correct horse battery"


def sign_in(client, app, monkeypatch, role):
    """Sign in, with sign-in required for this test, as a user of `role` (made once)."""
    from sqlalchemy import select

    from app.models import User
    from app.services.users import create_user

    monkeypatch.setitem(app.config, "LOGIN_DISABLED", False)
    email = f"{role}@example.com"
    if not db.session.scalar(select(User.id).where(User.email == email)):
        create_user(email, SIGN_IN_PASSWORD, role)
    response = client.post("/login", data={"email": email, "password": SIGN_IN_PASSWORD})
    assert response.status_code == 302
