"""The invoice document: preview, PDF and "Send to customer" (issue 6)."""

from decimal import Decimal

from babel.numbers import format_currency
from flask import Blueprint
from flask_babel import get_locale

from app.billing.money import minor_units

bp = Blueprint("documents", __name__)


@bp.app_template_filter("unit_price")
def unit_price(value: Decimal | None, currency: str) -> str:
    """A price with the currency's decimals, or more when it has them: '0,1235 kr.'.

    The money filter rounds to the currency's minor units, which would misprint a
    four-decimal price.
    """
    if value is None:
        return ""
    exponent = value.normalize().as_tuple().exponent
    places = max(minor_units(currency), -exponent if isinstance(exponent, int) else 0)
    return format_currency(value.quantize(Decimal(1).scaleb(-places)), currency,
                           locale=get_locale(), decimal_quantization=False)


from app.documents import routes  # noqa: E402,F401
