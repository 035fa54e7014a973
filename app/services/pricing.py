"""Pricing an approved entry (SPEC 4) from the database: which contract line takes it and
what its contract's price list says; app.billing.pricing decides which price applies, the
amount, the tax and the billing type. The invoice editor asks `list_price` the same way.
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.billing.pricing import billing_type_for, choose_price, price_field, priced
from app.extensions import db
from app.models import (Category, CategoryPrice, Contract, ContractLine, ContractLineClass,
                        PriceList, Project, Role, RolePrice, Unit)
from app.services import ServiceError
from app.terms import unit_term

__all__ = ["PricedItem", "line_for", "list_price", "price_item", "pricing_contract"]

# Which class lacks the category that would price it.
_NEEDS_CATEGORY = {
    "expense": _l("An expense needs a transaction category to be priced from price list "
                  "%(list)s."),
    "material": _l("A material needs a transaction category to be priced from price list "
                   "%(list)s."),
    "fee": _l("A fee needs a transaction category to be priced from price list %(list)s."),
}


@dataclass(frozen=True)
class PricedItem:
    """What an actual gets when it is created from an entry."""

    contract_line_id: int | None
    currency: str
    price: Decimal
    amount: Decimal
    tax: Decimal
    billing_type: str


def line_for(project_id: int, transaction_class: str) -> ContractLine | None:
    """The time and material line that includes the (project, class) pair, if any."""
    return db.session.scalar(
        select(ContractLine).join(ContractLineClass,
                                  ContractLineClass.contract_line_id == ContractLine.id)
        .where(ContractLineClass.project_id == project_id,
               ContractLineClass.transaction_class == transaction_class))


def pricing_contract(project_id: int, line: ContractLine | None) -> Contract | None:
    """The line's contract; for a class no line includes, the first contract with a line
    on the project (as the importer does), so that a not-available actual is still priced."""
    if line is not None:
        return line.contract
    contract_id = db.session.scalar(select(func.min(ContractLine.contract_id))
                                    .where(ContractLine.project_id == project_id))
    return db.session.get(Contract, contract_id) if contract_id is not None else None


def list_price(price_list_id: int, transaction_class: str, role_id: int | None,
               category_id: int | None, unit_id: int | None) -> Decimal | None:
    """The price list's price for the item (app.billing.pricing.choose_price), or None."""
    if unit_id is None:
        return None
    role_price = category_price = None
    if transaction_class == "time" and role_id is not None:
        role_price = db.session.scalar(select(RolePrice.price).where(
            RolePrice.price_list_id == price_list_id, RolePrice.role_id == role_id,
            RolePrice.unit_id == unit_id))
    if category_id is not None:
        category_price = db.session.scalar(select(CategoryPrice.price).where(
            CategoryPrice.price_list_id == price_list_id, CategoryPrice.category_id == category_id,
            CategoryPrice.unit_id == unit_id))
    return choose_price(transaction_class, role_price, category_price)


def _no_price(price_list: PriceList, transaction_class: str, role: Role | None,
              category: Category | None, unit: Unit | None) -> ServiceError:
    field = price_field(transaction_class)
    if transaction_class == "time":
        message = _("Price list %(list)s has no price for role %(role)s per %(unit)s.",
                    list=price_list.name, role=role.name if role else "—", unit=unit_term(unit))
    elif category is None:
        message = _NEEDS_CATEGORY[transaction_class] % {"list": price_list.name}
    else:
        message = _("Price list %(list)s has no price for category %(category)s per %(unit)s.",
                    list=price_list.name, category=category.name, unit=unit_term(unit))
    return ServiceError(message, field=field)


def price_item(project_id: int, transaction_class: str, *, role_id: int | None,
               category_id: int | None, unit_id: int, quantity: Decimal) -> PricedItem:
    """Price one item from its contract's price list; ServiceError says why it cannot be."""
    line = line_for(project_id, transaction_class)
    contract = pricing_contract(project_id, line)
    if contract is None:
        project = db.session.get(Project, project_id)
        raise ServiceError(_("No contract has a line on project %(project)s, so there is no "
                             "price list to price this entry. Add a contract line for the "
                             "project first.", project=project.name if project else project_id),
                           field="project")
    role = db.session.get(Role, role_id) if role_id is not None else None
    category = db.session.get(Category, category_id) if category_id is not None else None
    price = list_price(contract.price_list_id, transaction_class, role_id, category_id, unit_id)
    if price is None:
        raise _no_price(db.session.get(PriceList, contract.price_list_id), transaction_class,
                        role, category, db.session.get(Unit, unit_id))
    # Not available: no line, so the rate of the contract that prices it.
    rate = line.tax_rate if line is not None else contract.tax_rate
    values = priced(quantity, price, rate, contract.currency)
    return PricedItem(
        contract_line_id=line.id if line is not None else None, currency=contract.currency,
        price=values.price, amount=values.amount, tax=values.tax,
        billing_type=billing_type_for(
            transaction_class, on_line=line is not None,
            role_chargeable=role.chargeable if role is not None else None,
            category_chargeable=category.chargeable if category is not None else None))
