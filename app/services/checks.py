"""The checks the setup use cases share (app.services.reference, app.services.contracts):
a chosen row exists and is not archived, text is given and short enough, a currency is an
ISO 4217 code, a number has its decimals, a name or key is free. Each refusal is a
ServiceError naming the form field it belongs next to.
"""

import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.billing.money import PERCENT_PLACES, as_money, check_places, minor_units
from app.billing.values import fits, is_currency, too_large
from app.extensions import db
from app.services import NotFound, ServiceError

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


def get_row(model, id_: int | None, field: str | None = None, *, lock: bool = False):
    """The row, or NotFound (next to `field` when it is a choice on the form)."""
    row = None
    if id_ is not None:
        query = select(model).where(model.id == id_)
        row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(_("Choose one of the options.") if field else _("Not found."), field=field)
    return row


def chosen(model, id_: int | None, field: str, current: int | None = None):
    """A record chosen on a form: it must exist and not be archived (unless it is the one
    the record already has)."""
    row = get_row(model, id_, field)
    if getattr(row, "archived", False) and row.id != current:
        raise ServiceError(_("%(name)s is archived; choose another one.", name=row.name),
                           field=field)
    return row


def text(value: str | None, field: str, *, required: bool = True, limit: int = 200) -> str:
    """The text trimmed; required unless said otherwise, at most `limit` characters."""
    trimmed = (value or "").strip()
    if required and not trimmed:
        raise ServiceError(_("Required."), field=field)
    if len(trimmed) > limit:
        raise ServiceError(_("At most %(limit)s characters.", limit=limit), field=field)
    return trimmed


def currency_code(code: str | None, field: str = "currency") -> str:
    code = (code or "").strip().upper()
    if not code:
        raise ServiceError(_("Required."), field=field)
    if not is_currency(code):
        raise ServiceError(_("Not an ISO 4217 currency code."), field=field)
    return code


def number(value: Decimal | None, field: str, places: int, *, required: bool = True,
            minimum: Decimal | None = Decimal(0)) -> Decimal | None:
    """A number with at most `places` decimals, not below `minimum`."""
    if value is None:
        if required:
            raise ServiceError(_("Required."), field=field)
        return None
    try:
        check_places(value, places)
    except (TypeError, ValueError):
        raise ServiceError(_("At most %(places)s decimals.", places=places), field=field) from None
    if minimum is not None and value < minimum:
        raise ServiceError(_("Must not be negative.") if minimum == 0
                           else _("Must be at least %(minimum)s.", minimum=minimum), field=field)
    if too_large(value):
        raise ServiceError(_("Too large."), field=field)
    return value


def money(value: Decimal | None, currency: str, field: str, *,
           required: bool = True) -> Decimal | None:
    """An amount in the currency: no more decimals than its minor units."""
    places = minor_units(currency)
    value = number(value, field, 4, required=required)
    if value is not None and not fits(value, places):
        raise ServiceError(_("%(currency)s has %(places)s decimals.", currency=currency,
                             places=places), field=field)
    return None if value is None else as_money(value, currency)


def percent(value: Decimal | None, field: str = "tax_rate") -> Decimal:
    rate = number(value, field, PERCENT_PLACES)
    if rate > 100:
        raise ServiceError(_("Between 0 and 100."), field=field)
    return rate


def unique_name(model, name: str, current: int | None) -> None:
    """Role and category names are unique (the database says so too); case does not count."""
    clash = db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower(),
                                                     model.id != (current or 0)))
    if clash is not None:
        raise ServiceError(_("%(name)s already exists.", name=name), field="name")


def new_key(value: str | None, model, field: str = "key") -> str:
    """A short code such as "week", unique in its table: import files refer to it."""
    key = (value or "").strip().lower()
    if not KEY_PATTERN.fullmatch(key):
        raise ServiceError(_("Lower-case letters, digits, '-', '_' and '.', at most 64."),
                           field=field)
    if db.session.scalar(select(model.id).where(model.key == key)) is not None:
        raise ServiceError(_("%(key)s is already used.", key=key), field=field)
    return key


def assign(row, **values):
    for name, value in values.items():
        setattr(row, name, value)
    return row


def added(row):
    db.session.add(row)
    db.session.flush()
    return row
