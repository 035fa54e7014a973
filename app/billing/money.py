"""Decimal money helpers: currency minor units, ROUND_HALF_UP rounding, strict parsing."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

__all__ = [
    "PERCENT_PLACES", "PRICE_PLACES", "QUANTITY_PLACES", "EXACT", "UnknownCurrency",
    "check_places", "minor_units", "plain", "require_decimal", "round_money", "to_decimal", "zero",
]

QUANTITY_PLACES = 4
PRICE_PLACES = 4
PERCENT_PLACES = 4

# Arithmetic context wide enough that products and sums of money never round
# before the one named rounding step; anything odd raises instead of guessing.
EXACT = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


class UnknownCurrency(ValueError):
    """The currency code is not an ISO 4217 code known to Babel."""


@lru_cache(maxsize=None)
def _known_currencies() -> frozenset[str]:
    """All currency codes Babel knows."""
    return frozenset(list_currencies())


@lru_cache(maxsize=None)
def minor_units(currency: str) -> int:
    """Number of decimals of the currency (DKK 2, JPY 0, KWD 3)."""
    if not isinstance(currency, str) or currency not in _known_currencies():
        raise UnknownCurrency(f"Unknown currency: {currency!r}")
    return get_currency_precision(currency)


def require_decimal(value: object, name: str = "value") -> Decimal:
    """Return a finite Decimal (ints allowed); TypeError for float, bool and anything else."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not isinstance(value, Decimal):
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value}")
    return value


def to_decimal(value: object) -> Decimal:
    """Parse a Decimal, int or numeric string strictly; never converts floats."""
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"Not a number: {value!r}") from None
        if not parsed.is_finite():
            raise ValueError(f"Not a finite number: {value!r}")
        return parsed
    return require_decimal(value)


def check_places(value: Decimal, places: int) -> Decimal:
    """Return value unchanged; ValueError if it needs more than `places` decimals."""
    value = require_decimal(value)
    # Trailing zeros are not precision: "7.50000" is a 1-decimal quantity.
    if value.normalize(EXACT).as_tuple().exponent < -places:  # type: ignore[operator]
        raise ValueError(f"{value} has more than {places} decimals")
    return value


def _exponent(currency: str) -> Decimal:
    """The quantum of one minor unit, e.g. Decimal('0.01')."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(value: Decimal, currency: str) -> Decimal:
    """Round ROUND_HALF_UP (away from zero on .5) to the currency's minor units."""
    return require_decimal(value).quantize(_exponent(currency), rounding=ROUND_HALF_UP, context=EXACT)


def zero(currency: str) -> Decimal:
    """Zero with the currency's number of decimals."""
    return Decimal(0).quantize(_exponent(currency), context=EXACT)


def plain(value: Decimal) -> str:
    """Plain decimal notation without exponent, for JSON ("1000", "1234.50")."""
    return format(require_decimal(value), "f")


def as_money(value: Decimal, currency: str) -> Decimal:
    """An already-rounded amount shown with the currency's decimals (7125.0000 → 7125.00).

    Not a rounding step: a value with more decimals than the currency has is an error.
    """
    return check_places(value, minor_units(currency)).quantize(_exponent(currency), context=EXACT)
