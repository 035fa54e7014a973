"""The checks every input shares (forms, htmx posts, import files, the CLI): numbers as
typed, the one "too large" bound, e-mail addresses, ISO country and currency codes.

Pure: the caller passes what depends on the request (the language's decimal sign).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from email_validator import EmailNotValidError, validate_email

from .money import UnknownCurrency, check_places, minor_units

__all__ = [
    "TOO_LARGE", "fits", "is_country", "is_currency", "is_email", "parse_number", "too_large",
]

# Money columns keep value × 10^4 in a 64-bit integer (about 9 × 10^14): far below that,
# a number this large is a typo, not an amount.
TOO_LARGE = Decimal(10) ** 12

_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
# Babel's territories also hold regions and placeholders that are no ISO 3166 country.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})


def parse_number(text: str, decimal_symbol: str = ".") -> Decimal:
    """A number as a person types it, exactly (never through float).

    "1234.5" is read anywhere; "1234,5" where the language writes a decimal comma
    (decimal_symbol ","). Thousands separators are refused: is "1.234" one thousand or
    one point two? ValueError when it is not such a number.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.fullmatch(cleaned) or ("," in cleaned and decimal_symbol != ","):
        raise ValueError(f"not a number: {text!r}")
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
        raise ValueError(f"not a number: {text!r}") from None


def too_large(value: Decimal) -> bool:
    """Beyond the one bound every number entered anywhere must stay under."""
    return abs(value) >= TOO_LARGE


def fits(value: Decimal, places: int) -> bool:
    """Whether the value needs no more than `places` decimals."""
    try:
        check_places(value, places)
    except ValueError:
        return False
    return True


def is_email(text: str) -> bool:
    """A syntactically valid e-mail address (no DNS lookup: invoices may go to any domain)."""
    try:
        validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    territories = Locale.parse("en").territories
    return frozenset(code for code in territories
                     if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


def is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-2 country code as Babel knows them (upper case: DK, MY)."""
    return code in _countries()


def is_currency(code: str) -> bool:
    """An ISO 4217 currency code as Babel knows them (DKK, MYR, JPY)."""
    try:
        minor_units(code)
    except UnknownCurrency:
        return False
    return True
