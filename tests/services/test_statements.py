"""Bank statements against a real database (issue 15): a CAMT.053 and a CSV statement
uploaded, matched to open invoices (exact, partial, by amount, none) and booked as payments;
the same file twice, an overlapping file, a line booked twice, all-or-nothing booking, and a
reversed payment opening its line again."""

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import BankStatement, Invoice, Payment, StatementLine
from app.services import Conflict, ServiceError
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice, reverse_payment
from app.services.payments import due_of
from app.services.statement_files import StatementFileRefused
from app.services.statements import book_statement, proposals, upload_statement
from tests.factories import make_actual, make_contract, make_project, make_tm_line
from tests.services.statement_samples import camt_02

TODAY = dt.date(2026, 5, 1)


def confirmed(key, price):
    """7.5 h × price at 25 %: 950.00 → 8,906.25, 100.00 → 937.50, 200.00 → 1,875.00."""
    contract = make_contract(key=key)
    make_actual(make_tm_line(contract, make_project(customer=contract.customer)), price=D(price))
    db.session.commit()
    draft = create_invoice(key, InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                           today=dt.date(2026, 4, 1))
    return confirm_invoice(draft.code)


def fresh(invoice):
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (BankStatement, StatementLine, Payment))


def upload(data, name="statement.xml"):
    return upload_statement(name, data, uploaded_by="tester@example.com")


def by_position(review):
    return {row.line.position: row for row in review.lines}


def test_a_camt_statement_is_matched_and_booked(app):
    big, small = confirmed("c1", "950.00"), confirmed("c2", "100.00")
    uploaded = upload(camt_02(amount1="8906.25", ref1=big.number, amount2="500.00",
                              ref2=f"Faktura {small.number}"))
    assert (uploaded.new_lines, uploaded.known_lines, uploaded.debits_skipped) == (2, 0, 2)
    rows = by_position(proposals(uploaded.statement_id))
    assert (rows[1].match.kind, rows[1].match.invoice) == ("exact", big.code)
    assert (rows[2].match.kind, rows[2].match.invoice) == ("partial", small.code)
    result = book_statement(uploaded.statement_id, {rows[1].line.id: big.code,
                                                    rows[2].line.id: small.code}, today=TODAY)
    assert (result.booked, result.skipped) == (2, 0)
    big, small = fresh(big), fresh(small)
    assert (big.status, big.paid_on) == ("paid", dt.date(2026, 4, 10))
    assert big.payment_reference == "DK-20260410-0001"
    assert (small.status, due_of(small).amount) == ("active", D("437.50"))
    payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert [(p.amount, p.method, p.statement_line_id) for p in payments] == [
        (D("8906.25"), "bank_transfer", rows[1].line.id),
        (D("500.00"), "bank_transfer", rows[2].line.id)]
    lines = db.session.scalars(select(StatementLine).order_by(StatementLine.position)).all()
    assert [line.status for line in lines] == ["booked", "booked"]
    again = by_position(proposals(uploaded.statement_id))
    assert again[1].booked_to == big.number


def test_a_csv_statement_by_amount_none_and_skipped(app):
    invoice = confirmed("c1", "200.00")  # 1,875.00
    over = confirmed("c2", "100.00")  # 937.50
    data = ("Date;Amount;Currency;Reference;Name\n"
            "2026-04-12;1875,00;DKK;Thank you;Kunde A/S\n"
            "12.04.2026;77,00;DKK;Unknown;Someone\n"
            f"13-04-2026;1000,00;DKK;{over.number};Kunde B\n"
            "2026-04-13;-20,00;DKK;Fee;Bank\n").encode()
    uploaded = upload(data, "bank.csv")
    assert (uploaded.new_lines, uploaded.debits_skipped) == (3, 1)
    rows = by_position(proposals(uploaded.statement_id))
    assert [(rows[p].match.kind, rows[p].match.invoice) for p in (1, 2, 3)] == [
        ("amount", invoice.code), ("none", None), ("over", over.code)]
    book_statement(uploaded.statement_id, {rows[1].line.id: invoice.number,
                                           rows[2].line.id: None}, today=TODAY)
    invoice = fresh(invoice)
    assert (invoice.status, invoice.paid_on) == ("paid", dt.date(2026, 4, 12))
    statuses = dict(db.session.execute(select(StatementLine.position, StatementLine.status)).all())
    assert statuses == {1: "booked", 2: "skipped", 3: "open"}
    # The over-payment is refused by the payment rule, naming its line.
    with pytest.raises(ServiceError, match="Line 3: that is more than is due"):
        book_statement(uploaded.statement_id, {rows[3].line.id: over.code}, today=TODAY)


