"""Payments against a real database (issue 15): partial and final payments, what is due,
reversals, Mark as paid and Reopen through payments, a credit note on a paid invoice and
its refund."""

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, Payment
from app.services import ServiceError
from app.services.corrections import correct_invoice
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import (InvoiceActionRefused, confirm_invoice, mark_paid,
                                    record_payment, reopen_paid, reverse_payment)
from app.services.payments import due_of
from tests.factories import make_actual, make_contract, make_project, make_tm_line

TODAY = dt.date(2026, 5, 1)


def confirmed(currency="DKK", price=D("950.00")):
    """7.5 h × price at 25 %: DKK 8,906.25 in all."""
    contract = make_contract(key="c1", currency=currency)
    make_actual(make_tm_line(contract, make_project(customer=contract.customer)), price=price)
    db.session.commit()
    draft = create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                           today=dt.date(2026, 4, 1))
    return confirm_invoice(draft.code)


def fresh(invoice):
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)


def pay(invoice, amount, day=dt.date(2026, 4, 10), **kw):
    return record_payment(invoice.code, D(amount), day, today=TODAY, **kw)


def test_a_partial_then_a_final_payment_make_the_invoice_paid_on_the_settling_day(app):
    invoice = confirmed()
    pay(invoice, "5000.00", reference="Bank 1")
    invoice = fresh(invoice)
    assert (invoice.state, due_of(invoice).amount) == ("confirmed", D("3906.25"))
    pay(invoice, "3906.25", dt.date(2026, 4, 20), method="card")
    invoice = fresh(invoice)
    assert (invoice.state, invoice.paid_on, due_of(invoice).amount) == (
        "paid", dt.date(2026, 4, 20), 0)


@pytest.mark.parametrize(("amount", "message"), [
    ("8906.26", "more than is due"), ("0", "above 0"), ("-1", "above 0"),
    ("1.001", "decimals")])
def test_what_cannot_be_paid_is_refused_and_nothing_is_written(app, amount, message):
    invoice = confirmed()
    with pytest.raises(ServiceError, match=message):
        pay(invoice, amount)
    assert db.session.scalars(select(Payment)).all() == []


def test_payment_dates_and_states(app):
    invoice = confirmed()
    with pytest.raises(ServiceError, match="before the invoice date"):
        pay(invoice, "1.00", dt.date(2026, 3, 31))
    with pytest.raises(ServiceError, match="in the future"):
        pay(invoice, "1.00", dt.date(2026, 5, 2))
    contract = make_contract(key="c2")
    make_actual(make_tm_line(contract, make_project(customer=contract.customer)))
    db.session.commit()
    draft = create_invoice("c2", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
    with pytest.raises(InvoiceActionRefused, match="only on confirmed or paid"):
        pay(draft, "1.00")


def test_a_reversal_keeps_the_payment_and_reopens_the_invoice(app):
    invoice = confirmed()
    payment = pay(invoice, "8906.25")
    assert fresh(invoice).state == "paid"
    reverse_payment(invoice.code, payment.id, "Paid another invoice")
    invoice = fresh(invoice)
    assert (invoice.state, invoice.paid_on, due_of(invoice).amount) == (
        "confirmed", None, D("8906.25"))
    kept = db.session.get(Payment, payment.id)
    assert kept.is_reversed and kept.reversal_reason == "Paid another invoice"
    with pytest.raises(ServiceError, match="already reversed"):
        reverse_payment(invoice.code, payment.id, "again")


def test_mark_as_paid_records_the_payment_of_what_is_due_and_reopen_reverses_it(app):
    invoice = confirmed()
    pay(invoice, "1000.00")
    mark_paid(invoice.code, dt.date(2026, 4, 15), "Bank 9", today=TODAY)
    invoice = fresh(invoice)
    assert (invoice.state, invoice.paid_on, invoice.payment_reference) == (
        "paid", dt.date(2026, 4, 15), "Bank 9")
    amounts = [(p.amount, p.reference) for p in db.session.scalars(
        select(Payment).order_by(Payment.id))]
    assert amounts == [(D("1000.00"), None), (D("7906.25"), "Bank 9")]
    reopen_paid(invoice.code, "Marked by mistake")
    invoice = fresh(invoice)
    assert (invoice.state, due_of(invoice).amount) == ("confirmed", D("8906.25"))
    assert all(p.is_reversed for p in db.session.scalars(select(Payment)))


def test_a_credit_note_on_a_paid_invoice_leaves_a_refund_due_until_it_is_refunded(app):
    invoice = confirmed()
    pay(invoice, "8906.25")
    confirm_invoice(correct_invoice(invoice.code).code)  # a full credit
    invoice = fresh(invoice)
    due = due_of(invoice)
    assert (invoice.state, due.amount, due.refund) == ("paid", D("-8906.25"), D("8906.25"))
    with pytest.raises(ServiceError, match="more than the refund"):
        pay(invoice, "8906.26", kind="refund")
    pay(invoice, "8906.25", dt.date(2026, 4, 30), kind="refund")
    assert due_of(fresh(invoice)).settled


def test_a_full_credit_of_a_partly_paid_invoice_leaves_what_was_paid_to_refund(app):
    invoice = confirmed()
    pay(invoice, "5000.00")
    confirm_invoice(correct_invoice(invoice.code).code)
    invoice = fresh(invoice)
    assert invoice.state == "paid" and due_of(invoice).refund == D("5000.00")


def test_jpy_payments_are_whole_yen(app):
    invoice = confirmed("JPY", D("1333"))  # 7.5 × 1,333 = 9,998 + 2,500 tax
    total = fresh(invoice).total_amount
    with pytest.raises(ServiceError, match="decimals"):
        pay(invoice, "0.5")
    pay(invoice, str(total))
    assert fresh(invoice).state == "paid"


def test_a_credit_note_takes_no_payment(app):
    invoice = confirmed()
    credit_note = confirm_invoice(correct_invoice(invoice.code).code)
    with pytest.raises(InvoiceActionRefused, match="not paid like an invoice"):
        pay(credit_note, "1.00")
