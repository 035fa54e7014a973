"""The rules of an e-invoice (issue 16) that need no XML: unit codes, VAT categories and
whether our rounding passes the EN 16931 checks of the tax per category.

The reconciliation of the two roundings: SPEC 6 rounds each detail's tax half-up and adds
the rounded taxes; EN 16931 (BR-CO-17, BR-S-09, BR-Z/E/O-09…) recomputes a category's
tax as round(|taxable amount| × rate / 100) to 2 decimals — XPath round() on the absolute
value, which is ROUND_HALF_UP as app.billing.money rounds — and accepts the tax written
when it differs from that by less than 1 (one currency unit, strictly). So the e-invoice
writes our own taxes (what the PDF printed and the customer pays: Σ of the rounded
details, discount and freight of that rate) and never a recomputed one; each rounding
moves the sum by at most half a minor unit, so a rate with fewer than 200 rounded rows
always passes, and beyond that category_tax_difference tells whether it still does.
"""
from __future__ import annotations

from decimal import Decimal

from .money import EXACT, require_decimal

__all__ = ["CATEGORY_EXEMPT", "CATEGORY_OUT_OF_SCOPE", "CATEGORY_STANDARD", "CATEGORY_ZERO",
           "TAX_TOLERANCE", "VAT_TREATMENTS", "category_tax_difference", "row_rate",
           "tax_reconciles", "unit_code", "vat_category"]

# UN/ECE Recommendation 20 (and 21) codes of our unit keys; anything else is "one" (C62).
UNIT_CODES = {
    "hour": "HUR", "hours": "HUR", "h": "HUR", "minute": "MIN", "day": "DAY", "days": "DAY",
    "week": "WEE", "month": "MON", "year": "ANN", "each": "C62", "ea": "EA", "unit": "C62",
    "piece": "H87", "pcs": "H87", "km": "KMT", "kilometre": "KMT", "kilometer": "KMT",
    "mile": "SMI", "kg": "KGM", "kilogram": "KGM", "litre": "LTR", "liter": "LTR", "m": "MTR",
    "metre": "MTR", "meter": "MTR", "night": "C62", "set": "SET", "lump_sum": "LS",
}
DEFAULT_UNIT_CODE = "C62"

VAT_TREATMENTS = ("standard", "exempt", "out_of_scope")
CATEGORY_STANDARD, CATEGORY_ZERO, CATEGORY_EXEMPT, CATEGORY_OUT_OF_SCOPE = "S", "Z", "E", "O"

# EN 16931 accepts a category's tax that differs from its own by less than this.
TAX_TOLERANCE = Decimal(1)
_RULE_PLACES = Decimal("0.01")  # the rules round to 2 decimals, whatever the currency


def unit_code(unit_key: str | None) -> str:
    """The UN/ECE Rec 20 code of a unit key (hour → HUR, each → C62, km → KMT); C62
    ("one") for a unit we do not know or none."""
    return UNIT_CODES.get((unit_key or "").strip().lower(), DEFAULT_UNIT_CODE)


def vat_category(rate: Decimal, treatment: str = "standard") -> str:
    """The EN 16931 VAT category (UNCL 5305) of a row taxed at `rate` for a customer of
    `treatment`: standard → S (rate > 0) or Z (0 %); exempt → E; out_of_scope → O."""
    if treatment not in VAT_TREATMENTS:
        raise ValueError(f"Unknown VAT treatment: {treatment!r}")
    if treatment == "exempt":
        return CATEGORY_EXEMPT
    if treatment == "out_of_scope":
        return CATEGORY_OUT_OF_SCOPE
    return CATEGORY_STANDARD if require_decimal(rate, "rate") > 0 else CATEGORY_ZERO


def row_rate(rate: Decimal, amount: Decimal, tax: Decimal) -> Decimal:
    """The rate a row is taxed at, as app.billing.totals.tax_summary groups it: its line's,
    or 0 % when its tax was set to zero on a non-zero amount (a zero-rated row)."""
    return Decimal(0) if tax == 0 and amount != 0 else rate


def category_tax_difference(taxable: Decimal, rate: Decimal, our_tax: Decimal,
                            currency: str) -> Decimal:
    """Our tax of a category minus the tax EN 16931 computes for it (round(|taxable| ×
    rate / 100), 2 decimals, on absolute values as the rules compare them). `currency` is
    the document's; the rules round to 2 decimals for every currency."""
    computed = EXACT.divide(EXACT.multiply(abs(require_decimal(taxable, "taxable")),
                                           require_decimal(rate, "rate")), Decimal(100))
    computed = computed.quantize(_RULE_PLACES, context=EXACT)
    return EXACT.subtract(abs(require_decimal(our_tax, "tax")), computed)


def tax_reconciles(difference: Decimal) -> bool:
    """Whether a category_tax_difference passes the rules (strictly less than 1)."""
    return abs(difference) < TAX_TOLERANCE