def test_the_same_file_twice_changes_nothing_and_an_overlap_adds_only_new_lines(app):
    invoice = confirmed("c1", "950.00")
    data = camt_02(ref1=invoice.number)
    first = upload(data)
    before = counts()
    again = upload(data, "renamed.xml")
    assert (again.statement_id, again.again, again.new_lines) == (first.statement_id, True, 0)
    assert counts() == before
    # A later statement repeating entry 0003 with a new one.
    overlap = camt_02(ref1=invoice.number).replace(b"DK-20260410-0001", b"DK-20260411-0009")
    second = upload(overlap)
    assert (second.new_lines, second.known_lines) == (1, 1)
    assert counts() == (before[0] + 1, before[1] + 1, before[2])


def test_a_line_is_booked_once(app):
    invoice, other = confirmed("c1", "950.00"), confirmed("c2", "100.00")
    uploaded = upload(camt_02(ref1=invoice.number, amount2="100.00", ref2=other.number))
    rows = by_position(proposals(uploaded.statement_id))
    line_id = rows[2].line.id
    book_statement(uploaded.statement_id, {line_id: other.code}, today=TODAY)
    with pytest.raises(Conflict, match="Line 2: it was booked already"):
        book_statement(uploaded.statement_id, {line_id: other.code}, today=TODAY)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_the_database_refuses_a_second_standing_payment_of_one_line(app):
    invoice = confirmed("c1", "950.00")
    uploaded = upload(camt_02(ref1=invoice.number))
    line = by_position(proposals(uploaded.statement_id))[1].line
    book_statement(uploaded.statement_id, {line.id: invoice.code}, today=TODAY)
    db.session.add(Payment(invoice_id=invoice.id, kind="payment", date=dt.date(2026, 4, 10),
                           amount=D("1.00"), recorded_by="test", statement_line_id=line.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_refusal_in_one_line_books_none_of_the_others(app):
    invoice, small = confirmed("c1", "950.00"), confirmed("c2", "100.00")
    uploaded = upload(camt_02(ref1=invoice.number, amount2="5000.00", ref2=small.number))
    rows = by_position(proposals(uploaded.statement_id))
    with pytest.raises(ServiceError) as refused:
        book_statement(uploaded.statement_id, {rows[1].line.id: invoice.code,
                                               rows[2].line.id: small.code}, today=TODAY)
    assert list(refused.value.errors) == [f"line-{rows[2].line.id}"]
    assert "more than is due" in str(refused.value)
    db.session.expire_all()
    assert db.session.scalars(select(Payment)).all() == []
    assert {line.status for line in db.session.scalars(select(StatementLine))} == {"open"}
    assert fresh(invoice).status == "active"


def test_a_booking_date_in_the_future_or_another_currency_is_refused(app):
    invoice = confirmed("c1", "950.00")
    uploaded = upload(camt_02(ref1=invoice.number))
    line = by_position(proposals(uploaded.statement_id))[1].line
    with pytest.raises(ServiceError, match="in the future"):
        book_statement(uploaded.statement_id, {line.id: invoice.code},
                       today=dt.date(2026, 4, 9))
    euro = upload(camt_02(ref1=invoice.number, ccy="EUR").replace(b"DK-2026", b"EU-2026"))
    eur_line = by_position(proposals(euro.statement_id))[1]
    assert eur_line.match.kind == "none"
    with pytest.raises(ServiceError, match="in EUR"):
        book_statement(euro.statement_id, {eur_line.line.id: invoice.code}, today=TODAY)


def test_reversing_a_booked_payment_opens_its_line_again(app):
    invoice = confirmed("c1", "950.00")
    uploaded = upload(camt_02(ref1=invoice.number))
    line = by_position(proposals(uploaded.statement_id))[1].line
    book_statement(uploaded.statement_id, {line.id: invoice.code}, today=TODAY)
    payment = db.session.scalars(select(Payment)).one()
    reverse_payment(invoice.code, payment.id, "Paid by another customer")
    db.session.expire_all()
    assert db.session.get(StatementLine, line.id).status == "open"
    assert fresh(invoice).status == "active"
    row = by_position(proposals(uploaded.statement_id))[1]
    assert (row.match.kind, row.match.invoice) == ("exact", invoice.code)
    book_statement(uploaded.statement_id, {line.id: invoice.code}, today=TODAY)
    assert fresh(invoice).status == "paid"


def test_a_bad_file_writes_nothing(app):
    with pytest.raises(StatementFileRefused):
        upload(b"date,amount,currency,reference\n2026-04-10,abc,DKK,x\n", "bad.csv")
    assert counts() == (0, 0, 0)
