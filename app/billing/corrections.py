"""Credit notes (SPEC 12, issue 14): what a correction bills is the difference between what
*should* have been billed and what was billed, per detail, per product line and in the
header — never more than was billed.

A corrective detail keeps both sides: what was billed (its billing type, quantity, price,
amount and tax, as the original and the confirmed corrections before it left them) and
what the reviewer says should have been billed (the corrected quantity, price, tax and
billing type). The detail's own quantity, amount and tax are the difference *within the
billed billing type*, so the totals of SPEC 6 (which add only chargeable details) add the
differences as they add any detail.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from .enums import CHARGEABLE
from .money import EXACT, require_decimal, round_money, zero
from .totals import (DiscountOutOfRange, HeaderTotals, TotalsError, check_amount, default_tax,
                     detail_amount)

__all__ = [
    "Billed", "BilledHeader", "Corrected", "CorrectionHeader", "Difference", "FreightOutOfRange",
    "PROBLEMS", "RowValues", "Sale", "corrected", "header_taxes",
    "correction_header", "correction_problems", "corrected_tax", "difference",
    "fully_credited", "product_correction", "sales_of",
]

# Why a corrected value is refused, by code (the edge words them for the person).
PROBLEMS = ("quantity_range", "price_range", "tax_range", "tax_above_amount", "bills_more",
            "milestone_whole", "freight_range")


@dataclass(frozen=True)
class RowValues:
    """A row's billing type, quantity, price, amount and tax."""

    billing_type: str
    quantity: Decimal
    price: Decimal
    amount: Decimal
    tax: Decimal


class Billed(RowValues):
    """What a detail billed as it stands now (the original plus confirmed corrections)."""


class Corrected(RowValues):
    """What the reviewer says should have been billed; the amount follows quantity × price."""


@dataclass(frozen=True)
class Difference:
    """Corrected minus billed, within the billed billing type: what the corrective detail
    itself carries (all ≤ 0 for what counts in the totals)."""

    quantity: Decimal
    amount: Decimal
    tax: Decimal

    @property
    def extended_amount(self) -> Decimal:
        return EXACT.add(self.amount, self.tax)


class Sale(RowValues):
    """One billed-sales row a confirmed correction posts."""


def _between(value: Decimal, bound: Decimal) -> bool:
    """Between 0 and bound, whichever side of 0 the bound is on."""
    return min(Decimal(0), bound) <= value <= max(Decimal(0), bound)


def _counted(billing_type: str, amount: Decimal) -> Decimal:
    return amount if billing_type == CHARGEABLE else Decimal(0)


def corrected_tax(billed: Billed, corrected_amount: Decimal, rate: Decimal,
                  currency: str) -> Decimal:
    """The tax of a corrected amount unless the reviewer enters one: the line's rate when
    the billed tax was the rate's (SPEC 6), else the billed tax in proportion (an exempt
    row stays exempt), unchanged when the amount is."""
    if corrected_amount == billed.amount:
        return billed.tax
    if billed.tax == default_tax(billed.amount, rate, currency):
        return default_tax(corrected_amount, rate, currency)
    if billed.amount == 0:
        return zero(currency)
    with localcontext(EXACT):
        return round_money(billed.tax * corrected_amount / billed.amount, currency)


def corrected(billed: Billed, *, billing_type: str | None = None, quantity: Decimal,
              price: Decimal | None = None, tax: Decimal | None = None, rate: Decimal,
              currency: str) -> Corrected:
    """The corrected values of a detail: blank price = the billed price, blank tax =
    corrected_tax. Amount = round(quantity × price) (SPEC 6)."""
    price = billed.price if price is None else price
    amount = check_amount(detail_amount(quantity, price, currency))
    if tax is None:
        tax = corrected_tax(billed, amount, rate, currency)
    return Corrected(billing_type or billed.billing_type, quantity, price, amount,
                     round_money(require_decimal(tax, "tax"), currency))


def correction_problems(backing: str, billed: Billed, fixed: Corrected) -> dict[str, str]:
    """What makes a correction bill more than was billed, or not a correction, by field:

    - quantity_range: the corrected quantity is not between 0 and the billed quantity;
    - milestone_whole: a milestone is credited whole or not at all;
    - price_range: the corrected price is not between 0 and the billed price;
    - tax_range: the corrected tax is not between 0 and the billed tax;
    - tax_above_amount: a tax larger than the (non-negative) corrected amount;
    - bills_more: the corrected chargeable amount is more than the billed one (a
      non-chargeable row made chargeable, say): bill the extra on a new invoice.

    The first problem found is the one said: a tax that follows an amount out of range is
    a consequence, not a second mistake.
    """
    problems: dict[str, str] = {}
    if backing == "milestone":
        if fixed.quantity not in (Decimal(0), billed.quantity):
            problems["corrected_quantity"] = "milestone_whole"
    elif not _between(fixed.quantity, billed.quantity):
        problems["corrected_quantity"] = "quantity_range"
    if fixed.price != billed.price and not _between(fixed.price, billed.price):
        problems["corrected_price"] = "price_range"
    if problems:
        return problems
    if fixed.tax != billed.tax and not _between(fixed.tax, billed.tax):
        problems["corrected_tax"] = "tax_range"
    elif fixed.amount >= 0 and fixed.tax > fixed.amount and fixed.tax != billed.tax:
        problems["corrected_tax"] = "tax_above_amount"
    elif (_counted(fixed.billing_type, fixed.amount) > _counted(billed.billing_type, billed.amount)
          or _counted(fixed.billing_type, fixed.tax) > _counted(billed.billing_type, billed.tax)):
        problems["corrected_billing_type" if fixed.billing_type != billed.billing_type
                 else "corrected_quantity"] = "bills_more"
    return problems


