"""Credit notes against a real database (issue 14): Correct, what should have been billed,
confirmation (numbers, billed sales, the backlog), deletion, and the database's refusals."""

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (Actual, BilledSale, ContractLine, Invoice, InvoiceLine,
                        InvoiceLineDetail, Milestone)
from app.models.users import AuditEntry
from app.services import ServiceError, editing
from app.services.corrections import (CorrectionExists, correct_invoice, correct_product_line,
                                      corrections_of, net_total, update_correction)
from app.services.exporting import invoiced_to_date
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import (InvoiceActionRefused, cancel_invoice, confirm_invoice,
                                    delete_invoice, mark_paid, refresh_invoice)
from tests.factories import (make_actual, make_contract, make_fixed_price_line,
                             make_product_line, make_project, make_tm_line)

CUTOFF = dt.date(2026, 3, 31)
APRIL = dt.date(2026, 4, 1)


def world(currency="DKK", tax_rate=D(25), price=D("950.00"), **contract):
    """A T&M line with two time actuals (7.5 h and 2 h), a fixed-price line with one
    milestone and a product line; the invoice of all of it, confirmed."""
    contract = make_contract(key="c1", currency=currency, tax_rate=tax_rate, **contract)
    project = make_project(customer=contract.customer)
    tm = make_tm_line(contract, project)
    make_fixed_price_line(contract, project, milestones=[(dt.date(2026, 3, 1), D(1000))])
    make_product_line(contract, key="p1", price=D(100))
    make_actual(tm, key="a1", price=price)
    make_actual(tm, key="a2", quantity=D(2), price=price, date=dt.date(2026, 3, 3))
    db.session.commit()
    invoice = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=APRIL)
    return confirm_invoice(invoice.code)


def rows(credit_note, **where):
    query = select(InvoiceLineDetail).where(InvoiceLineDetail.invoice_id == credit_note.id)
    for column, value in where.items():
        query = query.where(getattr(InvoiceLineDetail, column) == value)
    return db.session.scalars(query.order_by(InvoiceLineDetail.id)).all()


def detail_of(credit_note, key):
    actual = db.session.scalar(select(Actual.id).where(Actual.key == key))
    [detail] = rows(credit_note, actual_id=actual)
    return detail


def statuses():
    return (dict(db.session.execute(select(Actual.key, Actual.status)).all()),
            db.session.scalar(select(Milestone.status)),
            db.session.scalar(select(ContractLine.status).where(ContractLine.key == "p1")))


def sales_per_actual():
    """Σ billed sales (chargeable) per actual: what the customer is finally charged."""
    return dict(db.session.execute(
        select(Actual.key, func.sum(BilledSale.amount)).join(Actual, Actual.id == BilledSale.actual_id)
        .where(BilledSale.billing_type == "chargeable").group_by(Actual.key)).all())


def fresh(invoice):
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)


# ---------------------------------------------------------------- Correct

def test_correct_makes_a_draft_credit_note_crediting_everything(app):
    original = world()
    credit_note = correct_invoice(original.code, today=dt.date(2026, 4, 10))
    assert credit_note.invoice_type == "credit_note" and credit_note.state == "draft"
    assert credit_note.corrects_invoice_id == original.id and credit_note.number is None
    for field in ("contract_id", "customer_id", "currency", "tax_rate", "bill_to_name",
                  "bill_to_street", "bill_to_country", "price_list_id"):
        assert getattr(credit_note, field) == getattr(original, field)
    assert len(credit_note.lines) == len(original.lines)
    assert len(rows(credit_note)) == 3  # two actuals and the milestone
    assert all(not d.is_open for d in rows(credit_note))
    assert credit_note.total_amount == -original.total_amount
    assert credit_note.total_tax == -original.total_tax
    assert credit_note.invoice_date == dt.date(2026, 4, 10)
    assert statuses() == ({"a1": "invoice_posted", "a2": "invoice_posted"}, "invoice_posted",
                          "invoice_posted")  # nothing moves before confirmation


