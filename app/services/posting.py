"""What a confirmed credit note posts (issue 14), inside confirm_invoice's transaction:
billed-sales rows for its differences, each linked to the original's row it corrects, and
the items nothing is billed for any more back in the billing backlog (ready).

The values of a corrective row are read here as app.billing.corrections sees them
(`billed_of`, `fixed_of`), for the editor's use cases as much as for posting. Rows are
read as plain columns and written in bulk: a credit note of ten thousand details costs a
few statements per five hundred items.
"""

import datetime as dt

from flask_babel import ngettext
from sqlalchemy import insert, select, update

from app.billing.corrections import Billed, Corrected, fully_credited, sales_of
from app.extensions import db
from app.models import Actual, BilledSale, ContractLine, Invoice, InvoiceLine, InvoiceLineDetail, Milestone
from app.services import Conflict

CHUNK = 500  # ids per IN list (SQLite takes at most 32,766 parameters a statement)


def billed_of(row) -> Billed:
    """What a corrective detail (or product line) says was billed; `row` is the ORM row or
    a result row with the same column names."""
    if isinstance(row, InvoiceLine):
        return Billed("chargeable", row.billed_quantity, row.price, row.billed_amount,
                      row.billed_tax)
    return Billed(row.billing_type, row.billed_quantity, row.billed_price, row.billed_amount,
                  row.billed_tax)


def fixed_of(row) -> Corrected:
    """What a corrective detail (or product line) says should have been billed."""
    if isinstance(row, InvoiceLine):
        return Corrected("chargeable", row.corrected_quantity, row.price, row.corrected_amount,
                         row.corrected_tax)
    return Corrected(row.corrected_billing_type, row.corrected_quantity, row.corrected_price,
                     row.corrected_amount, row.corrected_tax)


class CreditedItemMoved(Conflict):
    """An item a credit note returns to the backlog is no longer posted on its original."""


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def post_correction(credit_note: Invoice, original: Invoice, now: dt.datetime) -> None:
    """Post the differences of a credit note being confirmed; return what it fully credits."""
    d, line = InvoiceLineDetail.__table__.c, InvoiceLine.__table__.c
    details = db.session.execute(
        select(d.id, d.corrects_detail_id, d.actual_id, d.milestone_id, d.transaction_class,
               d.start_date, d.billing_type, d.billed_quantity, d.billed_price, d.billed_amount,
               d.billed_tax, d.corrected_billing_type, d.corrected_quantity, d.corrected_price,
               d.corrected_amount, d.corrected_tax, d.invoice_line_id, line.contract_line_id)
        .join(InvoiceLine.__table__, line.id == d.invoice_line_id)
        .where(d.invoice_id == credit_note.id).order_by(d.id)).all()
    products = list(db.session.scalars(select(InvoiceLine).where(
        InvoiceLine.invoice_id == credit_note.id, InvoiceLine.billing_method == "product")))
    # The original's billed-sales row of each detail and product line it bills.
    detail_sales, line_sales = {}, {}
    for detail_id, line_id, sale_id in db.session.execute(
            select(BilledSale.detail_id, BilledSale.invoice_line_id, BilledSale.id)
            .where(BilledSale.invoice_id == original.id)):
        if detail_id is None:
            line_sales[line_id] = sale_id
        else:
            detail_sales[detail_id] = sale_id
    rows = []
    common = {"invoice_id": credit_note.id, "currency": credit_note.currency, "posted_at": now}
    for detail in details:
        for posted in sales_of(billed_of(detail), fixed_of(detail)):
            rows.append({**common, "invoice_line_id": detail.invoice_line_id,
                         "detail_id": detail.id, "contract_line_id": detail.contract_line_id,
                         "actual_id": detail.actual_id, "milestone_id": detail.milestone_id,
                         "transaction_class": detail.transaction_class,
                         "billing_type": posted.billing_type, "date": detail.start_date,
                         "quantity": posted.quantity, "price": posted.price,
                         "amount": posted.amount, "tax": posted.tax,
                         "corrects_sale_id": detail_sales.get(detail.corrects_detail_id)})
    for product in products:
        for posted in sales_of(billed_of(product), fixed_of(product)):
            rows.append({**common, "invoice_line_id": product.id, "detail_id": None,
                         "contract_line_id": product.contract_line_id, "actual_id": None,
                         "milestone_id": None, "transaction_class": None,
                         "billing_type": posted.billing_type, "date": credit_note.invoice_date,
                         "quantity": posted.quantity, "price": posted.price,
                         "amount": posted.amount, "tax": posted.tax,
                         "corrects_sale_id": line_sales.get(product.corrects_line_id)})
    if rows:
        db.session.execute(insert(BilledSale.__table__), rows)
    _return_to_backlog([row for row in details if fully_credited(fixed_of(row))],
                       [p for p in products if fully_credited(fixed_of(p))])


def _back_to_ready(model, ids: list[int]) -> int:
    """Lock the items and put the posted ones back to ready; how many were not posted."""
    moved = 0
    for chunk in _chunks(sorted(ids)):
        posted = db.session.scalars(select(model.id).where(
            model.id.in_(chunk), model.status == "invoice_posted")
            .order_by(model.id).with_for_update()).all()
        moved += len(chunk) - len(posted)
        db.session.execute(update(model).where(model.id.in_(posted)).values(status="ready"),
                           execution_options={"synchronize_session": False})
    return moved


def _close(model, ids: list[int]) -> None:
    """The original's rows stop holding their items (the partial unique indexes let a new
    invoice take them, and still refuse them on two open ones)."""
    for chunk in _chunks(sorted(ids)):
        db.session.execute(update(model).where(model.id.in_(chunk)).values(is_open=False),
                           execution_options={"synchronize_session": False})


def _return_to_backlog(details: list, products: list[InvoiceLine]) -> None:
    """What a credit note fully credits is ready to invoice again."""
    moved = (_back_to_ready(Actual, [d.actual_id for d in details if d.actual_id is not None])
             + _back_to_ready(Milestone, [d.milestone_id for d in details
                                          if d.milestone_id is not None])
             + _back_to_ready(ContractLine, [p.contract_line_id for p in products]))
    _close(InvoiceLineDetail, [d.corrects_detail_id for d in details
                               if d.actual_id is not None or d.milestone_id is not None])
    _close(InvoiceLine, [p.corrects_line_id for p in products])
    if moved:
        raise CreditedItemMoved(ngettext(
            "%(num)s item this credit note returns to the billing backlog is no longer posted "
            "on the invoice it corrects; nothing was confirmed.",
            "%(num)s items this credit note returns to the billing backlog are no longer "
            "posted on the invoice it corrects; nothing was confirmed.", moved))
