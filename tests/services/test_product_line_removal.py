"""A product line can be removed from a draft invoice; its product contract line returns to
ready (SPEC 5.3) — one transaction, recorded in the history, totals recomputed."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, ContractLine, Invoice, InvoiceLine
from app.services import Conflict, ServiceError
from app.services.editing import LineNotFound, remove_product_line, update_header
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import (InvoiceActionRefused, confirm_invoice, refresh_invoice,
                                    submit_for_review)
from tests.factories import make_actual, make_contract, make_product_line, make_project, make_tm_line

PARAMS = InvoiceParameters(cutoff=dt.date(2026, 3, 31))


@pytest.fixture
def draft(app):
    """A draft with a T&M line (1,000.00 + 250.00 tax) and a product line (2 × 100.00 + 50.00)."""
    contract = make_contract(name="Website 2026", tax_rate=Decimal("25"))
    tm = make_tm_line(contract, make_project(), name="Build")
    make_actual(tm, quantity=Decimal("1"), price=Decimal("1000.00"))
    product = make_product_line(contract, name="Licence", quantity=Decimal("2"),
                                price=Decimal("100.00"))
    db.session.commit()
    invoice = create_invoice(contract.number, PARAMS)
    assert invoice.total_amount == Decimal("1500.00")
    return invoice, product


def _product_line(invoice: Invoice) -> InvoiceLine:
    return db.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id,
                                                        InvoiceLine.billing_method == "product")).one()


def _state(invoice: Invoice, product: ContractLine):
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    lines = sorted(line.billing_method for line in invoice.lines)
    return lines, db.session.get(ContractLine, product.id).status, invoice.total_amount


def test_removing_a_product_line_frees_it_and_recomputes_the_totals(draft):
    invoice, product = draft
    line = _product_line(invoice)

    assert remove_product_line(invoice.code, line.id) == "Licence"

    assert _state(invoice, product) == (["time_and_material"], "ready", Decimal("1250.00"))
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.detail_amount, invoice.total_tax) == (Decimal("1000.00"), Decimal("250.00"))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "remove_line")).one()
    assert (entry.invoice_code, entry.target) == (invoice.code, f"line {line.id}: Licence")


def test_the_freed_product_line_can_be_invoiced_again(draft):
    invoice, product = draft
    remove_product_line(invoice.code, _product_line(invoice).id)
    assert refresh_invoice(invoice.code) == 1  # back on the same draft …
    assert _state(invoice, product) == (["product", "time_and_material"], "invoice_created",
                                        Decimal("1500.00"))
    remove_product_line(invoice.code, _product_line(invoice).id)
    other = create_invoice(invoice.contract.number, PARAMS)  # … or on another one
    assert [line.billing_method for line in other.lines] == ["time_and_material", "product"]


def test_an_invoice_in_review_can_lose_a_product_line_too(draft):
    invoice, product = draft
    submit_for_review(invoice.code)
    remove_product_line(invoice.code, _product_line(invoice).id)
    assert _state(invoice, product)[1] == "ready"


def test_a_confirmed_invoice_keeps_its_product_line(draft):
    invoice, product = draft
    line_id = _product_line(invoice).id
    confirm_invoice(invoice.code)
    with pytest.raises(InvoiceActionRefused) as refused:
        remove_product_line(invoice.code, line_id)
    assert refused.value.status == 409
    assert str(refused.value) == (f"Only draft or in-review invoices can be edited "
                                  f"({invoice.code}, number {invoice.number}: Confirmed).")
    assert _state(invoice, product) == (["product", "time_and_material"], "invoice_posted",
                                        Decimal("1500.00"))
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "remove_line")).all()


def test_only_product_lines_can_be_removed(draft):
    invoice, product = draft
    tm_line = next(line for line in invoice.lines if line.billing_method != "product")
    with pytest.raises(Conflict, match="Only product lines can be removed"):
        remove_product_line(invoice.code, tm_line.id)
    assert _state(invoice, product)[0] == ["product", "time_and_material"]


def test_a_line_already_removed_or_of_another_invoice_is_not_found(draft):
    invoice, _product = draft
    line_id = _product_line(invoice).id
    remove_product_line(invoice.code, line_id)
    with pytest.raises(LineNotFound, match="no longer on invoice"):
        remove_product_line(invoice.code, line_id)
    other = create_invoice(invoice.contract.number, PARAMS)
    with pytest.raises(LineNotFound):
        remove_product_line(other.code, other.lines[0].id + 1000)


def test_a_discount_larger_than_what_is_left_refuses_and_changes_nothing(draft):
    invoice, product = draft
    update_header(invoice.code, invoice.version, {"discount_amount": Decimal("1100.00")})
    with pytest.raises(ServiceError, match="discount") as refused:
        remove_product_line(invoice.code, _product_line(invoice).id)
    assert refused.value.status == 422
    assert _state(invoice, product)[:2] == (["product", "time_and_material"], "invoice_created")