def test_only_confirmed_or_paid_invoices_are_corrected(app):
    original = world()
    contract = make_contract(key="c2")
    make_actual(make_tm_line(contract, make_project(customer=contract.customer)), key="b1")
    db.session.commit()
    draft = create_invoice("c2", InvoiceParameters(cutoff=CUTOFF), today=APRIL)
    with pytest.raises(InvoiceActionRefused, match="Only confirmed or paid invoices"):
        correct_invoice(draft.code)
    mark_paid(original.code, dt.date(2026, 4, 2), today=dt.date(2026, 4, 3))
    credit_note = correct_invoice(original.code)  # a paid invoice is corrected too
    confirm_invoice(credit_note.code)
    with pytest.raises(InvoiceActionRefused, match="not corrected itself"):
        correct_invoice(credit_note.code)


def test_a_second_draft_correction_is_refused(app):
    original = world()
    first = correct_invoice(original.code)
    with pytest.raises(CorrectionExists, match=first.code):
        correct_invoice(original.code)


def test_the_database_refuses_a_second_draft_correction(app):
    original = world()
    first = correct_invoice(original.code)
    values = {c: getattr(first, c) for c in (
        "invoice_type", "corrects_invoice_id", "contract_id", "customer_id", "price_list_id",
        "currency", "tax_rate", "name", "bill_to_name", "bill_to_email", "bill_to_street",
        "bill_to_postal_code", "bill_to_city", "bill_to_country", "invoice_date", "due_date",
        "cutoff_date")}
    with pytest.raises(IntegrityError, match="(?i)unique|uq_invoices_open_correction"):
        db.session.execute(insert(Invoice).values(code="PRO-999999", **values))
    db.session.rollback()
    # Confirmed, it no longer counts as the open correction.
    confirm_invoice(first.code)
    db.session.execute(insert(Invoice).values(code="PRO-999999", **values))
    db.session.rollback()


def test_an_invoice_cannot_be_a_credit_note_of_nothing(app):
    original = world()
    credit_note = correct_invoice(original.code)
    credit_note.corrects_invoice_id = None
    with pytest.raises(IntegrityError, match="credit_note_corrects_an_invoice"):
        db.session.flush()
    db.session.rollback()


# ---------------------------------------------------------------- full and partial credits

def test_full_credit_returns_every_actual_to_the_backlog_and_bills_it_again_the_same(app):
    original = world()
    lines_before = {line.contract_line_id: (line.amount, line.tax) for line in original.lines}
    credit_note = correct_invoice(original.code)
    confirmed = confirm_invoice(credit_note.code)
    assert confirmed.number == "2026-0002"  # the same gapless sequence
    assert statuses() == ({"a1": "ready", "a2": "ready"}, "ready", "ready")
    assert sales_per_actual() == {"a1": D(0), "a2": D(0)}
    # Every row posted by the credit note points at the row it corrects.
    posted = db.session.scalars(select(BilledSale).where(BilledSale.invoice_id == confirmed.id)).all()
    assert len(posted) == 4 and all(s.corrects_sale_id is not None for s in posted)
    assert net_total(fresh(original)) == 0
    again = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=dt.date(2026, 4, 20))
    assert again.total_amount == original.total_amount
    assert {line.contract_line_id: (line.amount, line.tax) for line in again.lines} == lines_before
    # The database still refuses an item on two open invoices.
    actual = db.session.scalar(select(Actual.id).where(Actual.key == "a1"))
    detail = db.session.scalars(select(InvoiceLineDetail).where(
        InvoiceLineDetail.actual_id == actual, InvoiceLineDetail.invoice_id == again.id)).one()
    clone = {c.name: getattr(detail, c.name) for c in InvoiceLineDetail.__table__.columns
             if c.name not in ("id",)}
    with pytest.raises(IntegrityError):
        db.session.execute(insert(InvoiceLineDetail).values(**clone))
    db.session.rollback()


