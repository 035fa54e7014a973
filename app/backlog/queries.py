"""What is not on an invoice yet (SPEC 4): actuals, milestones and product lines, with
totals per status and currency computed in SQL (or, for product lines, from the rows)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.billing.enums import NOT_AVAILABLE
from app.billing.totals import detail_amount
from app.extensions import db
from app.models import Actual, Contract, ContractLine, Milestone

ACTUAL_STATUSES = ("unbilled", "ready")
ITEM_STATUSES = ("not_ready", "ready")


@dataclass(frozen=True)
class BacklogFilter:
    """Which items to show; None means no restriction."""

    contract_id: int | None = None
    project_id: int | None = None
    kind: str | None = None  # a transaction class, "milestone" or "product"
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None  # "ready" or "not_ready" (unbilled actuals)

    def shows(self, kind: str) -> bool:
        """Whether items of a kind ("actual", "milestone", "product") are shown at all."""
        if kind == "actual":
            return self.kind not in ("milestone", "product")
        # Product lines belong to no project.
        return self.kind in (None, kind) and not (kind == "product" and self.project_id)


@dataclass(frozen=True)
class StatusTotal:
    """How many items of one status and currency, and what they add up to."""

    status: str
    currency: str
    count: int
    amount: Decimal
    tax: Decimal


def _in_range(column, flt: BacklogFilter) -> list:
    """Conditions keeping a date column within the filter's from/to dates."""
    conditions = []
    if flt.date_from:
        conditions.append(column >= flt.date_from)
    if flt.date_to:
        conditions.append(column <= flt.date_to)
    return conditions


def _ordered(totals: Iterable[StatusTotal], statuses: tuple[str, ...]) -> list[StatusTotal]:
    """Totals in the life-cycle order of their status, then by currency."""
    return sorted(totals, key=lambda t: (statuses.index(t.status), t.currency))


def _statuses(flt: BacklogFilter, statuses: tuple[str, str]) -> tuple[str, ...]:
    """The open statuses the filter keeps: (not ready, ready) or one of them."""
    if flt.status == "ready":
        return statuses[1:]
    if flt.status == "not_ready":
        return statuses[:1]
    return statuses


def _actual_conditions(flt: BacklogFilter) -> list:
    conditions = [Actual.status.in_(_statuses(flt, ACTUAL_STATUSES)),
                  Actual.billing_type != NOT_AVAILABLE, *_in_range(Actual.date, flt)]
    if flt.contract_id:
        conditions.append(Actual.contract_line_id.in_(
            select(ContractLine.id).where(ContractLine.contract_id == flt.contract_id)))
    if flt.project_id:
        conditions.append(Actual.project_id == flt.project_id)
    if flt.kind:
        conditions.append(Actual.transaction_class == flt.kind)
    return conditions


def backlog_actuals(flt: BacklogFilter) -> Select:
    """Open actuals, oldest first: the order they will be invoiced in."""
    return (select(Actual).where(*_actual_conditions(flt))
            .options(*_ACTUAL_ROW)
            .order_by(Actual.date, Actual.id))


# What an actual's row shows, loaded with it.
_ACTUAL_ROW = (joinedload(Actual.project), joinedload(Actual.task), joinedload(Actual.role),
               joinedload(Actual.resource), joinedload(Actual.category), joinedload(Actual.unit),
               joinedload(Actual.contract_line).joinedload(ContractLine.contract))


def paginate_actuals(flt: BacklogFilter, page: int, per_page: int) -> Pagination:
    """One page of open actuals, oldest first. The page's ids are found first and only
    those rows are loaded with what they show: joining every skipped row to its project,
    role, contract… made late pages (OFFSET 16,000) cost 100 ms instead of 10."""
    pagination = db.paginate(select(Actual.id).where(*_actual_conditions(flt))
                             .order_by(Actual.date, Actual.id),
                             page=page, per_page=per_page, error_out=False)
    if pagination.items:
        pagination.items = list(db.session.scalars(
            select(Actual).where(Actual.id.in_(pagination.items)).options(*_ACTUAL_ROW)
            .order_by(Actual.date, Actual.id)))
    return pagination


def actual_totals(flt: BacklogFilter) -> list[StatusTotal]:
    """Count, Σ amount and Σ tax of the open actuals per status and currency."""
    rows = db.session.execute(
        select(Actual.status, Actual.currency, func.count().label("count"),
               func.sum(Actual.amount).label("amount"), func.sum(Actual.tax).label("tax"))
        .where(*_actual_conditions(flt)).group_by(Actual.status, Actual.currency))
    return _ordered((StatusTotal(**row._mapping) for row in rows), ACTUAL_STATUSES)


def _milestone_conditions(flt: BacklogFilter) -> list:
    conditions = [Milestone.status.in_(_statuses(flt, ITEM_STATUSES)),
                  *_in_range(Milestone.date, flt)]
    if flt.contract_id:
        conditions.append(ContractLine.contract_id == flt.contract_id)
    if flt.project_id:
        conditions.append(ContractLine.project_id == flt.project_id)
    return conditions


def backlog_milestones(flt: BacklogFilter) -> list[Milestone]:
    """Milestones not on an invoice, with their line and contract, by date."""
    return list(db.session.scalars(
        select(Milestone).join(Milestone.contract_line).join(ContractLine.contract)
        .where(*_milestone_conditions(flt))
        .options(contains_eager(Milestone.contract_line).contains_eager(ContractLine.contract),
                 contains_eager(Milestone.contract_line).joinedload(ContractLine.project))
        .order_by(Milestone.date, Milestone.id)))


