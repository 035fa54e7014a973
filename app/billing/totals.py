"""Detail, line and header totals of SPEC 6: round each detail once, then only add."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Protocol

from .enums import BILLING_TYPES, CHARGEABLE
from .money import (
    EXACT, PERCENT_PLACES, PRICE_PLACES, QUANTITY_PLACES, check_places, minor_units,
    require_decimal, round_money, zero,
)
from .values import MAX_AMOUNT, beyond_max_amount

__all__ = [
    "AmountTooLarge", "BILLING_TYPES_IN_TOTALS", "DetailValues", "DiscountOutOfRange",
    "HeaderTotals", "check_amount",
    "LineTotals", "NegativeFreight", "TaxRate", "TaxRateOutOfRange", "TaxSummaryDiffers", "TaxedAmount", "TooManyDecimals",
    "TotalsError", "counts_in_totals", "default_tax", "detail_amount", "detail_value_problems",
    "extended_amount",
    "header_totals", "line_totals", "line_totals_after", "line_totals_of_sums", "over_contract",
    "product_line_totals",
    "tax_summary",
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


class AmountTooLarge(TotalsError):
    """A computed amount (quantity × price, a line or invoice total) beyond MAX_AMOUNT, the
    largest a money column holds; `field` names the amount, `limit` the bound."""

    limit = MAX_AMOUNT

    def __init__(self, field: str, value: Decimal) -> None:
        super().__init__(field, f"{field} would be {value}, more than the largest amount "
                                f"that can be stored ({MAX_AMOUNT})")
        self.value = value


def check_amount(value: Decimal, field: str = "amount") -> Decimal:
    """A computed amount about to be stored, else AmountTooLarge naming it. (detail_amount
    itself is not bounded: pages show what is stored, whatever it is.)"""
    if beyond_max_amount(value):
        raise AmountTooLarge(field, value)
    return value


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
    return check_amount(EXACT.add(require_decimal(amount, "amount"), require_decimal(tax, "tax")),
                    "extended_amount")


def detail_value_problems(backing: str, quantity: Decimal, price: Decimal, amount: Decimal,
                          tax: Decimal) -> dict[str, str]:
    """What a reviewer would never mean on an invoice detail, by field:

    - "negative": a negative quantity or price on a row backed by nothing — taking money
      back is a credit note's work (SPEC 12), not a proforma row's;
    - "tax_negative": a negative tax;
    - "tax_above_amount": a tax larger than the (non-negative) amount it is the tax of.
    Rows backed by an actual or a milestone carry the quantity and price of what backs them.
    """
    problems: dict[str, str] = {}
    if backing == "none":
        for field, value in (("quantity", quantity), ("price", price)):
            if value is not None and value < 0:
                problems[field] = "negative"
    if tax < 0:
        problems["tax"] = "tax_negative"
    elif amount >= 0 and tax > amount:
        problems["tax"] = "tax_above_amount"
    return problems


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


def counts_in_totals(billing_type: str) -> bool:
    """Only chargeable details add to the totals; the others are shown but add nothing."""
    if billing_type not in BILLING_TYPES:
        raise ValueError(f"Unknown billing type: {billing_type!r}")
    return billing_type == CHARGEABLE


# The same rule for a query's WHERE clause (an SQL sum of what was billed).
BILLING_TYPES_IN_TOTALS: tuple[str, ...] = tuple(t for t in BILLING_TYPES if counts_in_totals(t))


def line_totals_of_sums(sums: Mapping[str, tuple[Decimal, Decimal]], currency: str) -> LineTotals:
    """A line's totals from the sums of its details' amount and tax by billing type (as one
    SQL GROUP BY gives them): only what counts_in_totals adds up."""
    amount = tax = zero(currency)
    with localcontext(EXACT):
        for billing_type, (a, t) in sums.items():
            if counts_in_totals(billing_type):
                amount += _money(a, currency, "amount")
                tax += _money(t, currency, "tax")
    return LineTotals(check_amount(amount, "amount"), check_amount(tax, "tax"),
                      extended_amount(amount, tax))


def line_totals(details: Iterable[_Detail], currency: str) -> LineTotals:
    """Sum amount and tax of the chargeable details; the others are shown but add nothing."""
    sums: dict[str, tuple[Decimal, Decimal]] = {}
    with localcontext(EXACT):
        for d in details:
            a, t = _money(d.amount, currency, "amount"), _money(d.tax, currency, "tax")
            amount, tax = sums.get(d.billing_type, (Decimal(0), Decimal(0)))
            sums[d.billing_type] = (amount + a, tax + t)
    return line_totals_of_sums(sums, currency)


def line_totals_after(line: _Line, before: _Detail | None, after: _Detail | None,
                      currency: str) -> LineTotals:
    """A line's totals after one of its details changed from `before` to `after` (None: the
    detail was not there, or is gone), without reading the other details: what the detail
    added (only when it counts_in_totals) is taken out and what it adds now is put in.
    Every value is already rounded (SPEC 6), so this is exact: it equals line_totals over
    the details as they are now, to the minor unit."""
    with localcontext(EXACT):
        amount = _money(line.amount, currency, "amount")
        tax = _money(line.tax, currency, "tax")
        if before is not None and counts_in_totals(before.billing_type):
            amount -= _money(before.amount, currency, "amount")
            tax -= _money(before.tax, currency, "tax")
        if after is not None and counts_in_totals(after.billing_type):
            amount += _money(after.amount, currency, "amount")
            tax += _money(after.tax, currency, "tax")
    return LineTotals(check_amount(amount, "amount"), check_amount(tax, "tax"),
                      extended_amount(amount, tax))


def product_line_totals(quantity: Decimal, price: Decimal, tax: Decimal, currency: str) -> LineTotals:
    """Totals of a product-based line: round(quantity × price), tax as given."""
    amount = check_amount(detail_amount(quantity, price, currency))
    t = _money(tax, currency, "tax")
    return LineTotals(amount, t, extended_amount(amount, t))


def over_contract(contract_line_amount: Decimal, invoiced_to_date: Decimal,
                  amount: Decimal) -> Decimal | None:
    """By how much what a contract line was invoiced to date plus this invoice's line amount
    goes over the contract line amount; None when it stays within. A warning on the
    invoice line (issue 11), never a refusal: the contract amount is an estimate."""
    with localcontext(EXACT):
        excess = (require_decimal(invoiced_to_date, "invoiced to date")
                  + require_decimal(amount, "amount")
                  - require_decimal(contract_line_amount, "contract line amount"))
    return excess if excess > 0 else None


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
    for name, value in (("detail_amount", detail), ("pre_freight_amount", pre_freight),
                        ("total_tax", total_tax), ("total_amount", total)):
        check_amount(value, name)
    return HeaderTotals(detail, pct, discount, pre_freight, freight, total_tax, total)


@dataclass(frozen=True)
class TaxedAmount:
    """One chargeable amount on an invoice and its tax, at its line's rate."""

    rate: Decimal
    amount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class TaxRate:
    """The taxable base and the tax of one rate."""

    rate: Decimal
    base: Decimal
    tax: Decimal