def billed_sales_of(key):
    actual = db.session.scalar(select(Actual.id).where(Actual.key == key))
    return [(s.invoice_id, s.billing_type, s.quantity, s.price, s.amount, s.tax, s.corrects_sale_id)
            for s in db.session.scalars(select(BilledSale).where(BilledSale.actual_id == actual)
                                        .order_by(BilledSale.id))]


def test_partial_credit_of_one_time_row(app):
    original = world()
    before = billed_sales_of("a1")
    credit_note = correct_invoice(original.code)
    for detail in rows(credit_note):  # the others need no change: removed
        if detail.actual_id is None or detail.quantity != D("-7.5"):
            editing.delete_detail(credit_note.code, detail.id, detail.version)
    for line in fresh(credit_note).lines:
        if line.billing_method == "product":
            editing.remove_product_line(credit_note.code, line.id)
    credit_note = fresh(credit_note)
    detail = detail_of(credit_note, "a1")
    assert (detail.billed_quantity, detail.billed_price, detail.billed_amount, detail.billed_tax) \
        == (D("7.5"), D("950"), D("7125"), D("1781.25"))
    update_correction(credit_note.code, detail.id, detail.version, {"corrected_quantity": D(5)})
    detail = detail_of(fresh(credit_note), "a1")
    assert (detail.quantity, detail.amount, detail.tax) == (D("-2.5"), D("-2375"), D("-593.75"))
    credit_note = fresh(credit_note)
    line = next(l for l in credit_note.lines if l.billing_method == "time_and_material")
    assert (line.amount, line.tax) == (D("-2375"), D("-593.75"))
    assert (credit_note.detail_amount, credit_note.total_tax, credit_note.total_amount) == (
        D("-2375"), D("-593.75"), D("-2968.75"))
    confirm_invoice(credit_note.code)
    after = billed_sales_of("a1")
    assert statuses()[0] == {"a1": "invoice_posted", "a2": "invoice_posted"}
    assert sales_per_actual() == {"a1": D("4750"), "a2": D("1900")}
    assert after[:1] == before and after[1][1:6] == ("chargeable", D("-2.5"), D("950"),
                                                     D("-2375"), D("-593.75"))
    assert after[1][6] is not None
    # What the contract line was invoiced to date is the net amount.
    again_line = next(l for l in fresh(original).lines if l.billing_method == "time_and_material")
    later = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=dt.date(2026, 4, 20))
    assert invoiced_to_date(later)[again_line.contract_line_id] == D("7125") + D("1900") - D("2375")


def test_price_correction_on_a_row_backed_by_nothing(app):
    contract = make_contract(key="c1")
    tm = make_tm_line(contract, make_project(customer=contract.customer))
    make_actual(tm, key="a1")
    db.session.commit()
    invoice = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=APRIL)
    [line] = invoice.lines
    editing.add_detail(invoice.code, line.id, "fee", {
        "description": "Workshop", "quantity": D(3), "price": D("1200.00"), "unit": 3})
    original = confirm_invoice(invoice.code)
    credit_note = correct_invoice(original.code)
    [row] = rows(credit_note, actual_id=None)
    assert row.backing == "none"
    update_correction(credit_note.code, row.id, row.version,
                      {"corrected_quantity": D(3), "corrected_price": D("1000.00")})
    row = rows(fresh(credit_note), actual_id=None)[0]
    assert (row.quantity, row.price, row.amount, row.tax) == (D(0), D(1000), D(-600), D(-150))
    with pytest.raises(ServiceError) as refused:
        update_correction(credit_note.code, row.id, row.version, {"corrected_price": D("1200.01")})
    assert "billed price" in refused.value.errors["corrected_price"]