def difference(billed: Billed, fixed: Corrected) -> Difference:
    """Corrected minus billed within the billed billing type: a row whose billing type
    changes takes all of the billed values back (the corrected ones go to their own type)."""
    with localcontext(EXACT):
        if fixed.billing_type != billed.billing_type:
            return Difference(-billed.quantity, -billed.amount, -billed.tax)
        return Difference(fixed.quantity - billed.quantity, fixed.amount - billed.amount,
                          fixed.tax - billed.tax)


def sales_of(billed: Billed, fixed: Corrected) -> list[Sale]:
    """The billed-sales rows of a confirmed correction of one detail, so that the billed
    sales of an item always add up, per billing type, to what it bills now: the difference
    in the billed type and, when the type changed, the corrected values in the new one.
    Nothing when nothing changed."""
    diff = difference(billed, fixed)
    sales = []
    if diff.quantity or diff.amount or diff.tax or fixed.price != billed.price:
        sales.append(Sale(billed.billing_type, diff.quantity, fixed.price, diff.amount, diff.tax))
    if fixed.billing_type != billed.billing_type:
        sales.append(Sale(fixed.billing_type, fixed.quantity, fixed.price, fixed.amount,
                          fixed.tax))
    return sales


def fully_credited(fixed: Corrected) -> bool:
    """Nothing of the item is billed any more: it returns to the billing backlog (ready)."""
    return fixed.quantity == 0


def product_correction(billed: Billed, quantity: Decimal, rate: Decimal,
                       currency: str) -> tuple[Corrected, dict[str, str]]:
    """A product line corrected to `quantity` (0..billed) at its billed price, with the
    problems of correction_problems."""
    fixed = corrected(billed, quantity=quantity, rate=rate, currency=currency)
    return fixed, correction_problems("product", billed, fixed)


@dataclass(frozen=True)
class BilledHeader:
    """The header as billed now: detail amount, discount (percent or amount) and freight."""

    detail_amount: Decimal
    discount_percent: Decimal | None
    discount_amount: Decimal
    freight_amount: Decimal


@dataclass(frozen=True)
class CorrectionHeader:
    """A credit note's header: the differences of SPEC 6's header (HeaderTotals), and the
    tax the discount and freight differences carry (for the tax per rate)."""

    totals: HeaderTotals
    discount_tax: Decimal
    freight_tax: Decimal


class FreightOutOfRange(TotalsError):
    """A corrected freight that is not between 0 and the billed freight."""


def correction_header(line_amounts: Decimal, line_taxes: Decimal, currency: str,
                      tax_rate: Decimal, billed: BilledHeader,
                      corrected_freight: Decimal) -> CorrectionHeader:
    """The header of a credit note as corrected minus billed (SPEC 6 on both sides):

    corrected detail amount = billed + the lines' differences; the discount follows it —
    a percent stays the percent, a fixed amount stays unless the corrected detail amount
    falls below it —; the freight is what the reviewer keeps (0..billed). Discount and
    freight are taxed at the default rate, each side rounded as SPEC 6 rounds it.
    """
    if not _between(corrected_freight, billed.freight_amount):
        raise FreightOutOfRange("corrected_freight_amount",
                                f"Corrected freight must be between 0 and "
                                f"{billed.freight_amount}, not {corrected_freight}")
    with localcontext(EXACT):
        detail = line_amounts
        fixed_detail = billed.detail_amount + detail
        if billed.discount_percent is not None:
            fixed_discount = round_money(fixed_detail * billed.discount_percent / 100, currency)
        else:
            fixed_discount = min(billed.discount_amount, max(fixed_detail, zero(currency)))
        if fixed_discount and not 0 <= fixed_discount <= fixed_detail:
            raise DiscountOutOfRange("discount_amount", "the corrected discount is out of range")
        discount = fixed_discount - billed.discount_amount
        freight = corrected_freight - billed.freight_amount
        discount_tax = (default_tax(fixed_discount, tax_rate, currency)
                        - default_tax(billed.discount_amount, tax_rate, currency))
        freight_tax = (default_tax(corrected_freight, tax_rate, currency)
                       - default_tax(billed.freight_amount, tax_rate, currency))
        pre_freight = detail - discount
        total_tax = line_taxes - discount_tax + freight_tax
        total = pre_freight + freight + total_tax
    for name, value in (("detail_amount", detail), ("pre_freight_amount", pre_freight),
                        ("total_tax", total_tax), ("total_amount", total)):
        check_amount(value, name)
    return CorrectionHeader(
        HeaderTotals(detail, billed.discount_percent, discount, pre_freight, freight,
                     total_tax, total), discount_tax, freight_tax)


def header_taxes(billed: BilledHeader, discount: Decimal, freight: Decimal, tax_rate: Decimal,
                 currency: str) -> tuple[Decimal, Decimal]:
    """The tax of a credit note's discount and freight differences (as correction_header
    computed them), from the billed header and the differences: for its tax per rate."""
    with localcontext(EXACT):
        return (default_tax(billed.discount_amount + discount, tax_rate, currency)
                - default_tax(billed.discount_amount, tax_rate, currency),
                default_tax(billed.freight_amount + freight, tax_rate, currency)
                - default_tax(billed.freight_amount, tax_rate, currency))
