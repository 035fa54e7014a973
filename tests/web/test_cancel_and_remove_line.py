"""Cancel, offered in the page and the CLI next to Delete (it keeps the record), and the
removal of a product line from a draft in the page (issue 11)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, ContractLine, Invoice, InvoiceLine, User
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice
from app.services.users import create_user
from tests.factories import make_actual, make_contract, make_product_line, make_project, make_tm_line
from tests.web.helpers import page

HTMX = {"HX-Request": "true"}
PASSWORD = "a long enough password"


@pytest.fixture
def invoice(app):
    """A draft: a T&M line (1,000.00 + 250.00 tax) and a product line (200.00 + 50.00)."""
    contract = make_contract(name="Website 2026", tax_rate=Decimal("25"))
    tm = make_tm_line(contract, make_project(), name="Build")
    make_actual(tm, quantity=Decimal("1"), price=Decimal("1000.00"))
    make_product_line(contract, name="Licence", quantity=Decimal("2"), price=Decimal("100.00"))
    db.session.commit()
    return create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)))


def _product_line_id(invoice) -> int:
    return db.session.scalar(select(InvoiceLine.id).where(
        InvoiceLine.invoice_id == invoice.id, InvoiceLine.billing_method == "product"))


def _fresh(invoice) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)


def sign_in(app, client, role):
    app.config["LOGIN_DISABLED"] = False
    email = f"{role}@example.com"
    if not db.session.scalar(select(User.id).where(User.email == email)):
        create_user(email, PASSWORD, role)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


# ---------------------------------------------------------------- cancel in the page

def test_a_draft_offers_cancel_next_to_delete_with_the_difference_explained(client, invoice):
    html = page(client.get(f"/invoices/{invoice.code}"))
    actions = re.search(r'id="invoice-actions">(.*?)</div>', html, re.DOTALL).group(1)
    assert actions.index('data-testid="action-cancel"') < actions.index('data-testid="action-delete"')
    assert f'action="/invoices/{invoice.code}/cancel"' in actions
    assert "Keeps the invoice as a cancelled record and frees its items; Delete leaves no record." in actions
    assert "Removes the draft and leaves no record" in actions
    assert "It is kept as a cancelled record" in actions  # the confirmation says it too


def test_cancel_keeps_the_invoice_as_a_cancelled_record_and_frees_its_items(client, invoice):
    response = client.post(f"/invoices/{invoice.code}/cancel", headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/invoices/{invoice.code}"
    assert _fresh(invoice).status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(Actual)
                             .where(Actual.status == "ready")) == 1
    assert db.session.scalar(select(ContractLine.status)
                             .where(ContractLine.billing_method == "product")) == "ready"
    html = page(client.get(f"/invoices/{invoice.code}"))
    assert "was cancelled: it is kept as a record" in html
    assert 'data-testid="invoice-status" data-value="cancelled"' in html
    assert 'data-testid="action-cancel"' not in html and 'data-testid="action-delete"' not in html
    # The freed items go on the next invoice.
    other = create_invoice(invoice.contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
    assert other.total_amount == Decimal("1500.00")


def test_cancel_without_htmx_redirects_to_the_page(client, invoice):
    response = client.post(f"/invoices/{invoice.code}/cancel")
    assert response.status_code == 303 and response.location == f"/invoices/{invoice.code}"
    assert _fresh(invoice).status == "cancelled"


def test_a_confirmed_invoice_cannot_be_cancelled(client, invoice):
    confirm_invoice(invoice.code)
    assert 'data-testid="action-cancel"' not in page(client.get(f"/invoices/{invoice.code}"))
    response = client.post(f"/invoices/{invoice.code}/cancel", headers=HTMX)
    assert response.status_code == 409
    assert (f"Only draft or in-review invoices can be cancelled "
            f"({invoice.code}, number {invoice.number}: Confirmed)." in response.text)
    assert _fresh(invoice).status == "active"


def test_cancel_needs_the_delete_permission(app, client, invoice):
    sign_in(app, client, "reviewer")
    assert 'data-testid="action-cancel"' not in page(client.get(f"/invoices/{invoice.code}"))
    assert client.post(f"/invoices/{invoice.code}/cancel", headers=HTMX).status_code == 403
    assert _fresh(invoice).status == "active"
    client.post("/logout")
    sign_in(app, client, "billing_manager")
    assert 'data-testid="action-cancel"' in page(client.get(f"/invoices/{invoice.code}"))
    assert client.post(f"/invoices/{invoice.code}/cancel", headers=HTMX).status_code == 204


# ---------------------------------------------------------------- cancel on the command line

def test_the_cli_cancels_and_refuses_what_cannot_be_cancelled(app, invoice):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invoices", "cancel", invoice.code])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Cancelled {invoice.code}; its items are ready to invoice again."
    assert _fresh(invoice).status == "cancelled"

    again = runner.invoke(args=["invoices", "cancel", invoice.code])
    assert again.exit_code == 1
    assert again.stderr.strip() == (f"Error: Only draft or in-review invoices can be cancelled "
                                    f"({invoice.code}: Cancelled).")
    unknown = runner.invoke(args=["invoices", "cancel", "PRO-999999"])
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == "Error: unknown invoice 'PRO-999999'"


# ---------------------------------------------------------------- removing a product line

def test_a_draft_offers_removing_its_product_line_only(client, invoice):
    html = page(client.get(f"/invoices/{invoice.code}"))
    line_id = _product_line_id(invoice)
    assert html.count('data-testid="remove-product-line"') == 1
    assert f'hx-post="/invoices/{invoice.code}/lines/{line_id}/remove"' in html
    confirm_invoice(invoice.code)
    assert 'data-testid="remove-product-line"' not in page(client.get(f"/invoices/{invoice.code}"))


def test_removing_a_product_line_answers_the_totals_and_takes_the_line_out(client, invoice):
    line_id = _product_line_id(invoice)
    response = client.post(f"/invoices/{invoice.code}/lines/{line_id}/remove", headers=HTMX)
    html = page(response)
    assert "Product line Licence removed; it is ready to invoice again." in html
    assert f'<section id="invoice-line-{line_id}" hx-swap-oob="delete"></section>' in html
    assert re.search(r'id="invoice-totals"[^>]*hx-swap-oob="true"', html)
    assert 'data-testid="invoice-total-amount" data-value="1250.00"' in html
    assert f'id="invoice-version" value="{_fresh(invoice).version}" hx-swap-oob="true"' in html
    assert _fresh(invoice).total_amount == Decimal("1250.00")
    assert db.session.scalar(select(ContractLine.status)
                             .where(ContractLine.billing_method == "product")) == "ready"
    assert f'id="invoice-line-{line_id}"' not in page(client.get(f"/invoices/{invoice.code}"))


def test_removing_without_htmx_goes_back_to_the_page_with_the_message(client, invoice):
    response = client.post(f"/invoices/{invoice.code}/lines/{_product_line_id(invoice)}/remove")
    assert response.status_code == 303 and response.location == f"/invoices/{invoice.code}"
    assert "Product line Licence removed" in page(client.get(f"/invoices/{invoice.code}"))


def test_a_line_confirmed_meanwhile_is_refused_with_the_state(client, invoice):
    line_id = _product_line_id(invoice)
    confirm_invoice(invoice.code)  # in another tab
    response = client.post(f"/invoices/{invoice.code}/lines/{line_id}/remove", headers=HTMX)
    assert response.status_code == 409
    assert (f"Only draft or in-review invoices can be edited "
            f"({invoice.code}, number {invoice.number}: Confirmed)." in response.text)
    assert _product_line_id(invoice) == line_id
    plain = client.post(f"/invoices/{invoice.code}/lines/{line_id}/remove")
    assert plain.status_code == 409 and "Only draft or in-review invoices" in plain.text


def test_a_line_removed_meanwhile_is_said_and_taken_out(client, invoice):
    line_id = _product_line_id(invoice)
    url = f"/invoices/{invoice.code}/lines/{line_id}/remove"
    assert client.post(url, headers=HTMX).status_code == 200
    again = client.post(url, headers=HTMX)
    assert again.status_code == 409
    assert "This line is no longer on invoice" in again.text
    assert 'hx-swap-oob="delete"' in again.text


def test_a_time_and_material_line_cannot_be_removed(client, invoice):
    tm_id = db.session.scalar(select(InvoiceLine.id).where(
        InvoiceLine.invoice_id == invoice.id, InvoiceLine.billing_method == "time_and_material"))
    response = client.post(f"/invoices/{invoice.code}/lines/{tm_id}/remove", headers=HTMX)
    assert response.status_code == 409
    assert "Only product lines can be removed from an invoice." in response.text
    assert len(_fresh(invoice).lines) == 2


def test_removing_needs_the_edit_permission(app, client, invoice):
    url = f"/invoices/{invoice.code}/lines/{_product_line_id(invoice)}/remove"
    sign_in(app, client, "viewer")
    assert 'data-testid="remove-product-line"' not in page(client.get(f"/invoices/{invoice.code}"))
    assert client.post(url, headers=HTMX).status_code == 403
    client.post("/logout")
    sign_in(app, client, "reviewer")
    assert client.post(url, headers=HTMX).status_code == 200
