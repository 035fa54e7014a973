"""Locale-aware display of money, quantities, percentages and dates (Babel).

Templates never do arithmetic or "%.2f": they call these filters, which quantize to the
currency's minor units and format for the chosen language.
"""

from datetime import date, datetime
from decimal import Decimal

from babel.dates import get_day_names
from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale
from markupsafe import Markup, escape

from app.billing.money import minor_units, plain

LANGUAGES = {"en": "English", "ms": "Bahasa Melayu", "da": "Dansk"}
# Catalogues are per language; numbers, money and dates use the country's conventions.
FORMAT_LOCALES = {"en": "en", "ms": "ms_MY", "da": "da_DK"}


def money(value: Decimal | None, currency: str) -> str:
    """1234.5 DKK → '1.234,50 kr.' in Danish, 'RM1,234.50' for MYR in Malay."""
    if value is None:
        return ""
    return format_currency(value, currency)


def money_plain(value: Decimal | None, currency: str) -> str:
    """The value for data-value attributes: plain notation, the currency's decimals."""
    if value is None:
        return ""
    return plain(value.quantize(Decimal(1).scaleb(-minor_units(currency))))


def money_cell(value: Decimal | None, currency: str, testid: str | None = None) -> Markup:
    """A <span> carrying the formatted amount and its plain value (SPEC 9 page hooks)."""
    attrs = f' data-testid="{escape(testid)}"' if testid else ""
    return Markup(f'<span class="money"{attrs} data-value="{money_plain(value, currency)}">'
                  f"{escape(money(value, currency))}</span>")


def quantity(value: Decimal | None) -> str:
    """Up to four decimals, trailing zeros dropped: 7.5000 → '7,5' in Danish."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.####")


def percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.####") + " %"


def day(value: date | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, style)


def weekday(value: int | None) -> str:
    """The locale's name of a weekday number, Monday = 0: 0 → 'mandag' in Danish."""
    if value is None:
        return ""
    return get_day_names("wide", locale=get_locale())[value]


def moment(value: datetime | None) -> str:
    """A point in time, short, in the chosen language."""
    if value is None:
        return ""
    return format_datetime(value, "short")


def audit_action(action: str) -> str:
    from app.labels import AUDIT_ACTIONS
    return str(AUDIT_ACTIONS.get(action, action))
