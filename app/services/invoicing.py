"""Creating invoices from a contract and keeping their totals (SPEC 5.1, 5.6, 6)."""

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, func, insert, literal, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from app.billing.enums import EDITABLE_STATES, NOT_AVAILABLE, TRANSACTION_CLASSES
from app.billing.corrections import correction_header
from app.billing.milestones import milestone_gap
from app.billing.money import as_money, plain
from app.billing.totals import (AmountTooLarge, DetailValues, LineTotals, header_totals,
                                line_totals_after, line_totals_of_sums, product_line_totals)
from app.billing.values import MAX_AMOUNT
from app.extensions import db
from app.models import (Actual, Contract, ContractLine, Invoice, InvoiceLine, InvoiceLineDetail,
                        Milestone)
from app.services import Conflict, NotFound, ServiceError, audit, find_one, use_case
from app.services.numbering import next_invoice_code
from app.terms import FIELD_LABELS

PAYMENT_TERMS_DAYS = 30


class ContractNotFound(NotFound):
    pass


@dataclass(frozen=True)
class InvoiceParameters:
    """What a manual invoice takes (SPEC 5.1): items dated on or before the cut-off."""

    cutoff: dt.date
    classes: frozenset[str] = field(default_factory=lambda: frozenset(TRANSACTION_CLASSES))
    milestones: bool = True
    products: bool = True


def find_contract(ref: str, *, lock: bool = False) -> Contract:
    """A contract by its number or the key it was imported with."""
    return find_one(select(Contract).where(or_(Contract.number == ref, Contract.key == ref)),
                    ContractNotFound(_("unknown contract '%(ref)s'", ref=ref)), lock=lock)


class MilestonesDoNotAddUp(ServiceError):
    pass


def amount_refusal(error: AmountTooLarge, field: str | None = None) -> ServiceError:
    """The refusal of a computed amount beyond MAX_AMOUNT, naming the amount and the limit
    (next to `field` on a form)."""
    return _beyond_limit(error.field, field)


def _beyond_limit(amount: str, field: str | None = None) -> ServiceError:
    return ServiceError(_("%(what)s would be more than %(limit)s, the largest amount that can "
                          "be stored.", what=FIELD_LABELS.get(amount, amount),
                          limit=plain(MAX_AMOUNT)), field=field)


@use_case
def create_invoice(contract_ref: str, params: InvoiceParameters, *,
                   today: dt.date | None = None, previewed: str | None = None,
                   despite_open_drafts: bool = True) -> Invoice:
    """Create a draft invoice for a contract with every ready item up to the cut-off.

    One invoice line per T&M and fixed-price line, even with no items; product lines
    only when ready. Items move to invoice_created in the same transaction.

    `previewed` is the fingerprint of what the wizard showed (`fingerprint`): when what
    would be invoiced now differs, PreviewOutdated says what changed and nothing is
    created. With `despite_open_drafts` False, an open draft of the contract refuses
    (OpenDraftExists) until the person confirms a second one.
    """
    # The contract row lock queues concurrent creators for one contract; the partial
    # unique indexes on details refuse a double placement whatever happens. Both checks
    # run under it, so that nothing can change between them and the writing.
    contract = find_contract(contract_ref, lock=True)
    if previewed is not None:
        check_preview(contract, params, previewed)
    if not despite_open_drafts:
        _check_no_open_draft(contract)
    invoice = build_invoice(contract, params, today or dt.date.today())
    audit.record(invoice.code, "create", field="cutoff_date", new=params.cutoff)
    return invoice


def build_invoice(contract: Contract, params: InvoiceParameters, today: dt.date, *,
                  tm_line_ids: set[int] | None = None) -> Invoice:
    """Write a draft invoice with its lines and items, without committing.

    tm_line_ids limits the time-and-material lines (a scheduled run takes the due ones).
    """
    if params.milestones:
        _check_milestones_add_up(contract)
    customer = contract.customer
    invoice = Invoice(
        code=next_invoice_code(), contract=contract, customer=customer,
        price_list_id=contract.price_list_id, currency=contract.currency,
        opportunity=contract.opportunity, tax_rate=contract.tax_rate, name=contract.name,
        bill_to_name=customer.name, bill_to_email=customer.email, bill_to_street=customer.street,
        bill_to_postal_code=customer.postal_code, bill_to_city=customer.city,
        bill_to_country=customer.country, invoice_date=today,
        due_date=today + dt.timedelta(days=PAYMENT_TERMS_DAYS), cutoff_date=params.cutoff,
        include_milestones=params.milestones, include_products=params.products,
        **{f"include_{c}": c in params.classes for c in TRANSACTION_CLASSES})
    db.session.add(invoice)
    db.session.flush()
    add_missing_lines(invoice, tm_line_ids=tm_line_ids)
    add_ready_items(invoice)
    recalculate(invoice)
    return invoice