def milestone_totals(flt: BacklogFilter) -> list[StatusTotal]:
    """Count, Σ amount and Σ tax of the open milestones per status and contract currency."""
    rows = db.session.execute(
        select(Milestone.status, Contract.currency, func.count().label("count"),
               func.sum(Milestone.amount).label("amount"), func.sum(Milestone.tax).label("tax"))
        .join(Milestone.contract_line).join(ContractLine.contract)
        .where(*_milestone_conditions(flt)).group_by(Milestone.status, Contract.currency))
    return _ordered((StatusTotal(**row._mapping) for row in rows), ITEM_STATUSES)


@dataclass(frozen=True)
class ProductItem:
    """A product contract line and its amount, round(quantity × price)."""

    line: ContractLine
    amount: Decimal


def _product_conditions(flt: BacklogFilter) -> list:
    conditions = [ContractLine.billing_method == "product",
                  ContractLine.status.in_(_statuses(flt, ITEM_STATUSES))]
    if flt.contract_id:
        conditions.append(ContractLine.contract_id == flt.contract_id)
    return conditions


def backlog_products(flt: BacklogFilter) -> list[ProductItem]:
    """Product contract lines not on an invoice; undated, so the date filter keeps them."""
    query = (select(ContractLine).join(ContractLine.contract)
             .where(*_product_conditions(flt))
             .options(contains_eager(ContractLine.contract), joinedload(ContractLine.product))
             .order_by(Contract.number, ContractLine.position, ContractLine.id))
    return [ProductItem(line, detail_amount(line.quantity, line.price, line.contract.currency))
            for line in db.session.scalars(query)]


def product_totals(items: list[ProductItem]) -> list[StatusTotal]:
    """Product line amounts are not stored (quantity × price), so these are summed here."""
    sums: dict[tuple[str, str], tuple[int, Decimal, Decimal]] = {}
    for item in items:
        key = (item.line.status, item.line.contract.currency)
        count, amount, tax = sums.get(key, (0, Decimal(0), Decimal(0)))
        sums[key] = (count + 1, amount + item.amount, tax + item.line.tax)
    return _ordered((StatusTotal(status, currency, *values)
                     for (status, currency), values in sums.items()), ITEM_STATUSES)


# --- selecting and marking -----------------------------------------------------------------


def matching_ids(flt: BacklogFilter) -> dict[str, list[int]]:
    """The ids of every item the filter shows, by kind: what "all matching" selects."""
    ids: dict[str, list[int]] = {"actual": [], "milestone": [], "product": []}
    if flt.shows("actual"):
        ids["actual"] = list(db.session.scalars(select(Actual.id)
                                                .where(*_actual_conditions(flt))))
    if flt.shows("milestone"):
        ids["milestone"] = list(db.session.scalars(
            select(Milestone.id).join(Milestone.contract_line)
            .where(*_milestone_conditions(flt))))
    if flt.shows("product"):
        ids["product"] = list(db.session.scalars(select(ContractLine.id)
                                                 .where(*_product_conditions(flt))))
    return ids


@dataclass(frozen=True)
class Selection:
    """How many items are selected and their amount per currency (amounts exclude tax)."""

    count: int
    amounts: list[tuple[str, Decimal]]


def _selection(rows: Iterable[tuple[str, int, Decimal]]) -> Selection:
    count, amounts = 0, {}
    for currency, number, amount in rows:
        count += number
        amounts[currency] = amounts.get(currency, Decimal(0)) + (amount or Decimal(0))
    return Selection(count, sorted(amounts.items()))


def selection_of(ids: dict[str, list[int]]) -> Selection:
    """Count and amounts of the chosen open items, summed in SQL (products: quantity × price
    per line, as they are not stored)."""
    rows: list[tuple[str, int, Decimal]] = []
    if ids.get("actual"):
        rows += db.session.execute(
            select(Actual.currency, func.count(), func.sum(Actual.amount))
            .where(Actual.id.in_(ids["actual"]), Actual.status.in_(ACTUAL_STATUSES),
                   Actual.billing_type != NOT_AVAILABLE)
            .group_by(Actual.currency)).all()
    if ids.get("milestone"):
        rows += db.session.execute(
            select(Contract.currency, func.count(), func.sum(Milestone.amount))
            .join(Milestone.contract_line).join(ContractLine.contract)
            .where(Milestone.id.in_(ids["milestone"]), Milestone.status.in_(ITEM_STATUSES))
            .group_by(Contract.currency)).all()
    if ids.get("product"):
        for line, currency in db.session.execute(
                select(ContractLine, Contract.currency).join(ContractLine.contract)
                .where(ContractLine.id.in_(ids["product"]),
                       ContractLine.billing_method == "product",
                       ContractLine.status.in_(ITEM_STATUSES))):
            rows.append((currency, 1, detail_amount(line.quantity, line.price, currency)))
    return _selection(rows)


def selection_of_all(flt: BacklogFilter) -> Selection:
    """Count and amounts of everything the filter shows (the totals of its sections)."""
    totals: list[StatusTotal] = []
    if flt.shows("actual"):
        totals += actual_totals(flt)
    if flt.shows("milestone"):
        totals += milestone_totals(flt)
    if flt.shows("product"):
        totals += product_totals(backlog_products(flt))
    return _selection((t.currency, t.count, t.amount) for t in totals)
