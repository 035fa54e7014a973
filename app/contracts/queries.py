"""Read queries of the contract pages: each loads what its page shows in a fixed number of
statements."""

from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.billing.totals import detail_amount
from app.extensions import db
from app.models import Contract, ContractLine, Invoice


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
    return {line.id: sum((m.amount for m in line.milestones), Decimal(0))
            for line in contract.lines if line.billing_method == "fixed_price"}


def contract_invoices(contract: Contract) -> list[Invoice]:
    """The contract's invoices, newest first."""
    return list(db.session.scalars(select(Invoice).where(Invoice.contract_id == contract.id)
                                   .order_by(Invoice.id.desc())))
