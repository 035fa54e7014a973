"""Detail, line and header totals of SPEC 6: round each detail once, then only add."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Protocol

from .enums import BILLING_TYPES, CHARGEABLE
from .money import (
    EXACT, PERCENT_PLACES, PRICE_PLACES, QUANTITY_PLACES, check_places, minor_units,
    require_decimal, round_money, zero,
)

__all__ = [
    "DetailValues", "DiscountOutOfRange", "HeaderTotals", "LineTotals", "NegativeFreight",
    "TaxRateOutOfRange", "TooManyDecimals", "TotalsError", "default_tax", "detail_amount",
    "extended_amount", "header_totals", "line_totals", "product_line_totals",
]

_HUNDRED = Decimal(100)


class TotalsError(ValueError):
    """A value that makes the totals invalid; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DiscountOutOfRange(TotalsError):
    """Discount below 0, above the detail amount, or a percent outside 0..100."""


class NegativeFreight(TotalsError):
    """Freight amount below 0."""


class TaxRateOutOfRange(TotalsError):
    """Tax rate percent outside 0..100."""


class TooManyDecimals(TotalsError):
    """An entered value has more decimals than allowed (currency, quantity, price, percent)."""


def _places(value: object, places: int, field: str) -> Decimal:
    """A Decimal with at most `places` decimals, else TooManyDecimals naming the field."""
    value = require_decimal(value, field)
    try:
        return check_places(value, places)
    except ValueError:
        raise TooManyDecimals(field, f"{field} has more than {places} decimals: {value}") from None


def _money(value: object, currency: str, field: str) -> Decimal:
    """An already-rounded money value, quantized exactly to the currency's minor units."""
    return round_money(_places(value, minor_units(currency), field), currency)


def _percent(value: object, field: str, error: type[TotalsError]) -> Decimal:
    """A percent with at most PERCENT_PLACES decimals, within 0..100."""
    value = _places(value, PERCENT_PLACES, field)
    if not 0 <= value <= _HUNDRED:
        raise error(field, f"{field} must be between 0 and 100, not {value}")
    return value


def detail_amount(quantity: Decimal, price: Decimal, currency: str) -> Decimal:
    """round(quantity × price) to the currency's minor units."""
    q = _places(quantity, QUANTITY_PLACES, "quantity")
    p = _places(price, PRICE_PLACES, "price")
    return round_money(EXACT.multiply(q, p), currency)


def default_tax(amount: Decimal, rate_percent: Decimal, currency: str) -> Decimal:
    """round(amount × rate / 100): the tax a detail gets unless entered otherwise."""
    a = _money(amount, currency, "amount")
    r = _percent(rate_percent, "tax_rate", TaxRateOutOfRange)
    return round_money(EXACT.divide(EXACT.multiply(a, r), _HUNDRED), currency)


def extended_amount(amount: Decimal, tax: Decimal) -> Decimal:
    """amount + tax, both already rounded; no further rounding."""
    return EXACT.add(require_decimal(amount, "amount"), require_decimal(tax, "tax"))


@dataclass(frozen=True)
class LineTotals:
    """Amount, tax and extended amount of one invoice line."""

    amount: Decimal
    tax: Decimal
    extended_amount: Decimal


@dataclass(frozen=True)
class DetailValues:
    """The three values of a detail that line totals need."""

    billing_type: str
    amount: Decimal
    tax: Decimal


class _Line(Protocol):
    @property
    def amount(self) -> Decimal: ...
    @property
    def tax(self) -> Decimal: ...


class _Detail(_Line, Protocol):
    @property
    def billing_type(self) -> str: ...


def line_totals(details: Iterable[_Detail], currency: str) -> LineTotals:
    """Sum amount and tax of the chargeable details; the others are shown but add nothing."""
    amount = tax = zero(currency)
    with localcontext(EXACT):
        for d in details:
            if d.billing_type not in BILLING_TYPES:
                raise ValueError(f"Unknown billing type: {d.billing_type!r}")
            a, t = _money(d.amount, currency, "amount"), _money(d.tax, currency, "tax")
            if d.billing_type == CHARGEABLE:
                amount, tax = amount + a, tax + t
    return LineTotals(amount, tax, extended_amount(amount, tax))


def product_line_totals(quantity: Decimal, price: Decimal, tax: Decimal, currency: str) -> LineTotals:
    """Totals of a product-based line: round(quantity × price), tax as given."""
    amount = detail_amount(quantity, price, currency)
    t = _money(tax, currency, "tax")
    return LineTotals(amount, t, extended_amount(amount, t))


@dataclass(frozen=True)
class HeaderTotals:
    """The computed header values of an invoice."""

    detail_amount: Decimal
    discount_percent: Decimal | None
    discount_amount: Decimal
    pre_freight_amount: Decimal
    freight_amount: Decimal
    total_tax: Decimal
    total_amount: Decimal


def header_totals(
    lines: Iterable[_Line],
    currency: str,
    tax_rate: Decimal,
    discount_percent: Decimal | None = None,
    discount_amount: Decimal = Decimal(0),
    freight_amount: Decimal = Decimal(0),
) -> HeaderTotals:
    """Header totals per SPEC 6; discount and freight are taxed at the default tax rate.

    A given discount_percent wins over discount_amount, which is then ignored.
    """
    rate = _percent(tax_rate, "tax_rate", TaxRateOutOfRange)
    freight = _money(freight_amount, currency, "freight_amount")
    if freight < 0:
        raise NegativeFreight("freight_amount", f"Freight cannot be negative: {freight}")
    with localcontext(EXACT):
        detail = line_tax = zero(currency)
        for line in lines:
            detail += _money(line.amount, currency, "amount")
            line_tax += _money(line.tax, currency, "tax")
        pct = None
        if discount_percent is not None:
            pct = _percent(discount_percent, "discount_percent", DiscountOutOfRange)
            discount = round_money(detail * pct / _HUNDRED, currency)
        else:
            discount = _money(discount_amount, currency, "discount_amount")
        # A zero discount is always fine, also on a negative (credit) detail amount.
        if discount and not 0 <= discount <= detail:
            raise DiscountOutOfRange(
                "discount_amount", f"Discount must be between 0 and {detail}, not {discount}")
        pre_freight = detail - discount
        total_tax = (line_tax - round_money(discount * rate / _HUNDRED, currency)
                     + round_money(freight * rate / _HUNDRED, currency))
        total = pre_freight + freight + total_tax
    return HeaderTotals(detail, pct, discount, pre_freight, freight, total_tax, total)
