"""Read queries of the invoice pages: a fixed number of statements per page, whatever the
number of lines and details. Details load a page at a time per line and billing type."""

from collections import defaultdict
from dataclasses import dataclass, field

import datetime as dt

from sqlalchemy import Select, case, func, literal, select, true, tuple_, type_coerce
from sqlalchemy.orm import aliased, joinedload, selectinload, with_expression

from app.extensions import db
from app.models import (Category, Contract, Invoice, InvoiceLine, InvoiceLineDetail, InvoiceSend,
                        Payment, Product, Resource, Role, Task, Unit)
from app.models.types import ExactDecimal

DETAIL_PAGE = 50
GROUPS = ("chargeable", "non_chargeable", "complimentary")

_SORTS = {
    "-date": (Invoice.invoice_date.desc(), Invoice.id.desc()),
    "date": (Invoice.invoice_date, Invoice.id),
    "-amount": (Invoice.total_amount.desc(), Invoice.id.desc()),
    "amount": (Invoice.total_amount, Invoice.id),
}


def invoice_list(status: str | None = None, project_invoice_status: str | None = None,
                 customer_id: int | None = None, contract_number: str | None = None,
                 invoice_type: str | None = None, sort: str = "-date") -> Select:
    """Invoices, newest first unless sorted otherwise, each with when it was last sent to
    the customer (`last_sent_at`, in the same statement)."""
    last_sent = (select(func.max(InvoiceSend.sent_at))
                 .where(InvoiceSend.invoice_id == Invoice.id, InvoiceSend.result == "sent")
                 .correlate(Invoice).scalar_subquery())
    credit_note = aliased(Invoice)
    credited = (select(func.coalesce(func.sum(credit_note.total_amount), 0))
                .where(credit_note.corrects_invoice_id == Invoice.id,
                       credit_note.project_invoice_status == "confirmed",
                       credit_note.status != "cancelled")
                .correlate(Invoice).scalar_subquery())
    paid = (select(func.coalesce(func.sum(case((Payment.kind == "payment", Payment.amount),
                                               else_=-Payment.amount)), 0))
            .where(Payment.invoice_id == Invoice.id, Payment.reversed_at.is_(None))
            .correlate(Invoice).scalar_subquery())
    # What is due by the rule of app.billing.payments.amount_due: total + credit notes'
    # totals (≤ 0) − payments + refunds (tests/web/test_invoice_list_glance.py compares).
    query = (select(Invoice)
             .options(joinedload(Invoice.contract), joinedload(Invoice.customer),
                      with_expression(Invoice.last_sent_at, last_sent),
                      with_expression(Invoice.listed_paid, type_coerce(paid, ExactDecimal)),
                      with_expression(Invoice.listed_due, type_coerce(
                          Invoice.total_amount + credited - paid, ExactDecimal)))
             .order_by(*_SORTS.get(sort, _SORTS["-date"])))
    if status:
        query = query.where(Invoice.status == status)
    if project_invoice_status:
        query = query.where(Invoice.project_invoice_status == project_invoice_status)
    if customer_id:
        query = query.where(Invoice.customer_id == customer_id)
    if invoice_type:
        query = query.where(Invoice.invoice_type == invoice_type)
    if contract_number:
        query = query.where(Invoice.contract_id == select(Contract.id).where(
            Contract.number == contract_number).scalar_subquery())
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


def _with_references(query: Select) -> Select:
    return query.options(
        joinedload(InvoiceLineDetail.task), joinedload(InvoiceLineDetail.role),
        joinedload(InvoiceLineDetail.resource), joinedload(InvoiceLineDetail.category),
        joinedload(InvoiceLineDetail.unit).joinedload(Unit.schedule),
        joinedload(InvoiceLineDetail.product))


@dataclass
class DetailPages:
    """The first page of details of every (line, billing type) and how many there are."""

    rows: dict[tuple[int, str], list[InvoiceLineDetail]] = field(
        default_factory=lambda: defaultdict(list))
    counts: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))

    def has_backed_by_nothing(self) -> bool:
        return any(d.backing == "none" for rows in self.rows.values() for d in rows)


# The order details are shown and paged in, as on the document: by date (undated first),
# then in the order they were added.
def _shown_date():
    return func.coalesce(InvoiceLineDetail.start_date, literal(dt.date.min))


def _shown_order():
    return (_shown_date(), InvoiceLineDetail.id)


