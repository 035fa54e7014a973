"""Who may edit which invoice field (SPEC 5.2-5.4): one table per level, read by forms and templates."""
from __future__ import annotations

from dataclasses import dataclass

from .enums import BACKINGS, BILLING_METHODS, EDITABLE_STATES, INVOICE_STATES

__all__ = [
    "DETAIL_FIELDS", "HEADER_COMPUTED_FIELDS", "HEADER_EDITABLE_FIELDS", "HEADER_FIELDS",
    "HEADER_FIXED_FIELDS", "LINE_FIELDS", "REASONS", "Rule", "can_add_detail",
    "detail_field_rule", "editable_detail_fields", "header_field_rule", "line_field_rule",
]

# Reason codes; the web layer wraps the sentences for translation.
REASONS: dict[str, str] = {
    "invoice_locked": "This invoice is no longer a draft or in review and can no longer be changed.",
    "from_actual": "Taken from the actual; it cannot be changed on the invoice.",
    "from_milestone": "Taken from the milestone; it cannot be changed on the invoice.",
    "computed": "Computed from other values; it cannot be entered.",
    "header": "Comes from the invoice header; it cannot be changed on a detail.",
    "fixed": "Set by the system; it cannot be changed.",
    "set_at_creation": "Chosen when the detail was created; it cannot be changed afterwards.",
}


@dataclass(frozen=True)
class Rule:
    """Whether a field may be edited and, if not, the reason code (a key of REASONS)."""

    editable: bool
    reason: str | None = None


EDIT = Rule(True)
LOCKED = Rule(False, "invoice_locked")
ACTUAL, MILESTONE = Rule(False, "from_actual"), Rule(False, "from_milestone")
COMPUTED, HEADER, FIXED = Rule(False, "computed"), Rule(False, "header"), Rule(False, "fixed")
SET_AT_CREATION = Rule(False, "set_at_creation")

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

_LINE_MATRIX: dict[str, Rule] = {
    "name": EDIT,
    "contract_line": FIXED, "project": FIXED, "billing_method": FIXED,
    "contract_line_amount": FIXED, "product": FIXED, "quantity": FIXED, "price": FIXED,
    "invoiced_to_date": COMPUTED, "amount": COMPUTED, "tax": COMPUTED, "extended_amount": COMPUTED,
}
# Product-based lines cannot be edited at all (SPEC 5.3), not even their name.
_PRODUCT_LINE_OVERRIDES: dict[str, Rule] = {"name": FIXED}
LINE_FIELDS: tuple[str, ...] = tuple(_LINE_MATRIX)


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    """ValueError unless value is one of allowed."""
    if value not in allowed:
        raise ValueError(f"Unknown {what}: {value!r}")


def _open(state: str) -> bool:
    """True while the invoice state allows edits (draft or in review)."""
    _check(state, INVOICE_STATES, "invoice state")
    return state in EDITABLE_STATES


def detail_field_rule(backing: str, field: str, state: str, *, creating: bool = False) -> Rule:
    """May this field of a detail with this backing be edited in this invoice state?"""
    _check(backing, BACKINGS, "backing")
    _check(field, DETAIL_FIELDS, "detail field")
    if not _open(state):
        return LOCKED
    if creating and (backing, field) in _DETAIL_WHEN_CREATING:
        return _DETAIL_WHEN_CREATING[backing, field]
    return _DETAIL_MATRIX[field][BACKINGS.index(backing)]


def editable_detail_fields(backing: str, state: str, *, creating: bool = False) -> frozenset[str]:
    """The detail fields that may be edited for this backing and state."""
    return frozenset(
        f for f in DETAIL_FIELDS if detail_field_rule(backing, f, state, creating=creating).editable)


def header_field_rule(field: str, state: str) -> Rule:
    """May this invoice header field be edited in this invoice state?"""
    _check(field, HEADER_FIELDS, "header field")
    return _HEADER_MATRIX[field] if _open(state) else LOCKED


def line_field_rule(field: str, state: str, *, billing_method: str | None = None) -> Rule:
    """May this invoice line field be edited? Only the name of a non-product line is."""
    _check(field, LINE_FIELDS, "line field")
    if billing_method is not None:
        _check(billing_method, BILLING_METHODS, "billing method")
    if not _open(state):
        return LOCKED
    if billing_method == "product":
        return _PRODUCT_LINE_OVERRIDES.get(field, _LINE_MATRIX[field])
    return _LINE_MATRIX[field]


def can_add_detail(state: str) -> bool:
    """New details may be added only while the invoice is draft or in review."""
    return _open(state)
