"""Who may edit which invoice field (SPEC 5.2-5.4): one table per level, read by forms and templates."""
from __future__ import annotations

from dataclasses import dataclass

from .enums import (BACKINGS, BILLING_METHODS, DETAIL_CLASSES, EDITABLE_STATES, INVOICE_STATES,
                    INVOICE_TYPES)

__all__ = [
    "CORRECTION_DETAIL_FIELDS", "CORRECTION_HEADER_EDITABLE_FIELDS", "DETAIL_FIELDS", "HEADER_COMPUTED_FIELDS", "HEADER_EDITABLE_FIELDS", "HEADER_FIELDS",
    "HEADER_FIXED_FIELDS", "LINE_FIELDS", "Rule", "applies_to_class", "class_inputs",
    "detail_field_rule", "editable_detail_fields", "header_field_rule", "line_field_rule",
]

@dataclass(frozen=True)
class Rule:
    """Whether a field may be edited and, if not, why, as a code the edge words for the
    user: invoice_locked, from_actual, from_milestone, computed, header, fixed,
    set_at_creation, not_for_class, billed (a credit note shows what was billed), whole
    (a milestone is credited whole), from_original (a credit note keeps its original's)."""

    editable: bool
    reason: str | None = None


EDIT = Rule(True)
LOCKED = Rule(False, "invoice_locked")
ACTUAL, MILESTONE = Rule(False, "from_actual"), Rule(False, "from_milestone")
COMPUTED, HEADER, FIXED = Rule(False, "computed"), Rule(False, "header"), Rule(False, "fixed")
SET_AT_CREATION = Rule(False, "set_at_creation")
NOT_FOR_CLASS = Rule(False, "not_for_class")
BILLED, WHOLE, FROM_ORIGINAL = Rule(False, "billed"), Rule(False, "whole"), Rule(False, "from_original")

# SPEC 5.4 while the invoice is draft or in review. Columns follow BACKINGS:
#                            actual    milestone   none
_DETAIL_MATRIX: dict[str, tuple[Rule, Rule, Rule]] = {
    "description":          (EDIT,     EDIT,       EDIT),
    "external_description": (EDIT,     EDIT,       EDIT),
    "billing_type":         (EDIT,     FIXED,      EDIT),
    "tax":                  (EDIT,     MILESTONE,  EDIT),
    "quantity":             (ACTUAL,   MILESTONE,  EDIT),
    "price":                (ACTUAL,   MILESTONE,  EDIT),
    "amount":               (ACTUAL,   MILESTONE,  COMPUTED),
    "start_date":           (ACTUAL,   MILESTONE,  EDIT),
    "task":                 (ACTUAL,   MILESTONE,  EDIT),
    "category":             (ACTUAL,   MILESTONE,  EDIT),
    "role":                 (ACTUAL,   MILESTONE,  EDIT),
    "resource":             (ACTUAL,   MILESTONE,  EDIT),
    "unit":                 (ACTUAL,   MILESTONE,  EDIT),
    "unit_schedule":        (ACTUAL,   MILESTONE,  EDIT),
    "product_choice":       (ACTUAL,   MILESTONE,  EDIT),
    "product":              (ACTUAL,   MILESTONE,  EDIT),
    "product_name":         (ACTUAL,   MILESTONE,  EDIT),
    "write_in_description": (ACTUAL,   MILESTONE,  EDIT),
    "currency":             (HEADER,   HEADER,     HEADER),
    "transaction_class":    (ACTUAL,   FIXED,      SET_AT_CREATION),
    "transaction_type":     (FIXED,    FIXED,      FIXED),
    "extended_amount":      (COMPUTED, COMPUTED,   COMPUTED),
}
# Cells that differ on the form that creates a new detail.
_DETAIL_WHEN_CREATING: dict[tuple[str, str], Rule] = {("none", "transaction_class"): EDIT}

DETAIL_FIELDS: tuple[str, ...] = tuple(_DETAIL_MATRIX)