def milestone_gaps(contract: Contract) -> dict[int, tuple[Decimal, Decimal]]:
    """Fixed-price lines whose milestones do not add up to the line amount (SPEC 3: a warning
    on the contract, an error at invoicing): line id → (milestone total, line amount)."""
    gaps = {}
    for line in contract.lines:
        if line.billing_method == "fixed_price":
            gap = milestone_gap(line.amount, (m.amount for m in line.milestones))
            if gap is not None:
                gaps[line.id] = gap
    return gaps


def _check_milestones_add_up(contract: Contract) -> None:
    """SPEC 3: a fixed-price line's milestones must add up to its amount to be invoiced."""
    names = {line.id: line.name for line in contract.lines}
    for line_id, (total, amount) in milestone_gaps(contract).items():
        raise MilestonesDoNotAddUp(_(
            "contract line '%(line)s': milestones add up to %(total)s, the line amount"
            " is %(amount)s", line=names[line_id], total=as_money(total, contract.currency),
            amount=as_money(amount, contract.currency)))


# --- what an invoice would take now, and the wizard's preview of it (SPEC 5.1) -------------


def invoiceable_actual_conditions(actual, cutoff: dt.date, classes) -> tuple:
    """What an invoice takes of an actual, whatever its status: not `not_available`,
    dated on or before the cut-off, of the chosen classes. `actual` is the columns of the
    actuals table."""
    return (actual.billing_type != NOT_AVAILABLE, actual.date <= cutoff,
            actual.transaction_class.in_(sorted(classes)))


def ready_actual_conditions(actual, cutoff: dt.date, classes) -> tuple:
    """The actuals an invoice takes: ready, and invoiceable_actual_conditions."""
    return (actual.status == "ready", *invoiceable_actual_conditions(actual, cutoff, classes))


def ready_milestone_conditions(milestone, cutoff: dt.date) -> tuple:
    """The milestones an invoice takes: ready and dated on or before the cut-off."""
    return (milestone.status == "ready", milestone.date <= cutoff)


ITEM_KINDS = ("actual", "milestone", "product")


@dataclass(frozen=True)
class ReadyItem:
    """One thing an invoice would take — an actual, a milestone or a product line — with
    its contract line and what it adds."""

    kind: str  # one of ITEM_KINDS
    id: int
    line_id: int
    billing_type: str
    amount: Decimal
    tax: Decimal


def ready_items(contract: Contract, params: InvoiceParameters) -> list[ReadyItem]:
    """What create_invoice would put on an invoice of the contract now, read-only: the
    selection of add_missing_lines and add_ready_items, read from the database as it is
    (not from rows the session may hold)."""
    lines = current_lines(contract)
    items: list[ReadyItem] = []
    tm_ids = [line.id for line in lines if line.billing_method == "time_and_material"]
    if tm_ids and params.classes:
        a = Actual.__table__.c
        items += [ReadyItem("actual", *row) for row in db.session.execute(
            select(a.id, a.contract_line_id, a.billing_type, a.amount, a.tax)
            .where(a.contract_line_id.in_(tm_ids),
                   *ready_actual_conditions(a, params.cutoff, params.classes))
            .order_by(a.id))]
    fp_ids = [line.id for line in lines if line.billing_method == "fixed_price"]
    if fp_ids and params.milestones:
        m = Milestone.__table__.c
        items += [ReadyItem("milestone", id_, line_id, "chargeable", amount, tax)
                  for id_, line_id, amount, tax in db.session.execute(
                      select(m.id, m.contract_line_id, m.amount, m.tax)
                      .where(m.contract_line_id.in_(fp_ids),
                             *ready_milestone_conditions(m, params.cutoff))
                      .order_by(m.id))]
    if params.products and any(line.billing_method == "product" for line in lines):
        c = ContractLine.__table__.c
        for id_, quantity, price, tax in db.session.execute(
                select(c.id, c.quantity, c.price, c.tax)
                .where(c.contract_id == contract.id, c.billing_method == "product",
                       c.status == "ready").order_by(c.id)):
            try:
                totals = product_line_totals(quantity, price, tax, contract.currency)
            except AmountTooLarge as error:
                raise amount_refusal(error) from None
            items.append(ReadyItem("product", id_, id_, "chargeable", totals.amount, totals.tax))
    return items


