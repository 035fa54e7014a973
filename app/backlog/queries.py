"""What is not on an invoice yet (SPEC 4): actuals, milestones and product lines, with
totals per status and currency computed in SQL (or, for product lines, from the rows)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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


def _actual_conditions(flt: BacklogFilter) -> list:
    conditions = [Actual.status.in_(ACTUAL_STATUSES), Actual.billing_type != NOT_AVAILABLE,
                  *_in_range(Actual.date, flt)]
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
            .options(joinedload(Actual.project), joinedload(Actual.task), joinedload(Actual.role),
                     joinedload(Actual.resource), joinedload(Actual.category),
                     joinedload(Actual.unit),
                     joinedload(Actual.contract_line).joinedload(ContractLine.contract))
            .order_by(Actual.date, Actual.id))


def actual_totals(flt: BacklogFilter) -> list[StatusTotal]:
    """Count, Σ amount and Σ tax of the open actuals per status and currency."""
    rows = db.session.execute(
        select(Actual.status, Actual.currency, func.count().label("count"),
               func.sum(Actual.amount).label("amount"), func.sum(Actual.tax).label("tax"))
        .where(*_actual_conditions(flt)).group_by(Actual.status, Actual.currency))
    return _ordered((StatusTotal(**row._mapping) for row in rows), ACTUAL_STATUSES)


def _milestone_conditions(flt: BacklogFilter) -> list:
    conditions = [Milestone.status.in_(ITEM_STATUSES), *_in_range(Milestone.date, flt)]
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


def backlog_products(flt: BacklogFilter) -> list[ProductItem]:
    """Product contract lines not on an invoice; undated, so the date filter keeps them."""
    query = (select(ContractLine).join(ContractLine.contract)
             .where(ContractLine.billing_method == "product",
                    ContractLine.status.in_(ITEM_STATUSES))
             .options(contains_eager(ContractLine.contract), joinedload(ContractLine.product))
             .order_by(Contract.number, ContractLine.position, ContractLine.id))
    if flt.contract_id:
        query = query.where(ContractLine.contract_id == flt.contract_id)
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
