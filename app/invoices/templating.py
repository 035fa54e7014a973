"""Helpers of the invoice editor's templates: the text of inputs, option lists and labels.

Registered as template globals, because the blocks of invoices/detail.html are also rendered
alone (htmx fragments) and the macros of invoices/_cells.html are imported without context.
"""

import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency, get_decimal_symbol
from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app import labels
from app.billing.editability import HEADER_EDITABLE_FIELDS, line_field_rule
from app.billing.money import minor_units, plain
from app.formatting import money_plain
from app.invoices import bp
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services.editing import EDITABLE_BILLING_TYPES, FIELD_LABELS, PRODUCT_CHOICES

SOURCES = {"actual": _l("From an actual"), "milestone": _l("From a milestone"),
           "none": _l("Added on the invoice")}
PRODUCT_CHOICE_LABELS = {"existing": _l("Existing product"), "write_in": _l("Write-in product")}


@bp.app_template_filter("plain_number")
def plain_number(value: Decimal | None) -> str:
    """A quantity or percent in plain notation, no trailing zeros (7.5000 → 7.5)."""
    if value is None:
        return ""
    return plain(value.normalize())


def typed(text: str) -> str:
    """A plain number as the person types it: the language's decimal sign, no grouping
    (1781.25 → 1781,25 in Danish); forms.parse_number reads both."""
    return text.replace(".", get_decimal_symbol(get_locale()))


def input_price(value: Decimal | None, currency: str) -> str:
    """A price as typed: the currency's decimals, more when it has them (950.00, 0.1235)."""
    if value is None:
        return ""
    places = max(minor_units(currency), -value.normalize().as_tuple().exponent)
    return plain(value.quantize(Decimal(1).scaleb(-places)))


@bp.app_template_filter("exact_money")
def exact_money(value: Decimal | None, currency: str) -> str:
    """Money formatted for the language without dropping decimals a price may have."""
    if value is None:
        return ""
    return format_currency(value, currency, locale=get_locale(), decimal_quantization=False)


@bp.app_template_global()
def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@bp.app_template_global()
def id_options(rows) -> list[tuple[int, str]]:
    return [(row.id, row.name) for row in rows]


@bp.app_template_global()
def billing_type_options() -> list[tuple[str, str]]:
    return [(t, str(labels.BILLING_TYPES[t])) for t in EDITABLE_BILLING_TYPES]


@bp.app_template_global()
def product_choice_options() -> list[tuple[str, str]]:
    return [(c, str(PRODUCT_CHOICE_LABELS[c])) for c in PRODUCT_CHOICES]


@bp.app_template_global()
def source_label(backing: str) -> str:
    return str(SOURCES[backing])


@bp.app_template_global()
def line_name_editable(line: InvoiceLine, state: str) -> bool:
    return line_field_rule("name", state, billing_method=line.billing_method).editable


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@bp.app_template_global()
def detail_values(detail: InvoiceLineDetail, currency: str) -> dict[str, str]:
    """The text of a detail's inputs: plain numbers (no grouping), ISO dates, ids."""
    return {
        "description": detail.description or "",
        "external_description": detail.external_description or "",
        "billing_type": detail.billing_type, "start_date": _text(detail.start_date),
        "task": _text(detail.task_id), "role": _text(detail.role_id),
        "resource": _text(detail.resource_id), "category": _text(detail.category_id),
        "unit": _text(detail.unit_id), "product": _text(detail.product_id),
        "product_choice": detail.product_choice or "", "product_name": detail.product_name or "",
        "write_in_description": detail.write_in_description or "",
        "quantity": typed(plain_number(detail.quantity)),
        "price": typed(input_price(detail.price, currency)),
        "tax": typed(money_plain(detail.tax, currency)),
    }


@bp.app_template_global()
def header_value(invoice: Invoice, name: str) -> str:
    """The text of a header input."""
    value = getattr(invoice, name)
    if name == "discount_percent":
        return typed(plain_number(value))
    if name in ("discount_amount", "freight_amount"):
        return typed(money_plain(value, invoice.currency))
    return _text(value)


@bp.app_template_global()
def sort_url(sort: str) -> str:
    """This list's URL with its filters kept, sorted otherwise, from the first page."""
    args = {key: value for key, value in request.args.items()
            if key not in ("page", "sort") and value != ""}
    return url_for(request.endpoint, **(request.view_args or {}), **args, sort=sort)


_EVERY_CLASS = ("description", "external_description", "billing_type", "tax", "quantity", "price",
                "start_date", "unit", "unit_schedule")
_BY_CLASS = {"time": ("role", "resource", "task"), "expense": ("category", "task"),
             "material": ("category", "task", "product_choice"), "fee": ("category", "task"),
             "milestone": ()}


@bp.app_template_global()
def detail_inputs(transaction_class: str, editable: frozenset[str], values: dict) -> frozenset[str]:
    """The fields a row draws as inputs: the editable ones that apply to its class (a time
    row has no category); the product or the write-in fields after the product choice.
    A refused value of any other field is shown at the top of the row."""
    fields = set(_EVERY_CLASS) | set(_BY_CLASS.get(transaction_class, ()))
    if "product_choice" in fields:
        choice = values.get("product_choice")
        fields |= {"existing": {"product"},
                   "write_in": {"product_name", "write_in_description"}}.get(choice, set())
    return frozenset(fields & editable)


@bp.app_template_global()
def header_inputs(invoice: Invoice) -> tuple[str, ...]:
    """The header fields drawn as inputs; the discount amount is computed while a percent is set."""
    return tuple(f for f in HEADER_EDITABLE_FIELDS
                 if not (f == "discount_amount" and invoice.discount_percent is not None))
