"""The checks every input shares (forms, htmx posts, import files, the CLI): numbers as
typed, the bound of a typed number and of a stored amount, row ids, plausible dates, text
a database can store, e-mail addresses, ISO country and active currency codes.

Pure: the caller passes what depends on the request (the language's decimal sign).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import get_territory_currencies
from email_validator import EmailNotValidError, validate_email

from .money import UnknownCurrency, check_places, minor_units

__all__ = [
    "CONTROL", "ID_MAX", "LINE_BREAK", "MAX_AMOUNT", "MAX_DATE", "MIN_DATE", "NUL",
    "STORED_PLACES", "SURROGATE", "TOO_LARGE", "beyond_max_amount", "fits", "is_country",
    "is_currency", "is_email", "parse_id", "parse_number", "plausible_date", "text_problem",
    "too_large",
]

# Money columns keep value × 10^4 in a 64-bit integer (about 9 × 10^14): far below that,
# a number this large is a typo, not an amount.
TOO_LARGE = Decimal(10) ** 12

# The largest amount the schema holds (app.models.types.ExactDecimal: value × 10^4 in a
# signed 64-bit BIGINT). What is computed from entered numbers (quantity × price, a line
# total, an invoice total) can pass it although each number is below TOO_LARGE: refused
# before it is written, never an overflow in the database.
STORED_PLACES = 4
MAX_AMOUNT = Decimal(2 ** 63 - 1).scaleb(-STORED_PLACES)  # 922337203685477.5807

# Dates typed anywhere (entries, milestones, invoice and payment dates, import files):
# outside these a year was mistyped, and date arithmetic near year 9999 overflows.
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2099, 12, 31)

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


def beyond_max_amount(value: Decimal) -> bool:
    """More than the largest amount a money column holds (MAX_AMOUNT), either sign."""
    return abs(value) > MAX_AMOUNT


def plausible_date(value: dt.date) -> bool:
    """Within MIN_DATE .. MAX_DATE."""
    return MIN_DATE <= value <= MAX_DATE


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


@lru_cache(maxsize=4)
def _currencies_in_use(day: dt.date) -> frozenset[str]:
    """The legal tender of some territory on that day, as Babel (CLDR) knows it."""
    found: set[str] = set()
    for territory in Locale.parse("en").territories:
        found.update(get_territory_currencies(territory, day, tender=True))
    return frozenset(found)


def is_currency(code: str, on: dt.date | None = None) -> bool:
    """An active ISO 4217 currency (DKK, MYR, JPY): legal tender somewhere today (or `on`).
    Test and placeholder codes (XXX, XTS), precious metals and historic currencies (DEM)
    are refused."""
    try:
        minor_units(code)
    except UnknownCurrency:
        return False
    return code in _currencies_in_use(on or dt.date.today())


# ---------------------------------------------------------------- row ids

# The largest row id of both databases: INTEGER primary keys (PostgreSQL's `integer`).
ID_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(text: str, smallest: int = 1) -> int:
    """A row id as posted or put in a URL ("17"): ASCII digits only, `smallest` (ids start
    at 1) to ID_MAX. ValueError otherwise: a larger number is no row, and would overflow
    the database's integer before any row is looked up."""
    cleaned = text.strip()
    if not _DIGITS.fullmatch(cleaned) or not smallest <= int(cleaned) <= ID_MAX:
        raise ValueError(f"not a row id: {text[:20]!r}")
    return int(cleaned)


# ---------------------------------------------------------------- text (helper "text")

# What no database column may hold: PostgreSQL stores no NUL and UTF-8 encodes no lone
# surrogate (U+D800–U+DFFF), so such text is refused before it gets there; the other C0/C1
# control characters (and DEL) are invisible on a page, a PDF or in a mail header.
NUL = "nul"
SURROGATE = "surrogate"
CONTROL = "control"
LINE_BREAK = "line_break"

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A one-line field (a name, an address, anything that may end up in a mail header).
_LINE_BREAKS = re.compile("[\r\n\u2028\u2029]")


def text_problem(text: str, multiline: bool = True) -> str | None:
    """Why the text cannot be stored as it is, or None: NUL (a NUL byte), SURROGATE (a lone
    surrogate), CONTROL (another C0/C1 control character; tab, LF and CR are text), or
    LINE_BREAK (CR, LF or a Unicode line separator where `multiline` is False)."""
    if _SURROGATES.search(text):
        return SURROGATE
    if "\x00" in text:
        return NUL
    if not multiline and _LINE_BREAKS.search(text):
        return LINE_BREAK
    if _CONTROLS.search(text):
        return CONTROL
    return None