# The credit-note column (issue 14): a corrective detail shows what was billed and takes
# what should have been billed. Columns follow BACKINGS:
#                               actual    milestone   none
_CORRECTION_MATRIX: dict[str, tuple[Rule, Rule, Rule]] = {
    "description":             (EDIT,     EDIT,       EDIT),
    "external_description":    (EDIT,     EDIT,       EDIT),
    # A milestone: 0 (credited whole) or its billed quantity (unchanged).
    "corrected_quantity":      (EDIT,     EDIT,       EDIT),
    "corrected_price":         (EDIT,     WHOLE,      EDIT),
    "corrected_tax":           (EDIT,     WHOLE,      EDIT),
    "corrected_billing_type":  (EDIT,     FIXED,      EDIT),
}
CORRECTION_DETAIL_FIELDS: tuple[str, ...] = tuple(_CORRECTION_MATRIX) + tuple(
    f for f in _DETAIL_MATRIX if f not in _CORRECTION_MATRIX)

# Which detail fields apply to which transaction class: a time row has a role and a
# resource but no category; only a material can be a product.
_PRODUCT_FIELDS = ("product_choice", "product", "product_name", "write_in_description")
_CLASS_FIELDS: dict[str, frozenset[str]] = {
    "time": frozenset({"role", "resource", "task"}),
    "expense": frozenset({"category", "task"}),
    "material": frozenset({"category", "task", *_PRODUCT_FIELDS}),
    "fee": frozenset({"category", "task"}),
    "milestone": frozenset(),
}
_BY_CLASS: frozenset[str] = frozenset().union(*_CLASS_FIELDS.values())
# With a product choice, which product fields it shows.
_BY_PRODUCT_CHOICE = {"existing": frozenset({"product"}),
                      "write_in": frozenset({"product_name", "write_in_description"})}

HEADER_EDITABLE_FIELDS = (
    "name", "description", "bill_to_name", "bill_to_email", "bill_to_street",
    "bill_to_postal_code", "bill_to_city", "bill_to_country", "invoice_date", "due_date",
    "discount_percent", "discount_amount", "freight_amount",
)
HEADER_COMPUTED_FIELDS = ("detail_amount", "pre_freight_amount", "total_tax", "total_amount")
HEADER_FIXED_FIELDS = (
    "id", "number", "currency", "price_list", "opportunity", "contract", "customer",
    "status", "project_invoice_status", "cutoff_date",
)
_HEADER_MATRIX: dict[str, Rule] = (
    dict.fromkeys(HEADER_EDITABLE_FIELDS, EDIT)
    | dict.fromkeys(HEADER_COMPUTED_FIELDS, COMPUTED)
    | dict.fromkeys(HEADER_FIXED_FIELDS, FIXED)
)
HEADER_FIELDS: tuple[str, ...] = tuple(_HEADER_MATRIX)
# A credit note keeps its original's bill-to and discount; what it takes: its name, texts,
# dates and the freight that should have been billed.
CORRECTION_HEADER_EDITABLE_FIELDS = ("name", "description", "invoice_date", "due_date",
                                     "corrected_freight_amount")
_CORRECTION_HEADER_MATRIX: dict[str, Rule] = (
    dict.fromkeys(HEADER_FIELDS, FROM_ORIGINAL)
    | dict.fromkeys(HEADER_COMPUTED_FIELDS + ("discount_amount", "freight_amount"), COMPUTED)
    | dict.fromkeys(HEADER_FIXED_FIELDS, FIXED)
    | dict.fromkeys(CORRECTION_HEADER_EDITABLE_FIELDS, EDIT)
)
CORRECTION_HEADER_FIELDS: tuple[str, ...] = tuple(_CORRECTION_HEADER_MATRIX)

_LINE_MATRIX: dict[str, Rule] = {
    "name": EDIT,
    "contract_line": FIXED, "project": FIXED, "billing_method": FIXED,
    "contract_line_amount": FIXED, "product": FIXED, "quantity": FIXED, "price": FIXED,
    "invoiced_to_date": COMPUTED, "amount": COMPUTED, "tax": COMPUTED, "extended_amount": COMPUTED,
}
# Product-based lines cannot be edited at all (SPEC 5.3), not even their name.
_PRODUCT_LINE_OVERRIDES: dict[str, Rule] = {"name": FIXED}
LINE_FIELDS: tuple[str, ...] = tuple(_LINE_MATRIX)
CORRECTION_LINE_FIELDS: tuple[str, ...] = LINE_FIELDS + ("corrected_quantity",)


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    """ValueError unless value is one of allowed."""
    if value not in allowed:
        raise ValueError(f"Unknown {what}: {value!r}")