def first_detail_pages(invoice: Invoice, page: int = DETAIL_PAGE) -> DetailPages:
    """One query for every group's first page and its count, so that an invoice with
    thousands of details opens as fast as a small one: each (line, billing type) of the
    invoice, counted on the index ix_invoice_line_details_line, takes its first `page`
    details with a LIMIT (a LATERAL join on PostgreSQL; on SQLite, which has none, the
    join's rowid IN the group's limited subquery) — not a window over every detail."""
    groups = (select(InvoiceLineDetail.invoice_line_id.label("line_id"),
                     InvoiceLineDetail.billing_type.label("billing_type"),
                     func.count().label("total"))
              .where(InvoiceLineDetail.invoice_line_id.in_(
                  select(InvoiceLine.id).where(InvoiceLine.invoice_id == invoice.id)))
              .group_by(InvoiceLineDetail.invoice_line_id, InvoiceLineDetail.billing_type)
              .subquery("detail_groups"))
    member = aliased(InvoiceLineDetail, name="member")
    first = (select(member.id)
             .where(member.invoice_line_id == groups.c.line_id,
                    member.billing_type == groups.c.billing_type)
             # The shown order (undated first, as _shown_order) in a form an index on
             # (invoice_line_id, billing_type, start_date, id) could serve.
             .order_by(member.start_date.asc().nulls_first(), member.id)
             .limit(page))
    if db.session.get_bind().dialect.name == "postgresql":
        firsts = first.lateral("first_page")
        query = (select(InvoiceLineDetail, groups.c.total).select_from(groups)
                 .join(firsts, true())
                 .join(InvoiceLineDetail, InvoiceLineDetail.id == firsts.c.id))
    else:
        query = (select(InvoiceLineDetail, groups.c.total).select_from(groups)
                 .join(InvoiceLineDetail,
                       InvoiceLineDetail.id.in_(first.correlate(groups).scalar_subquery())))
    pages = DetailPages()
    for detail, total in db.session.execute(_with_references(query.order_by(*_shown_order()))):
        key = (detail.invoice_line_id, detail.billing_type)
        pages.rows[key].append(detail)
        pages.counts[key] = total
    return pages


def detail_page(line: InvoiceLine, billing_type: str, after: int,
                page: int = DETAIL_PAGE) -> tuple[list[InvoiceLineDetail], int]:
    """The next page of a group after the detail `after` in the order shown (by date, then
    id), and how many follow it. An `after` that is not in the group starts nowhere: none."""
    group = (InvoiceLineDetail.invoice_line_id == line.id,
             InvoiceLineDetail.billing_type == billing_type)

    def beyond(date: dt.date | None, detail_id: int):
        return tuple_(*_shown_order()) > tuple_(literal(date or dt.date.min), literal(detail_id))

    condition = ()
    if after:
        key = db.session.execute(select(InvoiceLineDetail.start_date)
                                 .where(*group, InvoiceLineDetail.id == after)).first()
        if key is None:
            return [], 0
        condition = (beyond(key.start_date, after),)
    rows = list(db.session.scalars(_with_references(
        select(InvoiceLineDetail).where(*group, *condition)
        .order_by(*_shown_order()).limit(page))))
    remaining = 0
    if len(rows) == page:
        remaining = db.session.scalar(select(func.count()).select_from(InvoiceLineDetail)
                                      .where(*group, beyond(rows[-1].start_date, rows[-1].id)))
    return rows, remaining


def group_counts(line: InvoiceLine) -> dict[str, int]:
    """How many details the line has per billing type."""
    counts = dict(db.session.execute(
        select(InvoiceLineDetail.billing_type, func.count())
        .where(InvoiceLineDetail.invoice_line_id == line.id)
        .group_by(InvoiceLineDetail.billing_type)).all())
    return {group: counts.get(group, 0) for group in GROUPS}


def detail_with_references(detail_id: int) -> InvoiceLineDetail | None:
    return db.session.scalars(_with_references(
        select(InvoiceLineDetail).where(InvoiceLineDetail.id == detail_id))).first()


@dataclass
class References:
    """What the selects of a detail backed by nothing offer."""

    roles: list
    resources: list
    categories: list
    units: list
    products: list
    tasks: dict[int, list]  # by project id


def references(project_ids) -> References:
    """Active reference rows, by name; units with their schedule (for the option groups)."""
    def active(model):
        return list(db.session.scalars(select(model).where(model.archived.is_(False))
                                       .order_by(model.name, model.id)))
    tasks = defaultdict(list)
    for task in db.session.scalars(select(Task).where(Task.project_id.in_(set(project_ids)))
                                   .order_by(Task.name, Task.id)):
        tasks[task.project_id].append(task)
    units = list(db.session.scalars(select(Unit).options(joinedload(Unit.schedule))
                                    .order_by(Unit.schedule_id, Unit.id)))
    return References(roles=active(Role), resources=active(Resource),
                      categories=active(Category), units=units, products=active(Product),
                      tasks=tasks)
