"""Pricing an actual (SPEC 4): which price-list price applies, its amount and tax, and its
billing type. One rule for entry approval, the import and the invoice editor; each caller
looks the prices up its own way (a query, a file's catalogue) and asks here which applies.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .enums import CHARGEABLE, NON_CHARGEABLE, NOT_AVAILABLE
from .totals import default_tax, detail_amount

__all__ = ["Priced", "billing_type_for", "choose_price", "price_field", "priced"]

TIME = "time"


def choose_price(transaction_class: str, role_price: Decimal | None,
                 category_price: Decimal | None) -> Decimal | None:
    """The role price for time, else (for time without one, and for every other class)
    the category price; None when the price list has neither for the item's unit."""
    if transaction_class == TIME and role_price is not None:
        return role_price
    return category_price


def price_field(transaction_class: str) -> str:
    """What to change when no price applies: the role of a time item, else its category."""
    return "role" if transaction_class == TIME else "category"


def billing_type_for(transaction_class: str, *, on_line: bool,
                     role_chargeable: bool | None = None,
                     category_chargeable: bool | None = None) -> str:
    """not_available when no contract line includes the class; non-chargeable for a
    non-chargeable role (time) or category; chargeable otherwise."""
    if not on_line:
        return NOT_AVAILABLE
    if ((transaction_class == TIME and role_chargeable is False)
            or category_chargeable is False):
        return NON_CHARGEABLE
    return CHARGEABLE


@dataclass(frozen=True)
class Priced:
    """Price, amount and tax of one item."""

    price: Decimal
    amount: Decimal
    tax: Decimal


def priced(quantity: Decimal, price: Decimal, tax_rate: Decimal, currency: str) -> Priced:
    """Amount = round(quantity × price); tax = round(amount × rate / 100) (SPEC 4, 6)."""
    amount = detail_amount(quantity, price, currency)
    return Priced(price, amount, default_tax(amount, tax_rate, currency))
