"""What a confirmed credit note posts (issue 14), inside confirm_invoice's transaction:
billed-sales rows for its differences, each linked to the original's row it corrects, and
the items nothing is billed for any more back in the billing backlog (ready).

The values of a corrective row are read here as app.billing.corrections sees them
(`billed_of`, `fixed_of`), for the editor's use cases as much as for posting.
"""

import datetime as dt

from flask_babel import ngettext
from sqlalchemy import insert, select, update

from app.billing.corrections import Billed, Corrected, fully_credited, sales_of
from app.extensions import db
from app.models import Actual, BilledSale, ContractLine, Invoice, InvoiceLine, InvoiceLineDetail, Milestone
from app.services import Conflict


def billed_of(row: InvoiceLineDetail | InvoiceLine) -> Billed:
    """What a corrective detail (or product line) says was billed."""
    if isinstance(row, InvoiceLine):
        return Billed("chargeable", row.billed_quantity, row.price, row.billed_amount,
                      row.billed_tax)
    return Billed(row.billing_type, row.billed_quantity, row.billed_price, row.billed_amount,
                  row.billed_tax)


def fixed_of(row: InvoiceLineDetail | InvoiceLine) -> Corrected:
    """What a corrective detail (or product line) says should have been billed."""
    if isinstance(row, InvoiceLine):
        return Corrected("chargeable", row.corrected_quantity, row.price, row.corrected_amount,
                         row.corrected_tax)
    return Corrected(row.corrected_billing_type, row.corrected_quantity, row.corrected_price,
                     row.corrected_amount, row.corrected_tax)


class CreditedItemMoved(Conflict):
    """An item a credit note returns to the backlog is no longer posted on its original."""


def post_correction(credit_note: Invoice, original: Invoice, now: dt.datetime) -> None:
    """Post the differences of a credit note being confirmed; return what it fully credits."""
    details = list(db.session.scalars(
        select(InvoiceLineDetail).where(InvoiceLineDetail.invoice_id == credit_note.id)
        .order_by(InvoiceLineDetail.id)))
    lines = list(db.session.scalars(
        select(InvoiceLine).where(InvoiceLine.invoice_id == credit_note.id)))
    products = [line for line in lines if line.billing_method == "product"]
    by_line = {line.id: line for line in lines}
    # The original's billed-sales row of each corrected detail and product line.
    detail_sales = dict(db.session.execute(
        select(BilledSale.detail_id, BilledSale.id).where(
            BilledSale.invoice_id == original.id,
            BilledSale.detail_id.in_([d.corrects_detail_id for d in details]))).all()) \
        if details else {}
    line_sales = dict(db.session.execute(
        select(BilledSale.invoice_line_id, BilledSale.id).where(
            BilledSale.invoice_id == original.id, BilledSale.detail_id.is_(None),
            BilledSale.invoice_line_id.in_([line.corrects_line_id for line in products])
        )).all()) if products else {}
    rows = []
    common = {"invoice_id": credit_note.id, "currency": credit_note.currency, "posted_at": now}
    for detail in details:
        line = by_line[detail.invoice_line_id]
        for sale in sales_of(billed_of(detail), fixed_of(detail)):
            rows.append({**common, "invoice_line_id": line.id, "detail_id": detail.id,
                         "contract_line_id": line.contract_line_id, "actual_id": detail.actual_id,
                         "milestone_id": detail.milestone_id,
                         "transaction_class": detail.transaction_class,
                         "billing_type": sale.billing_type, "date": detail.start_date,
                         "quantity": sale.quantity, "price": sale.price, "amount": sale.amount,
                         "tax": sale.tax,
                         "corrects_sale_id": detail_sales.get(detail.corrects_detail_id)})
    for line in products:
        for sale in sales_of(billed_of(line), fixed_of(line)):
            rows.append({**common, "invoice_line_id": line.id, "detail_id": None,
                         "contract_line_id": line.contract_line_id, "actual_id": None,
                         "milestone_id": None, "transaction_class": None,
                         "billing_type": sale.billing_type, "date": credit_note.invoice_date,
                         "quantity": sale.quantity, "price": sale.price, "amount": sale.amount,
                         "tax": sale.tax, "corrects_sale_id": line_sales.get(line.corrects_line_id)})
    if rows:
        db.session.execute(insert(BilledSale), rows)
    _return_to_backlog(
        [d for d in details if fully_credited(fixed_of(d))],
        [line for line in products if fully_credited(fixed_of(line))])


def _return_to_backlog(details: list[InvoiceLineDetail], products: list[InvoiceLine]) -> None:
    """What a credit note fully credits is ready to invoice again: its item's status goes
    back to ready and the original's detail (or product line) stops holding it, so the
    partial unique indexes let a new invoice take it — and refuse it on two open ones."""
    moved = 0
    for model, column in ((Actual, "actual_id"), (Milestone, "milestone_id")):
        ids = sorted(getattr(d, column) for d in details if getattr(d, column) is not None)
        if not ids:
            continue
        posted = db.session.scalars(select(model.id).where(
            model.id.in_(ids), model.status == "invoice_posted")
            .order_by(model.id).with_for_update()).all()
        moved += len(ids) - len(posted)
        db.session.execute(update(model).where(model.id.in_(posted)).values(status="ready"),
                           execution_options={"synchronize_session": False})
    originals = [d.corrects_detail_id for d in details if d.backing != "none"]
    if originals:
        db.session.execute(update(InvoiceLineDetail).where(InvoiceLineDetail.id.in_(originals))
                           .values(is_open=False),
                           execution_options={"synchronize_session": False})
    if products:
        ids = sorted(line.contract_line_id for line in products)
        posted = db.session.scalars(select(ContractLine.id).where(
            ContractLine.id.in_(ids), ContractLine.status == "invoice_posted")
            .order_by(ContractLine.id).with_for_update()).all()
        moved += len(ids) - len(posted)
        db.session.execute(update(ContractLine).where(ContractLine.id.in_(posted))
                           .values(status="ready"),
                           execution_options={"synchronize_session": False})
        db.session.execute(update(InvoiceLine).where(
            InvoiceLine.id.in_([line.corrects_line_id for line in products]))
            .values(is_open=False), execution_options={"synchronize_session": False})
    if moved:
        raise CreditedItemMoved(ngettext(
            "%(num)s item this credit note returns to the billing backlog is no longer posted "
            "on the invoice it corrects; nothing was confirmed.",
            "%(num)s items this credit note returns to the billing backlog are no longer "
            "posted on the invoice it corrects; nothing was confirmed.", moved))
