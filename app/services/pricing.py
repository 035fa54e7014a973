"""Pricing an approved entry (SPEC 4): which contract line takes it, what it costs, its tax
and its billing type.

The importer (app.services.importing.rules) applies the same rules to whole files from
records it has already fetched; this module asks the database for one item at a time.
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.billing.enums import CHARGEABLE, NON_CHARGEABLE, NOT_AVAILABLE
from app.billing.totals import default_tax, detail_amount
from app.extensions import db
from app.labels import label, unit_label
from app.models import (Category, CategoryPrice, Contract, ContractLine, ContractLineClass,
                        PriceList, Project, Role, RolePrice, Unit)
from app.services import ServiceError


class PricingRefused(ServiceError):
    """The item cannot be priced; `field` names what the user can change about it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NoContract(PricingRefused):
    pass


class NoPrice(PricingRefused):
    pass


@dataclass(frozen=True)
class Priced:
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
               category_id: int | None, unit_id: int) -> Decimal | None:
    """The role price for time (else the category price, if a category is given), the
    category price for the other classes; None when the price list has none."""
    price = None
    if transaction_class == "time" and role_id is not None:
        price = db.session.scalar(select(RolePrice.price).where(
            RolePrice.price_list_id == price_list_id, RolePrice.role_id == role_id,
            RolePrice.unit_id == unit_id))
    if price is None and category_id is not None:
        price = db.session.scalar(select(CategoryPrice.price).where(
            CategoryPrice.price_list_id == price_list_id, CategoryPrice.category_id == category_id,
            CategoryPrice.unit_id == unit_id))
    return price


def billing_type_for(line: ContractLine | None, transaction_class: str, role: Role | None,
                     category: Category | None) -> str:
    """not_available without a line; non-chargeable for a non-chargeable role (time) or
    category; chargeable otherwise."""
    if line is None:
        return NOT_AVAILABLE
    if ((transaction_class == "time" and role is not None and not role.chargeable)
            or (category is not None and not category.chargeable)):
        return NON_CHARGEABLE
    return CHARGEABLE


def price_item(project_id: int, transaction_class: str, *, role_id: int | None,
               category_id: int | None, unit_id: int, quantity: Decimal) -> Priced:
    """Price one item from its contract's price list; PricingRefused says why it cannot be."""
    line = line_for(project_id, transaction_class)
    contract = pricing_contract(project_id, line)
    if contract is None:
        project = db.session.get(Project, project_id)
        raise NoContract(_("No contract has a line on project %(project)s, so there is no price "
                           "list to price this entry. Add a contract line for the project first.",
                           project=project.name if project else project_id), field="project")
    role = db.session.get(Role, role_id) if role_id is not None else None
    category = db.session.get(Category, category_id) if category_id is not None else None
    price = list_price(contract.price_list_id, transaction_class, role_id, category_id, unit_id)
    if price is None:
        price_list = db.session.get(PriceList, contract.price_list_id)
        unit = unit_label(db.session.get(Unit, unit_id))
        if transaction_class == "time":
            message = _("Price list %(list)s has no price for role %(role)s per %(unit)s.",
                        list=price_list.name, role=role.name if role else "—", unit=unit)
            field = "role"
        elif category is None:
            message = _("A %(class)s needs a transaction category to be priced from price list "
                        "%(list)s.", list=price_list.name, **{"class": label(transaction_class)})
            field = "category"
        else:
            message = _("Price list %(list)s has no price for category %(category)s per %(unit)s.",
                        list=price_list.name, category=category.name, unit=unit)
            field = "category"
        raise NoPrice(message, field=field)
    currency = contract.currency
    amount = detail_amount(quantity, price, currency)
    # Not available: no line, so the rate of the contract that prices it.
    rate = line.tax_rate if line is not None else contract.tax_rate
    return Priced(contract_line_id=line.id if line is not None else None, currency=currency,
                  price=price, amount=amount, tax=default_tax(amount, rate, currency),
                  billing_type=billing_type_for(line, transaction_class, role, category))
