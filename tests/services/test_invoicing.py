"""Creating an invoice from a contract (SPEC 5.1) — the part the demo company needs."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Actual, InvoiceLine, InvoiceLineDetail
from app.services.exporting import invoice_json
from app.services.invoicing import (ContractNotFound, InvoiceParameters, MilestonesDoNotAddUp,
                                   create_invoice)
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_product_line,
                             make_project, make_tm_line)

MARCH_31 = dt.date(2026, 3, 31)


@pytest.fixture
def contract(app):
    contract = make_contract(key="c1")
    project = make_project(customer=contract.customer)
    tm = make_tm_line(contract, project, key="l1")
    make_fixed_price_line(contract, project, milestones=[(dt.date(2026, 3, 1), Decimal("25000.00")),
                                                         (dt.date(2026, 4, 1), Decimal("25000.00"))])
    make_product_line(contract, quantity=Decimal("2"), price=Decimal("100.00"))
    make_actual(tm, date=dt.date(2026, 3, 31), key="on-cutoff")
    make_actual(tm, date=dt.date(2026, 4, 1), key="after-cutoff")
    make_actual(tm, date=dt.date(2026, 3, 2), status="unbilled", key="not-ready")
    make_actual(tm, transaction_class="expense", quantity=Decimal("2"), price=Decimal("1200.00"),
                billing_type="complimentary", key="free-hotel")
    db.session.commit()
    return contract


def test_invoice_takes_ready_items_up_to_the_cutoff(contract):
    invoice = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31), today=dt.date(2026, 4, 2))

    keys = db.session.scalars(select(Actual.key).join(InvoiceLineDetail.actual)
                              .where(InvoiceLineDetail.invoice_id == invoice.id)).all()
    assert sorted(keys) == ["free-hotel", "on-cutoff"]
    tm, fixed, product = invoice.lines
    assert (tm.amount, tm.tax, tm.extended_amount) == (Decimal("7125.00"), Decimal("1781.25"),
                                                       Decimal("8906.25"))
    assert (fixed.amount, fixed.tax) == (Decimal("25000.00"), Decimal("6250.00"))
    assert (product.billing_method, product.amount, product.tax) == ("product", Decimal("200.00"),
                                                                     Decimal("50.00"))
    assert invoice.detail_amount == Decimal("32325.00")
    assert invoice.total_tax == Decimal("8081.25")
    assert invoice.total_amount == Decimal("40406.25")
    assert invoice.code.startswith("PRO-") and invoice.number is None
    assert invoice.due_date == dt.date(2026, 5, 2)
    statuses = dict(db.session.execute(select(Actual.key, Actual.status)).all())
    assert statuses == {"on-cutoff": "invoice_created", "free-hotel": "invoice_created",
                        "after-cutoff": "ready", "not-ready": "unbilled"}


def test_one_line_per_contract_line_even_without_items(contract):
    invoice = create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 1, 1), products=False))
    assert [line.billing_method for line in invoice.lines] == ["time_and_material", "fixed_price"]
    assert invoice.total_amount == Decimal("0.00")


def test_unknown_contract_is_refused(app):
    with pytest.raises(ContractNotFound, match="unknown contract 'nope'"):
        create_invoice("nope", InvoiceParameters(cutoff=MARCH_31))


def test_database_refuses_an_actual_on_two_open_invoices(contract):
    first = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    detail = db.session.scalars(select(InvoiceLineDetail).where(
        InvoiceLineDetail.invoice_id == first.id, InvoiceLineDetail.actual_id.is_not(None))).first()
    second = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    db.session.add(InvoiceLineDetail(invoice_id=second.id, invoice_line_id=second.lines[0].id,
                                     actual_id=detail.actual_id, transaction_class="time",
                                     amount=Decimal(0), tax=Decimal(0), extended_amount=Decimal(0)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_not_available_and_other_contracts_items_stay_out(contract):
    other = make_contract(key="c2", customer=contract.customer)
    other_line = make_tm_line(other, make_project(customer=contract.customer))
    make_actual(other_line, key="other-contract")
    stray = make_actual(contract.lines[0], key="not-available", transaction_class="fee")
    stray.contract_line_id, stray.billing_type = None, "not_available"
    db.session.commit()
    invoice = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    keys = set(db.session.scalars(select(Actual.key).join(InvoiceLineDetail.actual)
                                  .where(InvoiceLineDetail.invoice_id == invoice.id)))
    assert keys == {"on-cutoff", "free-hotel"}
    statuses = dict(db.session.execute(select(Actual.key, Actual.status)).all())
    assert statuses["other-contract"] == statuses["not-available"] == "ready"


def test_classes_parameter_leaves_other_classes_on_the_backlog(contract):
    invoice = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31, classes=frozenset({"time"}),
                                                     milestones=False))
    keys = set(db.session.scalars(select(Actual.key).join(InvoiceLineDetail.actual)
                                  .where(InvoiceLineDetail.invoice_id == invoice.id)))
    assert keys == {"on-cutoff"}
    assert invoice.lines[1].amount == Decimal("0.00")  # the fixed-price line, without milestones


def test_zero_decimal_currency_rounds_to_whole_yen(app):
    contract = make_contract(key="jp", currency="JPY", tax_rate=Decimal("10"))
    line = make_tm_line(contract, make_project(customer=contract.customer))
    make_actual(line, quantity=Decimal("1.5"), price=Decimal("18333"))  # 27499.5 → 27500
    db.session.commit()
    invoice = create_invoice("jp", InvoiceParameters(cutoff=MARCH_31))
    assert (invoice.detail_amount, invoice.total_tax, invoice.total_amount) == (
        Decimal("27500"), Decimal("2750"), Decimal("30250"))
    assert invoice_json(invoice)["total_amount"] == "30250"


def test_milestones_must_add_up_to_the_line_amount_to_be_invoiced(contract):
    fixed = contract.lines[1]
    fixed.amount = Decimal("60000.00")
    db.session.commit()
    with pytest.raises(MilestonesDoNotAddUp, match="milestones add up to 50000.00, the line "
                                                   "amount is 60000.00"):
        create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    assert create_invoice("c1", InvoiceParameters(cutoff=MARCH_31, milestones=False)).code


def test_database_refuses_a_milestone_or_product_line_on_two_open_invoices(contract):
    first = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    second = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    fixed_first, product_first = first.lines[1], first.lines[2]
    milestone_id = db.session.scalars(select(InvoiceLineDetail.milestone_id).where(
        InvoiceLineDetail.invoice_line_id == fixed_first.id)).one()
    db.session.add(InvoiceLineDetail(invoice_id=second.id, invoice_line_id=second.lines[1].id,
                                     milestone_id=milestone_id, transaction_class="milestone",
                                     amount=Decimal(0), tax=Decimal(0), extended_amount=Decimal(0)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(InvoiceLine(invoice_id=second.id, contract_line_id=product_first.contract_line_id,
                               name="Again", billing_method="product", tax_rate=Decimal(25)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_cancelled_invoice_no_longer_holds_its_items(contract):
    from app.services.lifecycle import cancel_invoice

    first = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    cancel_invoice(first.code)
    second = create_invoice("c1", InvoiceParameters(cutoff=MARCH_31))
    assert [line.billing_method for line in second.lines] == ["time_and_material", "fixed_price",
                                                              "product"]
    assert second.detail_amount == first.detail_amount