def test_milestone_credited_whole_returns_to_ready_and_partly_is_refused(app):
    original = world()
    credit_note = correct_invoice(original.code)
    [milestone] = rows(credit_note, transaction_class="milestone")
    with pytest.raises(ServiceError) as refused:
        update_correction(credit_note.code, milestone.id, milestone.version,
                          {"corrected_quantity": D("0.5")})
    assert "credited whole" in refused.value.errors["corrected_quantity"]
    with pytest.raises(ServiceError, match="cannot be changed"):
        update_correction(credit_note.code, milestone.id, milestone.version,
                          {"corrected_price": D(500)})
    for detail in rows(credit_note, transaction_class="time"):
        update_correction(credit_note.code, detail.id, detail.version,
                          {"corrected_quantity": detail.billed_quantity})
    for line in fresh(credit_note).lines:
        if line.billing_method == "product":
            correct_product_line(credit_note.code, line.id, line.version, line.billed_quantity)
    credit_note = fresh(credit_note)
    assert credit_note.detail_amount == D(-1000) and credit_note.total_amount == D(-1250)
    confirm_invoice(credit_note.code)
    assert statuses() == ({"a1": "invoice_posted", "a2": "invoice_posted"}, "ready",
                          "invoice_posted")


def test_product_line_credit(app):
    original = world()
    credit_note = correct_invoice(original.code)
    product = next(l for l in credit_note.lines if l.billing_method == "product")
    assert (product.billed_quantity, product.billed_amount, product.quantity, product.amount) == (
        D(2), D(200), D(-2), D(-200))
    with pytest.raises(ServiceError) as refused:
        correct_product_line(credit_note.code, product.id, product.version, D(3))
    assert "billed quantity" in refused.value.errors["corrected_quantity"]
    correct_product_line(credit_note.code, product.id, product.version, D(1))
    product = db.session.get(InvoiceLine, product.id)
    assert (product.quantity, product.amount, product.tax, product.extended_amount) == (
        D(-1), D(-100), D(-25), D(-125))
    for detail in rows(credit_note):
        editing.delete_detail(credit_note.code, detail.id, detail.version)
    assert fresh(credit_note).total_amount == D(-125)
    confirm_invoice(credit_note.code)
    assert statuses()[2] == "invoice_posted"  # partly credited: still posted
    second = correct_invoice(original.code)
    product = next(l for l in second.lines if l.billing_method == "product")
    assert (product.billed_quantity, product.billed_amount) == (D(1), D(100))
    confirm_invoice(second.code)
    assert statuses()[2] == "ready"


def test_complimentary_correction_credits_the_row_and_keeps_the_actual_posted(app):
    original = world()
    credit_note = correct_invoice(original.code)
    detail = detail_of(credit_note, "a2")
    update_correction(credit_note.code, detail.id, detail.version,
                      {"corrected_quantity": D(2), "corrected_billing_type": "complimentary"})
    detail = detail_of(fresh(credit_note), "a2")
    assert (detail.amount, detail.tax, detail.corrected_billing_type) == (
        D(-1900), D(-475), "complimentary")
    for other in rows(credit_note):
        if other.id != detail.id:
            editing.delete_detail(credit_note.code, other.id, other.version)
    for line in fresh(credit_note).lines:
        if line.billing_method == "product":
            editing.remove_product_line(credit_note.code, line.id)
    confirm_invoice(credit_note.code)
    assert statuses()[0]["a2"] == "invoice_posted"
    assert sales_per_actual()["a2"] == 0
    complimentary = db.session.scalar(select(func.sum(BilledSale.quantity)).join(
        Actual, Actual.id == BilledSale.actual_id).where(
        Actual.key == "a2", BilledSale.billing_type == "complimentary"))
    assert complimentary == D(2)