# The ids ride along only while they are short enough for a form field (Werkzeug takes
# 500 kB); beyond, the digest alone still refuses a stale preview, without the detail.
FINGERPRINT_IDS_MAX = 100_000
_IDS_PARSED_MAX = 200_000


def fingerprint(items: list[ReadyItem]) -> str:
    """What the wizard carries from its preview to Finish: a digest of every item with what
    it adds, then the ids by kind ("1-5,9"), to say at Finish which items changed."""
    ids = ":".join(_ranges(sorted(i.id for i in items if i.kind == kind)) for kind in ITEM_KINDS)
    digest = _digest(items)
    return f"{digest}:{ids}" if len(ids) <= FINGERPRINT_IDS_MAX else digest


def _digest(items: list[ReadyItem]) -> str:
    text = "\n".join(f"{i.kind} {i.id} {i.line_id} {i.billing_type} "
                     f"{format(i.amount.normalize(), 'f')} {format(i.tax.normalize(), 'f')}"
                     for i in sorted(items, key=lambda i: (i.kind, i.id)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ranges(ids: list[int]) -> str:
    parts, start, end = [], None, None
    for i in ids:
        if start is not None and i == end + 1:
            end = i
            continue
        if start is not None:
            parts.append(f"{start}-{end}" if end > start else str(start))
        start = end = i
    if start is not None:
        parts.append(f"{start}-{end}" if end > start else str(start))
    return ",".join(parts)


def _parse_ids(text: str, room: int) -> set[int]:
    ids: set[int] = set()
    for part in filter(None, text.split(",")):
        first, _sep, last = part.partition("-")
        low, high = int(first), int(last or first)
        if low < 0 or high < low or high - low >= room - len(ids):
            raise ValueError(part)
        ids.update(range(low, high + 1))
    return ids


def parse_fingerprint(text: str) -> tuple[str, dict[str, set[int]] | None]:
    """The digest and the ids by kind of a fingerprint; no ids when it carries none or
    is not one (a posted value is never trusted to be well formed)."""
    digest, *parts = (text or "").split(":")
    if len(parts) != len(ITEM_KINDS):
        return digest, None
    try:
        ids: dict[str, set[int]] = {}
        for kind, part in zip(ITEM_KINDS, parts):
            ids[kind] = _parse_ids(part, _IDS_PARSED_MAX - sum(map(len, ids.values())))
    except ValueError:
        return digest, None
    return digest, ids


class PreviewOutdated(Conflict):
    """What would be invoiced changed since the wizard's preview; nothing was created."""


def check_preview(contract: Contract, params: InvoiceParameters, previewed: str) -> None:
    """Raise PreviewOutdated, saying what changed, unless an invoice with these parameters
    would take exactly what the preview with this fingerprint showed."""
    items = ready_items(contract, params)
    digest, before = parse_fingerprint(previewed)
    if digest != _digest(items):
        raise PreviewOutdated(_describe_change(items, before))


def _describe_change(items: list[ReadyItem], before: dict[str, set[int]] | None) -> str:
    parts = [_("What will be invoiced changed since the preview; nothing was created.")]
    if before is not None:
        now = {kind: {i.id for i in items if i.kind == kind} for kind in ITEM_KINDS}
        gone = {kind: before[kind] - now[kind] for kind in ITEM_KINDS}
        taken = _holders(gone)
        for code, count in sorted(taken.items()):
            parts.append(ngettext("%(num)s item of the preview was taken by %(invoice)s.",
                                  "%(num)s items of the preview were taken by %(invoice)s.",
                                  count, invoice=code))
        left = sum(map(len, gone.values())) - sum(taken.values())
        if left:
            parts.append(ngettext("%(num)s item of the preview is no longer ready to invoice.",
                                  "%(num)s items of the preview are no longer ready to invoice.",
                                  left))
        added = sum(len(now[kind] - before[kind]) for kind in ITEM_KINDS)
        if added:
            parts.append(ngettext("%(num)s item became ready to invoice since the preview.",
                                  "%(num)s items became ready to invoice since the preview.",
                                  added))
        if not (taken or left or added):
            parts.append(_("Amounts or billing types of items of the preview changed."))
    if items:
        parts.append(_("Check what will be invoiced now and press Finish again."))
    else:
        parts.append(_("Nothing is ready to invoice any more: Finish now creates a draft "
                       "whose lines have no items."))
    return " ".join(parts)


def _chunks(ids: set[int], size: int = 500):
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def _holders(gone: dict[str, set[int]]) -> dict[str, int]:
    """The invoices (not cancelled) that hold these items now: Invoice ID → how many."""
    counts: dict[str, int] = defaultdict(int)
    detail = InvoiceLineDetail
    queries = [(ids, select(Invoice.code, func.count()).select_from(detail)
                .join(Invoice, Invoice.id == detail.invoice_id).where(detail.is_open), column)
               for ids, column in ((gone["actual"], detail.actual_id),
                                   (gone["milestone"], detail.milestone_id))]
    queries.append((gone["product"], select(Invoice.code, func.count()).select_from(InvoiceLine)
                    .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                    .where(InvoiceLine.is_open, InvoiceLine.billing_method == "product"),
                    InvoiceLine.contract_line_id))
    for ids, query, column in queries:
        for chunk in _chunks(ids):
            for code, count in db.session.execute(query.where(column.in_(chunk))
                                                  .group_by(Invoice.code)):
                counts[code] += count
    return dict(counts)


class OpenDraftExists(Conflict):
    """The contract already has a draft or in-review invoice; a second was not confirmed."""


def open_drafts(contract: Contract) -> list[str]:
    """The Invoice IDs of the contract's draft and in-review invoices, oldest first."""
    return list(db.session.scalars(
        select(Invoice.code).where(Invoice.contract_id == contract.id, Invoice.status == "active",
                                   Invoice.project_invoice_status.in_(EDITABLE_STATES))
        .order_by(Invoice.id)))


def _check_no_open_draft(contract: Contract) -> None:
    codes = open_drafts(contract)
    if codes:
        raise OpenDraftExists(ngettext(
            "Contract %(contract)s already has an open draft invoice: %(invoices)s. Tick the "
            "box to create another one anyway.",
            "Contract %(contract)s already has %(num)s open draft invoices: %(invoices)s. Tick "
            "the box to create another one anyway.",
            len(codes), contract=contract.number, invoices=", ".join(codes)),
            field="another_draft")


def current_lines(contract: Contract, *, lock: bool = False) -> list[ContractLine]:
    """The contract's lines as the database holds them now, in contract order — not the
    collection the session may have cached before the use case took its locks. With
    `lock`, the rows are locked until commit (a product line's status is decided here)."""
    query = (select(ContractLine).where(ContractLine.contract_id == contract.id)
             .order_by(ContractLine.position, ContractLine.id)
             .execution_options(populate_existing=True))
    if lock:
        query = query.with_for_update()
    return list(db.session.scalars(query))


def add_missing_lines(invoice: Invoice, *, tm_line_ids: set[int] | None = None) -> None:
    """One invoice line per T&M and fixed-price contract line, and one per ready product
    line when the invoice takes products — skipping those already on the invoice."""
    present = set(db.session.scalars(select(InvoiceLine.contract_line_id)
                                     .where(InvoiceLine.invoice_id == invoice.id)))
    for position, line in enumerate(current_lines(invoice.contract, lock=True)):
        if line.id in present:
            continue
        if line.billing_method == "product":
            if invoice.include_products and line.status == "ready":
                _add_product_line(invoice, line, position)
        elif (line.billing_method == "fixed_price" or tm_line_ids is None
              or line.id in tm_line_ids):
            db.session.add(InvoiceLine(
                invoice=invoice, contract_line=line, position=position, name=line.name,
                billing_method=line.billing_method, project_id=line.project_id,
                contract_line_amount=line.amount, tax_rate=line.tax_rate))
    db.session.flush()


def _add_product_line(invoice: Invoice, line: ContractLine, position: int) -> None:
    try:
        totals = product_line_totals(line.quantity, line.price, line.tax, invoice.currency)
    except AmountTooLarge as error:
        raise amount_refusal(error) from None
    line.status = "invoice_created"
    db.session.add(InvoiceLine(
        invoice=invoice, contract_line=line, position=position, name=line.name,
        billing_method="product", contract_line_amount=totals.amount, tax_rate=line.tax_rate,
        product_id=line.product_id, product_name=line.product_name or line.name,
        quantity=line.quantity, price=line.price, amount=totals.amount, tax=totals.tax,
        extended_amount=totals.extended_amount))


def add_ready_items(invoice: Invoice) -> int:
    """Put every ready item of the invoice's lines dated on or before its cut-off on it.

    Status first, placement second, so that no concurrent change can split them (an item
    on an invoice whose status says "unbilled" would be offered and billed again): one
    UPDATE moves the ready items to invoice_created — it locks each row, and a row that
    someone marked "not ready" meanwhile no longer matches once their change commits —
    then one INSERT … SELECT places exactly the moved items that are not on an invoice.
    The caller holds the contract lock, so no other invoice of the contract is placing
    items at the same time. Set-based: ten thousand actuals cost a few statements.
    Returns how many details were added.
    """
    classes = [c for c in TRANSACTION_CLASSES if getattr(invoice, f"include_{c}")]
    line = InvoiceLine.__table__
    actual = Actual.__table__
    detail = InvoiceLineDetail.__table__
    tm_lines = select(line.c.contract_line_id).where(
        line.c.invoice_id == invoice.id, line.c.billing_method == "time_and_material")
    db.session.execute(
        update(actual).where(actual.c.contract_line_id.in_(tm_lines),
                             *ready_actual_conditions(actual.c, invoice.cutoff_date, classes))
        .values(status="invoice_created"), execution_options={"synchronize_session": False})
    is_time = actual.c.transaction_class == "time"
    placed = select(detail.c.id).where(detail.c.actual_id == actual.c.id, detail.c.is_open)
    actual_rows = (
        select(literal(invoice.id), line.c.id, actual.c.id, actual.c.transaction_class,
               actual.c.billing_type,
               case((is_time, actual.c.internal_comment), else_=actual.c.description),
               case((is_time, actual.c.external_comment), else_=actual.c.description),
               actual.c.date, actual.c.project_id, actual.c.task_id, actual.c.category_id,
               actual.c.role_id, actual.c.resource_id, actual.c.unit_id, actual.c.quantity,
               actual.c.price, actual.c.amount, actual.c.tax, actual.c.amount + actual.c.tax)
        .select_from(actual.join(line, line.c.contract_line_id == actual.c.contract_line_id))
        .where(line.c.invoice_id == invoice.id, line.c.billing_method == "time_and_material",
               actual.c.status == "invoice_created", ~placed.exists(),
               *invoiceable_actual_conditions(actual.c, invoice.cutoff_date, classes))
        .order_by(actual.c.date, actual.c.id))
    columns = ["invoice_id", "invoice_line_id", "actual_id", "transaction_class", "billing_type",
               "description", "external_description", "start_date", "project_id", "task_id",
               "category_id", "role_id", "resource_id", "unit_id", "quantity", "price", "amount",
               "tax", "extended_amount"]
    before = detail_count(invoice)
    db.session.execute(insert(detail).from_select(columns, actual_rows))
    if invoice.include_milestones:
        _add_ready_milestones(invoice)
    # Counted, not taken from rowcount: psycopg reports -1 for INSERT … SELECT.
    return detail_count(invoice) - before


def detail_count(invoice: Invoice) -> int:
    return db.session.scalar(select(func.count()).select_from(InvoiceLineDetail)
                             .where(InvoiceLineDetail.invoice_id == invoice.id))


def _add_ready_milestones(invoice: Invoice) -> None:
    """The ready milestones of the invoice's fixed-price lines: locked and read after the
    lock (one marked "not ready" meanwhile is no longer selected), status moved, placed."""
    milestones = db.session.execute(
        select(Milestone, InvoiceLine.id)
        .join(InvoiceLine, InvoiceLine.contract_line_id == Milestone.contract_line_id)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.billing_method == "fixed_price",
               *ready_milestone_conditions(Milestone.__table__.c, invoice.cutoff_date))
        .order_by(Milestone.date, Milestone.id)
        .with_for_update(of=Milestone).execution_options(populate_existing=True)).all()
    if not milestones:
        return
    for milestone, _line_id in milestones:
        milestone.status = "invoice_created"
    db.session.flush()
    db.session.execute(insert(InvoiceLineDetail), [
        {"invoice_id": invoice.id, "invoice_line_id": line_id, "milestone_id": m.id,
         "transaction_class": "milestone", "billing_type": "chargeable",
         "description": m.description or m.name, "external_description":
         m.external_description or m.name, "start_date": m.date, "quantity": 1,
         "price": m.amount, "amount": m.amount, "tax": m.tax,
         "extended_amount": m.amount + m.tax} for m, line_id in milestones])


def recalculate(invoice: Invoice) -> None:
    """Recompute line totals from their chargeable details and the header from its lines."""
    detail = InvoiceLineDetail
    # Exact SQL sums of already-rounded values (SPEC 6: totals never round), by line and
    # billing type; app.billing.totals decides what counts.
    sums: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    try:
        rows = db.session.execute(
            select(detail.invoice_line_id, detail.billing_type, func.sum(detail.amount),
                   func.sum(detail.tax))
            .where(detail.invoice_id == invoice.id)
            .group_by(detail.invoice_line_id, detail.billing_type)).all()
    except OperationalError as error:
        # SQLite's SUM of integers stops at 2^63 (PostgreSQL's is NUMERIC and the bound
        # below speaks): amounts that add up beyond what a column holds.
        if "integer overflow" not in str(error):
            raise
        raise _beyond_limit("total_amount") from None
    for line_id, billing_type, amount, tax in rows:
        sums[line_id][billing_type] = (amount, tax)
    totals = []
    try:
        for line in db.session.scalars(select(InvoiceLine)
                                       .where(InvoiceLine.invoice_id == invoice.id)).all():
            if line.billing_method != "product":
                write_totals(line, line_totals_of_sums(sums.get(line.id, {}), invoice.currency))
            totals.append(LineTotals(line.amount, line.tax, line.extended_amount))
        if invoice.is_credit_note:
            header = correction_header(
                sum((t.amount for t in totals), Decimal(0)), sum((t.tax for t in totals), Decimal(0)),
                invoice.currency, invoice.tax_rate, invoice.billed_header,
                invoice.corrected_freight_amount).totals
        else:
            header = header_totals(totals, invoice.currency, invoice.tax_rate,
                                   invoice.discount_percent, invoice.discount_amount,
                                   invoice.freight_amount)
    except AmountTooLarge as error:
        raise amount_refusal(error) from None
    write_totals(invoice, header)


def apply_detail_change(invoice: Invoice, line: InvoiceLine, before: DetailValues | None,
                        after: DetailValues | None) -> None:
    """The line and header totals after one detail of the line changed from `before` to
    `after` (None: added, removed), in a cost that does not grow with the invoice's details
    (issue 17): the detail's old contribution out of its line and the new one in
    (app.billing.totals.line_totals_after, exact: SPEC 6 adds already-rounded values), then
    the header from the line totals (a handful of lines; the discount percent and the
    discount and freight taxes follow the new detail amount). The caller holds the invoice
    lock. A credit note's corrected rows keep the full recalculate."""
    if invoice.is_credit_note:
        recalculate(invoice)
        return
    db.session.flush()  # the detail's own row first; nothing pending is overwritten below
    try:
        write_totals(line, line_totals_after(line, before, after, invoice.currency))
        lines = db.session.execute(select(InvoiceLine.amount, InvoiceLine.tax)
                                   .where(InvoiceLine.invoice_id == invoice.id)).all()
        header = header_totals(lines, invoice.currency, invoice.tax_rate,
                               invoice.discount_percent, invoice.discount_amount,
                               invoice.freight_amount)
    except AmountTooLarge as error:
        raise amount_refusal(error) from None
    write_totals(invoice, header)


_TOTALS = {InvoiceLine: ("amount", "tax", "extended_amount"),
           Invoice: ("detail_amount", "discount_amount", "freight_amount", "pre_freight_amount",
                     "total_tax", "total_amount")}


def write_totals(row: Invoice | InvoiceLine, totals) -> None:
    """Store computed totals on an invoice or a line with one UPDATE that leaves the row's
    version alone: totals are not what a person edits, so another reviewer's edit of some
    detail does not make the header form or a line's name form stale (issue 17: only the
    same row, or the same header field, changing under a person is a conflict). The loaded
    row shows the new values as committed ones."""
    db.session.flush()  # what the use case set on the row is written (and versioned) first
    values = {name: getattr(totals, name) for name in _TOTALS[type(row)]}
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if not changed:
        return
    table = type(row).__table__
    db.session.execute(update(table).where(table.c.id == row.id).values(**changed))
    for name, value in changed.items():
        set_committed_value(row, name, value)
