"""Every filter and global the templates use, registered once by the factory (`register`).

Globals rather than context, because the blocks of a page are also rendered alone (htmx
fragments) and macro files such as invoices/_cells.html are imported without context.
The display formatters themselves live in app.formatting; the inputs' text of the invoice
editor is written here.
"""

import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency, get_decimal_symbol
from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import formatting, labels
from app.billing.editability import (CORRECTION_HEADER_EDITABLE_FIELDS, HEADER_EDITABLE_FIELDS,
                                     class_inputs, header_field_rule, line_field_rule)
from app.billing.money import minor_units, plain
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services.editing import EDITABLE_BILLING_TYPES, PRODUCT_CHOICES
from app.terms import FIELD_LABELS
from app.terms import unit_term
from app.web import pages

# ---------------------------------------------------------------- numbers as inputs show them


def plain_number(value: Decimal | None) -> str:
    """A quantity, percent or price in plain notation, no trailing zeros (950.0000 → 950)."""
    if value is None:
        return ""
    return plain(value.normalize())


def typed(text: str) -> str:
    """A plain number as the person types it: the language's decimal sign, no grouping
    (1781.25 → 1781,25 in Danish); app.web.forms.DecimalField reads both."""
    return text.replace(".", get_decimal_symbol(get_locale()))


def input_price(value: Decimal | None, currency: str) -> str:
    """A price as typed: the currency's decimals, more when it has them (950.00, 0.1235)."""
    if value is None:
        return ""
    places = max(minor_units(currency), -value.normalize().as_tuple().exponent)
    return plain(value.quantize(Decimal(1).scaleb(-places)))


def exact_money(value: Decimal | None, currency: str) -> str:
    """Money formatted for the language without dropping decimals a price may have."""
    if value is None:
        return ""
    return format_currency(value, currency, locale=get_locale(), decimal_quantization=False)


# ---------------------------------------------------------------- the invoice editor

SOURCES = {"actual": _l("From an actual"), "milestone": _l("From a milestone"),
           "none": _l("Added on the invoice")}
PRODUCT_CHOICE_LABELS = {"existing": _l("Existing product"), "write_in": _l("Write-in product")}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def id_options(rows) -> list[tuple[int, str]]:
    return [(row.id, row.name) for row in rows]


def billing_type_options() -> list[tuple[str, str]]:
    return [(t, str(labels.BILLING_TYPES[t])) for t in EDITABLE_BILLING_TYPES]


def product_choice_options() -> list[tuple[str, str]]:
    return [(c, str(PRODUCT_CHOICE_LABELS[c])) for c in PRODUCT_CHOICES]


def source_label(backing: str) -> str:
    return str(SOURCES[backing])


def line_name_editable(line: InvoiceLine, state: str) -> bool:
    return line_field_rule("name", state, billing_method=line.billing_method,
                           invoice_type=line.invoice.invoice_type).editable


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def detail_values(detail: InvoiceLineDetail, currency: str,
                  typed_text: dict[str, str] | None = None) -> dict[str, str]:
    """The text of a detail's inputs: plain numbers (no grouping), ISO dates, ids;
    `typed_text` (what the person typed in a refused row) instead where given."""
    values = {
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
        "tax": typed(formatting.money_plain(detail.tax, currency)),
    }
    if typed_text:
        values.update((name, text) for name, text in typed_text.items() if name in values)
    return values


def header_value(invoice: Invoice, name: str) -> str:
    """The text of a header input."""
    value = getattr(invoice, name)
    if name == "discount_percent":
        return typed(plain_number(value))
    if name in ("discount_amount", "freight_amount", "corrected_freight_amount"):
        return typed(formatting.money_plain(value or Decimal(0), invoice.currency))
    return _text(value)


# The inputs every class of detail has; app.billing.editability says which others apply.
_EVERY_CLASS = frozenset({"description", "external_description", "billing_type", "tax",
                          "quantity", "price", "start_date", "unit", "unit_schedule"})


def detail_inputs(transaction_class: str, editable: frozenset[str], values: dict) -> frozenset[str]:
    """The fields a row draws as inputs: the editable ones that apply to its class (a time
    row has no category); the product or the write-in fields after the product choice.
    A refused value of any other field is shown at the top of the row."""
    fields = _EVERY_CLASS | class_inputs(transaction_class, values.get("product_choice"))
    return frozenset(fields & editable)


def header_inputs(invoice: Invoice) -> tuple[str, ...]:
    """The header fields drawn as inputs (app.billing.editability for the invoice's type: a
    credit note takes its dates, texts and corrected freight); the discount amount is
    computed while a percent is set."""
    fields = (CORRECTION_HEADER_EDITABLE_FIELDS if invoice.is_credit_note
              else HEADER_EDITABLE_FIELDS)
    return tuple(f for f in fields
                 if header_field_rule(f, invoice.state, invoice_type=invoice.invoice_type).editable
                 and not (f == "discount_amount" and invoice.discount_percent is not None))


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


# ---------------------------------------------------------------- access

def can(permission: str) -> bool:
    """Whether the signed-in user may do it (app.web.access): buttons are offered accordingly."""
    return current_user.can(permission)


# ---------------------------------------------------------------- registration

FILTERS = {
    "money": formatting.money, "money_plain": formatting.money_plain,
    "quantity": formatting.quantity, "percent": formatting.percent, "day": formatting.day,
    "weekday": formatting.weekday, "moment": formatting.moment,
    "audit_action": formatting.audit_action, "label": labels.label, "unit": unit_term,
    "plain_number": plain_number, "exact_money": exact_money, "unit_price": unit_price,
}

GLOBALS = {
    "money_cell": formatting.money_cell, "can": can,
    "current_path": pages.current_path, "page_url": pages.page_url, "sort_url": pages.sort_url,
    "field_label": field_label, "id_options": id_options,
    "billing_type_options": billing_type_options,
    "product_choice_options": product_choice_options, "source_label": source_label,
    "line_name_editable": line_name_editable, "detail_values": detail_values,
    "header_value": header_value, "detail_inputs": detail_inputs, "header_inputs": header_inputs,
}


def register(app: Flask) -> None:
    """Make every filter and global available in every template."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