def test_jpy_credit_note_rounds_to_whole_yen(app):
    original = world(currency="JPY", tax_rate=D(10), price=D("1333"))
    credit_note = correct_invoice(original.code)
    detail = detail_of(credit_note, "a1")  # 7.5 × 1333 = 9997.5 → 9998, tax 1000
    assert (detail.billed_amount, detail.billed_tax) == (D(9998), D(1000))
    update_correction(credit_note.code, detail.id, detail.version, {"corrected_quantity": D(5)})
    detail = detail_of(fresh(credit_note), "a1")
    assert (detail.corrected_amount, detail.corrected_tax) == (D(6665), D(667))  # 666.5 → 667
    assert (detail.amount, detail.tax) == (D(-3333), D(-333))
    assert all(v == v.to_integral_value() for v in (
        fresh(credit_note).total_amount, fresh(credit_note).total_tax))


def test_discount_and_freight_invoice_credited_in_full_and_in_part(app):
    contract = make_contract(key="c1")
    tm = make_tm_line(contract, make_project(customer=contract.customer))
    make_actual(tm, key="a1", quantity=D(10), price=D(1000))
    db.session.commit()
    invoice = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF), today=APRIL)
    editing.update_header(invoice.code, invoice.version,
                          {"discount_percent": D(10), "freight_amount": D("150.00")})
    original = confirm_invoice(invoice.code)
    assert (original.discount_amount, original.total_amount) == (D(1000), D("11437.50"))
    credit_note = correct_invoice(original.code)
    assert (credit_note.detail_amount, credit_note.discount_amount, credit_note.freight_amount,
            credit_note.total_tax, credit_note.total_amount) == (
        -original.detail_amount, -original.discount_amount, -original.freight_amount,
        -original.total_tax, -original.total_amount)
    detail = detail_of(credit_note, "a1")
    update_correction(credit_note.code, detail.id, detail.version, {"corrected_quantity": D(8)})
    credit_note = editing.update_header(credit_note.code, fresh(credit_note).version,
                                        {"corrected_freight_amount": D("150.00")})
    credit_note = fresh(credit_note)
    # Corrected: 8000 − 800 discount + 150 freight; tax 2000 − 200 + 37.50.
    assert (credit_note.detail_amount, credit_note.discount_amount, credit_note.freight_amount,
            credit_note.pre_freight_amount, credit_note.total_tax, credit_note.total_amount) == (
        D(-2000), D(-200), D(0), D(-1800), D(-450), D(-2250))
    with pytest.raises(ServiceError) as refused:
        editing.update_header(credit_note.code, credit_note.version,
                              {"corrected_freight_amount": D("150.01")})
    assert "billed freight" in refused.value.errors["corrected_freight_amount"]
    with pytest.raises(ServiceError, match="cannot be changed"):
        editing.update_header(credit_note.code, credit_note.version, {"discount_percent": D(5)})
    assert confirm_invoice(credit_note.code).total_amount == D(-2250)
    assert net_total(fresh(original)) == D("9187.50")


def test_a_second_correction_starts_from_what_is_billed_now(app):
    original = world()
    first = correct_invoice(original.code)
    detail = detail_of(first, "a1")
    update_correction(first.code, detail.id, detail.version, {"corrected_quantity": D(5)})
    milestone = rows(first, transaction_class="milestone")[0]
    editing.delete_detail(first.code, milestone.id, milestone.version)
    for other in (detail_of(first, "a2"),):
        update_correction(first.code, other.id, other.version,
                          {"corrected_quantity": other.billed_quantity})
    first = confirm_invoice(first.code)  # a1 5 h; a2 unchanged; product line credited
    second = correct_invoice(original.code)
    a1 = detail_of(second, "a1")
    assert (a1.billed_quantity, a1.billed_amount, a1.billed_tax) == (D(5), D(4750), D("1187.5"))
    assert not [l for l in second.lines if l.billing_method == "product"]  # nothing left
    assert second.billed_detail_amount == original.detail_amount + first.detail_amount
    update_correction(second.code, a1.id, a1.version, {"corrected_quantity": D(0)})
    assert detail_of(fresh(second), "a1").amount == D(-4750)
    confirm_invoice(second.code)
    assert statuses()[0]["a1"] == "ready" and sales_per_actual()["a1"] == 0
    assert [c.code for c in corrections_of(fresh(original))] == [first.code, second.code]


