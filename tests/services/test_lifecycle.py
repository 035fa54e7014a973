"""Invoice lifecycle services (SPEC 8) against a real database."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, BilledSale, ContractLine, Invoice, InvoiceLineDetail, Milestone
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services import editing
from app.services.lifecycle import (InvoiceActionRefused, InvoiceNotFound, back_to_draft,
                                    cancel_invoice, confirm_invoice, delete_invoice,
                                    mark_paid, refresh_invoice, submit_for_review)
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_product_line,
                             make_project, make_tm_line)

CUTOFF = dt.date(2026, 3, 31)


@pytest.fixture
def invoice(app):
    contract = make_contract(key="c1")
    project = make_project(customer=contract.customer)
    tm = make_tm_line(contract, project)
    make_fixed_price_line(contract, project, milestones=[(dt.date(2026, 3, 1), Decimal("1000.00"))])
    make_product_line(contract, key="p1")
    make_actual(tm, key="a1")
    make_actual(tm, key="a2", billing_type="non_chargeable")
    db.session.commit()
    return create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=dt.date(2026, 4, 1))


def statuses():
    actuals = dict(db.session.execute(select(Actual.key, Actual.status)).all())
    milestones = set(db.session.scalars(select(Milestone.status)))
    products = set(db.session.scalars(select(ContractLine.status).where(ContractLine.key == "p1")))
    return actuals, milestones, products


def test_review_round_trip(invoice):
    assert submit_for_review(invoice.code).project_invoice_status == "in_review"
    assert back_to_draft(invoice.code).project_invoice_status == "draft"


def test_confirm_gives_a_legal_number_and_posts_everything(invoice):
    confirmed = confirm_invoice(invoice.code)
    assert confirmed.number == "2026-0001"
    assert confirmed.project_invoice_status == "confirmed"
    assert statuses() == ({"a1": "invoice_posted", "a2": "invoice_posted"}, {"invoice_posted"},
                          {"invoice_posted"})
    sales = db.session.scalars(select(BilledSale).order_by(BilledSale.id)).all()
    assert [(s.billing_type, s.amount) for s in sales] == [
        ("chargeable", Decimal("7125.00")), ("non_chargeable", Decimal("7125.00")),
        ("chargeable", Decimal("1000.00")), ("chargeable", Decimal("200.00"))]


def test_billed_sales_carry_the_values_of_the_invoice_not_the_actual(invoice):
    detail = db.session.scalars(select(InvoiceLineDetail).join(InvoiceLineDetail.actual)
                                .where(Actual.key == "a1")).one()
    detail.billing_type, detail.tax, detail.extended_amount = "complimentary", Decimal("0.00"), detail.amount
    db.session.commit()
    confirm_invoice(invoice.code)
    sale = db.session.scalars(select(BilledSale).where(BilledSale.detail_id == detail.id)).one()
    assert (sale.billing_type, sale.tax) == ("complimentary", Decimal("0.00"))
    assert db.session.get(Actual, detail.actual_id).billing_type == "chargeable"


def test_legal_numbers_are_consecutive(invoice):
    second = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=dt.date(2026, 4, 1))
    assert confirm_invoice(second.code).number == "2026-0001"
    assert confirm_invoice(invoice.code).number == "2026-0002"


@pytest.mark.parametrize("action", [submit_for_review, back_to_draft, confirm_invoice,
                                    delete_invoice, cancel_invoice, refresh_invoice])
def test_confirmed_invoice_refuses_every_change(invoice, action):
    confirm_invoice(invoice.code)
    with pytest.raises(InvoiceActionRefused, match=r"\(PRO-000001, number 2026-0001: Confirmed\)"):
        action(invoice.code)
    assert db.session.get(Invoice, invoice.id).project_invoice_status == "confirmed"


def test_paid_only_after_confirmed(invoice):
    with pytest.raises(InvoiceActionRefused, match=r"Only confirmed invoices can be marked as paid "
                                                   r"\(PRO-000001: Draft\)"):
        mark_paid(invoice.code, dt.date(2026, 4, 20))
    confirm_invoice(invoice.code)
    paid = mark_paid(invoice.code, dt.date(2026, 4, 20), "bank ref 991")
    assert (paid.status, paid.paid_on, paid.payment_reference) == ("paid", dt.date(2026, 4, 20),
                                                                   "bank ref 991")
    with pytest.raises(InvoiceActionRefused, match=r"\(PRO-000001, number 2026-0001: Paid\)"):
        mark_paid(invoice.code, dt.date(2026, 4, 21))


def test_back_to_draft_only_from_review(invoice):
    with pytest.raises(InvoiceActionRefused):
        back_to_draft(invoice.code)


def test_refresh_is_only_for_drafts(invoice):
    submit_for_review(invoice.code)
    with pytest.raises(InvoiceActionRefused, match="Only draft invoices can have their transactions"):
        refresh_invoice(invoice.code)


def test_delete_returns_every_item_to_ready(invoice):
    delete_invoice(invoice.code)
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert statuses() == ({"a1": "ready", "a2": "ready"}, {"ready"}, {"ready"})


def test_cancel_keeps_the_record_and_frees_the_items_for_a_new_invoice(invoice):
    cancel_invoice(invoice.code)
    assert db.session.get(Invoice, invoice.id).status == "cancelled"
    assert statuses() == ({"a1": "ready", "a2": "ready"}, {"ready"}, {"ready"})
    again = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF))
    assert again.total_amount == invoice.total_amount


def test_delete_detail_releases_its_actual_and_recomputes(invoice):
    detail = db.session.scalars(select(InvoiceLineDetail).join(InvoiceLineDetail.actual)
                                .where(Actual.key == "a1")).one()
    before = invoice.total_amount
    # The editor's use case (the row's version guards against a stale page).
    editing.delete_detail(invoice.code, detail.id, detail.version)
    assert statuses()[0]["a1"] == "ready"
    assert db.session.get(Invoice, invoice.id).total_amount == before - Decimal("8906.25")


def test_refresh_adds_late_items_once(invoice):
    tm = db.session.scalars(select(ContractLine).where(
        ContractLine.billing_method == "time_and_material")).one()
    make_actual(tm, key="late", date=dt.date(2026, 3, 30))
    make_actual(tm, key="after", date=dt.date(2026, 4, 2))
    db.session.commit()
    assert refresh_invoice(invoice.code) == 1
    assert refresh_invoice(invoice.code) == 0
    assert statuses()[0]["late"] == "invoice_created"
    assert statuses()[0]["after"] == "ready"


def test_unknown_invoice(app):
    with pytest.raises(InvoiceNotFound, match="unknown invoice 'PRO-999999'"):
        confirm_invoice("PRO-999999")


def test_every_status_action_is_in_the_audit_trail(invoice):
    from app.services.audit import timeline

    submit_for_review(invoice.code)
    back_to_draft(invoice.code)
    refresh_invoice(invoice.code)
    confirm_invoice(invoice.code)
    mark_paid(invoice.code, dt.date(2026, 4, 20))
    entries = timeline(invoice.code)
    assert [e.action for e in reversed(entries)] == [
        "create", "submit_review", "back_to_draft", "refresh", "confirm", "mark_paid"]
    confirm = entries[1]
    assert (confirm.field, confirm.old_value, confirm.new_value, confirm.actor) == (
        "number", "draft", "2026-0001", "cli")


def test_a_refused_action_writes_no_audit_entry(invoice):
    from app.services.audit import timeline

    with pytest.raises(InvoiceActionRefused):
        mark_paid(invoice.code, dt.date(2026, 4, 20))
    assert [e.action for e in timeline(invoice.code)] == ["create"]
