"""Receivables (issue 15): every confirmed invoice the customer still owes money on, with
what is due computed in SQL for the whole list — one statement for the totals per currency
and due date, one for the page — whatever the number of invoices and payments."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import BigInteger, ColumnElement, Select, case, cast, func, select, type_coerce

from app.billing.payments import AGEING_BUCKETS, ageing_bucket, days_overdue
from app.extensions import db
from app.models import Contract, Customer, Invoice, Payment
from app.models.types import ExactDecimal

def _whole(total):
    """A sum of money columns as the integer they store (value × 10^4): PostgreSQL's SUM of
    a bigint is NUMERIC, and the amount due is then computed in slower NUMERIC arithmetic."""
    return cast(total, BigInteger)


def _credit_notes():
    """Σ total (≤ 0) of each invoice's confirmed credit notes, by the invoice they correct
    (as app.services.payments.credited)."""
    return (select(Invoice.corrects_invoice_id.label("invoice_id"),
                   _whole(func.sum(Invoice.total_amount)).label("credited"))
            .where(Invoice.corrects_invoice_id.is_not(None),
                   Invoice.project_invoice_status == "confirmed",
                   Invoice.status != "cancelled")
            .group_by(Invoice.corrects_invoice_id).subquery("credit_notes"))


def _received():
    """Σ standing payments and Σ standing refunds of each invoice (a reversed one counts for
    nothing, as in app.billing.payments.amount_due)."""
    standing = Payment.reversed_at.is_(None)

    def of_kind(kind: str):
        return _whole(func.sum(case((Payment.kind == kind, Payment.amount), else_=0)))

    return (select(Payment.invoice_id, of_kind("payment").label("paid"),
                   of_kind("refund").label("refunded"))
            .where(standing).group_by(Payment.invoice_id).subquery("received"))


@dataclass(frozen=True)
class DueColumns:
    """The SQL of what an invoice is owed, over `source` (the invoices joined, outer, to the
    sums of their credit notes and payments): `credited` ≤ 0, `paid` net of refunds, `due`."""

    source: object
    credited: ColumnElement
    paid: ColumnElement
    due: ColumnElement


def due_columns() -> DueColumns:
    """The amount due as one SQL expression — the rule of app.billing.payments.amount_due:
    total + Σ confirmed credit notes' totals (≤ 0) − Σ standing payments + Σ standing refunds.

    The sums are grouped once per table and joined (outer) by invoice, rather than summed in
    correlated subqueries: credit notes are found by `corrects_invoice_id`, which has no index
    of its own, and the list needs the amount of every invoice to keep those with one due.
    tests/web/test_receivables.py checks it against app.services.payments.due_of.
    """
    credit_notes, received = _credit_notes(), _received()
    source = (Invoice.__table__
              .outerjoin(credit_notes, credit_notes.c.invoice_id == Invoice.id)
              .outerjoin(received, received.c.invoice_id == Invoice.id))
    credited = type_coerce(func.coalesce(credit_notes.c.credited, 0), ExactDecimal)
    paid_in = type_coerce(func.coalesce(received.c.paid, 0), ExactDecimal)
    refunded = type_coerce(func.coalesce(received.c.refunded, 0), ExactDecimal)
    due = type_coerce(Invoice.total_amount + credited - paid_in + refunded, ExactDecimal)
    return DueColumns(source, credited, type_coerce(paid_in - refunded, ExactDecimal), due)


def bucket_range(bucket: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The due dates (from, to; None: open) of the invoices in an ageing bucket today.

    Read off app.billing.payments.ageing_bucket itself, day by day over the bounded buckets,
    so that the filter and the bucket each row shows can never disagree."""
    if bucket not in AGEING_BUCKETS:
        raise ValueError(f"Unknown ageing bucket: {bucket!r}")
    horizon = 366  # far past the last bucket's lower bound (over 90 days)
    late = [days for days in range(horizon + 1)
            if ageing_bucket(today - dt.timedelta(days=days), today) == bucket]
    earliest = None if late[-1] == horizon else today - dt.timedelta(days=late[-1])
    latest = None if late[0] == 0 else today - dt.timedelta(days=late[0])
    return earliest, latest


@dataclass(frozen=True)
class ReceivablesFilter:
    """Which receivables to show; None means no restriction."""

    today: dt.date
    customer_id: int | None = None
    currency: str | None = None
    bucket: str | None = None
    sort: str = "overdue"