def test_deleting_a_draft_credit_note_changes_nothing_on_the_original(app):
    original = world()
    sales = db.session.scalar(select(func.count()).select_from(BilledSale))
    before = (statuses(), original.total_amount, [(d.id, d.is_open) for d in rows(original)])
    credit_note = correct_invoice(original.code)
    delete_invoice(credit_note.code)
    original = fresh(original)
    assert (statuses(), original.total_amount, [(d.id, d.is_open) for d in rows(original)]) == before
    assert db.session.scalar(select(func.count()).select_from(BilledSale)) == sales
    assert correct_invoice(original.code).code  # and a new correction can be made


def test_a_credit_note_takes_no_new_items_and_keeps_its_billed_values(app):
    original = world()
    credit_note = correct_invoice(original.code)
    with pytest.raises(InvoiceActionRefused, match="takes no new items"):
        refresh_invoice(credit_note.code)
    detail = detail_of(credit_note, "a1")
    with pytest.raises(ServiceError, match="cannot be changed"):
        editing.update_detail(credit_note.code, detail.id, detail.version, {"tax": D(0)})
    with pytest.raises(ServiceError, match="takes no new details"):
        editing.add_detail(credit_note.code, credit_note.lines[0].id, "fee",
                           {"description": "x", "quantity": D(1)})
    with pytest.raises(InvoiceActionRefused):
        mark_paid(credit_note.code, APRIL)


def test_the_history_of_both_invoices_records_the_correction(app):
    original = world()
    credit_note = correct_invoice(original.code)
    confirmed = confirm_invoice(credit_note.code)

    def actions(code):
        return [(e.action, e.new_value) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.invoice_code == code).order_by(AuditEntry.id))]

    assert ("correct", credit_note.code) in actions(original.code)
    assert ("correction_confirmed", confirmed.number) in actions(original.code)
    assert ("create_correction", original.number) in actions(credit_note.code)
    assert ("confirm", confirmed.number) in actions(credit_note.code)


def test_a_cancelled_draft_credit_note_is_kept_and_another_can_be_made(app):
    original = world()
    credit_note = correct_invoice(original.code)
    cancelled = cancel_invoice(credit_note.code)
    assert cancelled.status == "cancelled"
    assert statuses() == ({"a1": "invoice_posted", "a2": "invoice_posted"}, "invoice_posted",
                          "invoice_posted")
    assert corrections_of(fresh(original)) == []
    assert correct_invoice(original.code).code != credit_note.code


def test_a_negative_row_starts_as_billed_and_cannot_be_credited(app):
    contract = make_contract(key="c1")
    tm = make_tm_line(contract, make_project(customer=contract.customer))
    make_actual(tm, key="a1")
    make_actual(tm, key="refund", transaction_class="expense", quantity=D(-2), price=D(50),
                description="Deposit returned")
    db.session.commit()
    original = confirm_invoice(create_invoice("c1", InvoiceParameters(cutoff=CUTOFF),
                                              today=APRIL).code)
    credit_note = correct_invoice(original.code)
    refund = detail_of(credit_note, "refund")
    assert (refund.billed_amount, refund.corrected_quantity, refund.amount) == (D(-100), D(-2), 0)
    assert credit_note.total_amount == -D("8906.25")  # only the time row is credited
    with pytest.raises(ServiceError) as refused:
        update_correction(credit_note.code, refund.id, refund.version, {"corrected_quantity": D(0)})
    assert "bill more" in str(refused.value) or "billed quantity" in str(refused.value)
    confirm_invoice(credit_note.code)
    assert statuses()[0] == {"a1": "ready", "refund": "invoice_posted"}