class TaxSummaryDiffers(TotalsError):
    """The taxes per rate do not add up to the invoice's total tax (totals not recomputed)."""


def _rate_of(row: TaxedAmount) -> Decimal:
    """The rate a row is taxed at: its line's, or 0 % when its tax was set to zero (an exempt
    or reverse-charge row must not inflate the base of the line's rate)."""
    return Decimal(0) if row.tax == 0 and row.amount != 0 else row.rate


def tax_summary(rows: Iterable[TaxedAmount], currency: str, tax_rate: Decimal,
                discount_amount: Decimal, freight_amount: Decimal,
                total_tax: Decimal, *, discount_tax: Decimal | None = None,
                freight_tax: Decimal | None = None) -> tuple[TaxRate, ...]:
    """Taxable base and tax per rate (SPEC 6 total_tax), highest rate first: the chargeable
    amounts grouped by rate, then discount and freight at the default rate, rounded as in
    header_totals (or with the tax given: a credit note's discount and freight differences
    carry the difference of two roundings, app.billing.corrections). The taxes add up to
    total_tax exactly, else TaxSummaryDiffers."""
    base: dict[Decimal, Decimal] = {}
    tax: dict[Decimal, Decimal] = {}

    def add(rate: Decimal, amount: Decimal, row_tax: Decimal) -> None:
        key = rate.normalize(EXACT)
        base[key] = EXACT.add(base.get(key, zero(currency)), amount)
        tax[key] = EXACT.add(tax.get(key, zero(currency)), row_tax)

    for row in rows:
        add(_rate_of(row), _money(row.amount, currency, "amount"), _money(row.tax, currency, "tax"))
    if discount_amount or discount_tax:
        add(tax_rate, -discount_amount, -(default_tax(discount_amount, tax_rate, currency)
                                          if discount_tax is None else discount_tax))
    if freight_amount or freight_tax:
        add(tax_rate, freight_amount, default_tax(freight_amount, tax_rate, currency)
            if freight_tax is None else freight_tax)
    summary = tuple(TaxRate(r, base[r], tax[r]) for r in sorted(base, reverse=True))
    added_up = sum((row.tax for row in summary), zero(currency))
    if added_up != total_tax:
        raise TaxSummaryDiffers("total_tax",
                                f"the taxes per rate add up to {added_up}, not {total_tax}")
    return summary