def _conditions(flt: ReceivablesFilter, columns: DueColumns) -> list:
    """Confirmed invoices (not credit notes, not cancelled) with something still owed; a
    refund due (a credit note on a paid invoice) is money going the other way: not here."""
    conditions = [Invoice.invoice_type == "invoice", Invoice.project_invoice_status == "confirmed",
                  Invoice.status.in_(("active", "paid")), columns.due > 0]
    if flt.customer_id:
        conditions.append(Invoice.customer_id == flt.customer_id)
    if flt.currency:
        conditions.append(Invoice.currency == flt.currency)
    if flt.bucket:
        earliest, latest = bucket_range(flt.bucket, flt.today)
        if earliest:
            conditions.append(Invoice.due_date >= earliest)
        if latest:
            conditions.append(Invoice.due_date <= latest)
    return conditions


@dataclass(frozen=True)
class Receivable:
    """One invoice of the list and what it is owed, days overdue and ageing bucket as of
    the filter's today."""

    id: int
    code: str
    number: str
    customer_id: int
    customer: str
    currency: str
    invoice_date: dt.date
    due_date: dt.date
    total: Decimal
    credited: Decimal
    paid: Decimal
    due: Decimal
    days_overdue: int
    bucket: str

    @property
    def partly_paid(self) -> bool:
        return self.paid > 0


def receivables(flt: ReceivablesFilter) -> Select:
    """The receivables, most overdue first (by customer first when sorted so), as rows."""
    columns = due_columns()
    order = (Invoice.due_date, Invoice.id)
    if flt.sort == "customer":
        order = (Customer.name, Invoice.customer_id, *order)
    return (select(Invoice.id, Invoice.code, Invoice.number, Invoice.customer_id,
                   Customer.name.label("customer"), Invoice.currency, Invoice.invoice_date,
                   Invoice.due_date, Invoice.total_amount.label("total"),
                   columns.credited.label("credited"), columns.paid.label("paid"),
                   columns.due.label("due"))
            .select_from(columns.source).join(Customer, Customer.id == Invoice.customer_id)
            .where(*_conditions(flt, columns)).order_by(*order))


def _receivable(row, today: dt.date) -> Receivable:
    return Receivable(**row._mapping, days_overdue=days_overdue(row.due_date, today),
                      bucket=ageing_bucket(row.due_date, today))


class _Page(Pagination):
    """A page of receivables as rows (db.paginate reads only an entity's first column), its
    count given: the totals counted them already."""

    def _query_items(self) -> list:
        flt = self._query_args["flt"]
        query = receivables(flt).limit(self.per_page).offset(self._query_offset)
        return [_receivable(row, flt.today) for row in db.session.execute(query)]

    def _query_count(self) -> int:
        return self._query_args["total"]


def receivables_page(flt: ReceivablesFilter, total: int, page: int,
                     per_page: int) -> Pagination:
    """One page of receivables; `total` (how many match) comes from the totals."""
    return _Page(page=page, per_page=per_page, error_out=False, flt=flt, total=total)


def every_receivable(flt: ReceivablesFilter) -> Iterator[Receivable]:
    """Every receivable the filter keeps, in the list's order (the CSV export)."""
    for row in db.session.execute(receivables(flt).execution_options(yield_per=1000)):
        yield _receivable(row, flt.today)


@dataclass
class CurrencyTotals:
    """What is due in one currency, per ageing bucket and in all."""

    currency: str
    buckets: dict[str, Decimal] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    count: int = 0


def totals(flt: ReceivablesFilter) -> list[CurrencyTotals]:
    """Σ amount due per currency and ageing bucket, never across currencies: summed in SQL
    per currency and due date, each due date put in its bucket by the rule."""
    columns = due_columns()
    rows = db.session.execute(
        select(Invoice.currency, Invoice.due_date, func.count().label("count"),
               type_coerce(func.sum(columns.due), ExactDecimal).label("due"))
        .select_from(columns.source).where(*_conditions(flt, columns))
        .group_by(Invoice.currency, Invoice.due_date))
    found: dict[str, CurrencyTotals] = {}
    for row in rows:
        entry = found.setdefault(row.currency, CurrencyTotals(
            row.currency, dict.fromkeys(AGEING_BUCKETS, Decimal(0)),
            dict.fromkeys(AGEING_BUCKETS, 0)))
        bucket = ageing_bucket(row.due_date, flt.today)
        entry.buckets[bucket] += row.due
        entry.counts[bucket] += row.count
        entry.total += row.due
        entry.count += row.count
    return [found[currency] for currency in sorted(found)]


def receivable_currencies() -> list[str]:
    """The currencies invoices can be in (the currency filter's choices): those of the
    contracts, which each invoice takes its currency from — a small table, not the invoices."""
    return list(db.session.scalars(select(Contract.currency).distinct()
                                   .order_by(Contract.currency)))
