"""Read queries of the contract pages: each loads what its page shows in a fixed number of
statements."""

from dataclasses import dataclass
from decimal import Decimal, localcontext

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.billing.enums import TRANSACTION_CLASSES
from app.billing.milestones import milestone_total
from app.billing.money import EXACT, as_money
from app.billing.totals import (HeaderTotals, counts_in_totals, detail_amount, header_totals,
                                line_totals_of_sums)
from app.extensions import db
from app.models import Contract, ContractLine, Invoice
from app.services.invoicing import ReadyItem


def contract_by_ref(ref: str) -> Contract | None:
    """The contract with this number (C-00007) or imported key, with everything its page shows."""
    return db.session.scalars(
        select(Contract)
        .where(or_(Contract.number == ref, Contract.key == ref))
        .options(joinedload(Contract.customer), joinedload(Contract.price_list),
                 selectinload(Contract.lines).options(
                     joinedload(ContractLine.project), joinedload(ContractLine.product),
                     joinedload(ContractLine.schedule), selectinload(ContractLine.class_rows),
                     selectinload(ContractLine.milestones)))
    ).first()


def contract_list(search: str = "") -> Select:
    """Contracts by number, optionally those whose number, key or name contains `search`."""
    query = (select(Contract)
             .options(joinedload(Contract.customer), selectinload(Contract.lines))
             .order_by(Contract.number))
    if search:
        query = query.where(or_(Contract.number.icontains(search, autoescape=True),
                                Contract.key.icontains(search, autoescape=True),
                                Contract.name.icontains(search, autoescape=True)))
    return query


def line_amount(line: ContractLine, currency: str) -> Decimal:
    """A project line's contract line amount; a product line's round(quantity × price)."""
    if line.billing_method == "product":
        return detail_amount(line.quantity, line.price, currency)
    return line.amount


def contract_total(contract: Contract) -> Decimal:
    """The sum of the contract's line amounts."""
    return sum((line_amount(line, contract.currency) for line in contract.lines), Decimal(0))


def milestone_totals(contract: Contract) -> dict[int, Decimal]:
    """Σ milestone amount per fixed-price line of the contract."""
    return {line.id: milestone_total(m.amount for m in line.milestones)
            for line in contract.lines if line.billing_method == "fixed_price"}


def contract_invoices(contract: Contract) -> list[Invoice]:
    """The contract's invoices, newest first."""
    return list(db.session.scalars(select(Invoice).where(Invoice.contract_id == contract.id)
                                   .order_by(Invoice.id.desc())))


# --- the manual invoice wizard (SPEC 5.1) --------------------------------------------------


@dataclass(frozen=True)
class PreviewLine:
    """What one invoice line will hold: chargeable items count in its amount and tax,
    non-chargeable and complimentary ones are shown but add nothing (SPEC 6)."""

    line: ContractLine
    count: int = 0
    chargeable: int = 0
    amount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    not_charged: Decimal = Decimal(0)  # amount of the non-chargeable and complimentary items

    @property
    def extended_amount(self) -> Decimal:
        return self.amount + self.tax

    @property
    def not_charged_count(self) -> int:
        return self.count - self.chargeable


def invoice_preview(contract: Contract, items: list[ReadyItem]) -> list[PreviewLine]:
    """The invoice lines create_invoice would make, with the count and amounts of the items
    they would take (`items`: app.services.invoicing.ready_items, the one selection): one
    line per T&M and fixed-price line even when empty; product lines only when taken."""
    currency = contract.currency
    by_line: dict[int, dict[str, list]] = {}
    with localcontext(EXACT):  # sums of rounded amounts never round
        for item in items:
            sums = by_line.setdefault(item.line_id, {}).setdefault(
                item.billing_type, [0, Decimal(0), Decimal(0)])
            sums[0] += 1
            sums[1] += item.amount
            sums[2] += item.tax
    preview = []
    for line in contract.lines:
        by_type = by_line.get(line.id, {})
        if line.billing_method == "product" and not by_type:
            continue
        # The line's totals by the one rule (app.billing.totals: only chargeable counts).
        totals = line_totals_of_sums({t: (a, x) for t, (_n, a, x) in by_type.items()}, currency)
        charged = sum(n for t, (n, _a, _x) in by_type.items() if counts_in_totals(t))
        not_charged = sum((a for t, (_n, a, _x) in by_type.items()
                           if not counts_in_totals(t)), Decimal(0))
        preview.append(PreviewLine(line, sum(v[0] for v in by_type.values()), charged,
                                   totals.amount, totals.tax, _exact(not_charged, currency)))
    return preview


def _exact(value: Decimal, currency: str) -> Decimal:
    """An exact SQL sum of rounded amounts, with the currency's decimals."""
    return as_money(value, currency)


def preview_totals(contract: Contract, preview: list[PreviewLine]) -> HeaderTotals:
    """The header the draft will start with: no discount and no freight yet."""
    return header_totals(preview, contract.currency, contract.tax_rate)


def contract_classes(contract: Contract) -> list[str]:
    """The transaction classes the contract's T&M lines include, in the canonical order."""
    included = {c for line in contract.lines if line.billing_method == "time_and_material"
                for c in line.classes}
    return [c for c in TRANSACTION_CLASSES if c in included]