def _open(state: str) -> bool:
    """True while the invoice state allows edits (draft or in review)."""
    _check(state, INVOICE_STATES, "invoice state")
    return state in EDITABLE_STATES


def applies_to_class(field: str, transaction_class: str | None) -> bool:
    """Whether a detail field means anything for a detail of this class (None: any class)."""
    _check(field, DETAIL_FIELDS, "detail field")
    if transaction_class is None or field not in _BY_CLASS:
        return True
    _check(transaction_class, DETAIL_CLASSES, "transaction class")
    return field in _CLASS_FIELDS[transaction_class]


def class_inputs(transaction_class: str, product_choice: str | None) -> frozenset[str]:
    """The class-specific fields a row of this class shows: after the product choice of
    a material, the product or the write-in fields."""
    _check(transaction_class, DETAIL_CLASSES, "transaction class")
    fields = _CLASS_FIELDS[transaction_class] - set(_PRODUCT_FIELDS[1:])
    if "product_choice" in fields:
        fields |= _BY_PRODUCT_CHOICE.get(product_choice or "", frozenset())
    return fields


def detail_field_rule(backing: str, field: str, state: str, *, creating: bool = False,
                      transaction_class: str | None = None,
                      invoice_type: str = "invoice") -> Rule:
    """May this field of a detail with this backing (and class, when given) be edited in
    this invoice state? On a credit note only the corrected values and the descriptions
    may; every billed value stays as billed."""
    _check(backing, BACKINGS, "backing")
    _check(invoice_type, INVOICE_TYPES, "invoice type")
    if invoice_type == "credit_note":
        _check(field, CORRECTION_DETAIL_FIELDS, "credit-note detail field")
        if not _open(state):
            return LOCKED
        if field not in _CORRECTION_MATRIX:
            return COMPUTED if field in ("amount", "extended_amount") else BILLED
        return _CORRECTION_MATRIX[field][BACKINGS.index(backing)]
    _check(field, DETAIL_FIELDS, "detail field")
    if not _open(state):
        return LOCKED
    if not applies_to_class(field, transaction_class):
        return NOT_FOR_CLASS
    if creating and (backing, field) in _DETAIL_WHEN_CREATING:
        return _DETAIL_WHEN_CREATING[backing, field]
    return _DETAIL_MATRIX[field][BACKINGS.index(backing)]


def editable_detail_fields(backing: str, state: str, *, creating: bool = False,
                           transaction_class: str | None = None,
                           invoice_type: str = "invoice") -> frozenset[str]:
    """The detail fields that may be edited for this backing, state (and class)."""
    fields = CORRECTION_DETAIL_FIELDS if invoice_type == "credit_note" else DETAIL_FIELDS
    return frozenset(
        f for f in fields
        if detail_field_rule(backing, f, state, creating=creating,
                             transaction_class=transaction_class,
                             invoice_type=invoice_type).editable)


def header_field_rule(field: str, state: str, *, invoice_type: str = "invoice") -> Rule:
    """May this invoice (or credit note) header field be edited in this invoice state?"""
    _check(invoice_type, INVOICE_TYPES, "invoice type")
    matrix = _CORRECTION_HEADER_MATRIX if invoice_type == "credit_note" else _HEADER_MATRIX
    _check(field, tuple(matrix), "header field")
    return matrix[field] if _open(state) else LOCKED


def line_field_rule(field: str, state: str, *, billing_method: str | None = None,
                    invoice_type: str = "invoice") -> Rule:
    """May this invoice line field be edited? Only the name of a non-product line is; on a
    credit note the corrected quantity of a product line, and nothing else."""
    _check(invoice_type, INVOICE_TYPES, "invoice type")
    _check(field, CORRECTION_LINE_FIELDS if invoice_type == "credit_note" else LINE_FIELDS,
           "line field")
    if billing_method is not None:
        _check(billing_method, BILLING_METHODS, "billing method")
    if not _open(state):
        return LOCKED
    if invoice_type == "credit_note":
        if field == "corrected_quantity":
            return EDIT if billing_method == "product" else NOT_FOR_CLASS
        return FROM_ORIGINAL if _LINE_MATRIX[field].editable else _LINE_MATRIX[field]
    if billing_method == "product":
        return _PRODUCT_LINE_OVERRIDES.get(field, _LINE_MATRIX[field])
    return _LINE_MATRIX[field]

