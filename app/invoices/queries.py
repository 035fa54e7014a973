"""Read queries of the invoice pages: a fixed number of statements per page, whatever the
number of lines and details."""

from collections import defaultdict

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceLineDetail


def invoice_list(status: str | None = None, project_invoice_status: str | None = None,
                 customer_id: int | None = None) -> Select:
    """Invoices, newest first."""
    query = (select(Invoice)
             .options(joinedload(Invoice.contract), joinedload(Invoice.customer))
             .order_by(Invoice.invoice_date.desc(), Invoice.id.desc()))
    if status:
        query = query.where(Invoice.status == status)
    if project_invoice_status:
        query = query.where(Invoice.project_invoice_status == project_invoice_status)
    if customer_id:
        query = query.where(Invoice.customer_id == customer_id)
    return query


def invoice_by_code(code: str) -> Invoice | None:
    """The invoice with this Invoice ID (PRO-000042), its header references and lines."""
    return db.session.scalars(
        select(Invoice).where(Invoice.code == code)
        .options(joinedload(Invoice.contract), joinedload(Invoice.customer),
                 joinedload(Invoice.price_list),
                 selectinload(Invoice.lines).options(joinedload(InvoiceLine.project),
                                                     joinedload(InvoiceLine.product)))
    ).first()


def details_by_line(invoice: Invoice) -> dict[int, dict[str, list[InvoiceLineDetail]]]:
    """The invoice's details in one query, by line and then by billing type."""
    details = db.session.scalars(
        select(InvoiceLineDetail).where(InvoiceLineDetail.invoice_id == invoice.id)
        .options(joinedload(InvoiceLineDetail.task), joinedload(InvoiceLineDetail.role),
                 joinedload(InvoiceLineDetail.resource), joinedload(InvoiceLineDetail.category),
                 joinedload(InvoiceLineDetail.unit), joinedload(InvoiceLineDetail.product))
        .order_by(InvoiceLineDetail.start_date, InvoiceLineDetail.id))
    grouped: dict[int, dict[str, list[InvoiceLineDetail]]] = defaultdict(lambda: defaultdict(list))
    for detail in details:
        grouped[detail.invoice_line_id][detail.billing_type].append(detail)
    return grouped
