"""Display labels of the stored vocabularies (statuses, billing types, classes…).

The database keeps plain values such as "non_chargeable"; pages show these translated
labels. Each vocabulary is its own ordered mapping (for filter choices); `label` looks a
value up in all of them.
"""

from flask_babel import lazy_gettext as _l

TRANSACTION_CLASSES = {
    "time": _l("Time"),
    "expense": _l("Expense"),
    "material": _l("Material"),
    "fee": _l("Fee"),
}

DETAIL_CLASSES = {**TRANSACTION_CLASSES, "milestone": _l("Milestone")}

BILLING_TYPES = {
    "chargeable": _l("Chargeable"),
    "non_chargeable": _l("Non-chargeable"),
    "complimentary": _l("Complimentary"),
    "not_available": _l("Not available"),
}

BILLING_METHODS = {
    "time_and_material": _l("Time and material"),
    "fixed_price": _l("Fixed price"),
    "product": _l("Product"),
}

ACTUAL_STATUSES = {
    "unbilled": _l("Unbilled"),
    "ready": _l("Ready to invoice"),
    "invoice_created": _l("Invoice created"),
    "invoice_posted": _l("Invoice posted"),
}

# Milestones and product contract lines.
MILESTONE_STATUSES = {
    "not_ready": _l("Not ready to invoice"),
    "ready": _l("Ready to invoice"),
    "invoice_created": _l("Invoice created"),
    "invoice_posted": _l("Invoice posted"),
}

INVOICE_STATUSES = {
    "active": _l("Active"),
    "closed": _l("Closed"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
}

PROJECT_INVOICE_STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "confirmed": _l("Confirmed"),
}

FREQUENCIES = {
    "weekly": _l("Weekly"),
    "biweekly": _l("Every two weeks"),
    "monthly": _l("Monthly"),
    "semi_monthly": _l("Twice a month"),
}

# The built-in units, by key; units an admin adds are shown by their name.
UNITS = {
    "hour": _l("Hour"),
    "day": _l("Day"),
    "each": _l("Each"),
    "km": _l("km"),
}

INVOICE_TYPES = {
    "invoice": _l("Invoice"),
    "credit_note": _l("Credit note"),
}

AUDIT_ACTIONS = {
    "create": _l("Created"),
    "edit": _l("Changed"),
    "add_detail": _l("Added a detail"),
    "remove_detail": _l("Removed a detail"),
    "recalculate": _l("Recalculated"),
    "refresh": _l("Refreshed invoice line transactions"),
    "submit_review": _l("Submitted for review"),
    "back_to_draft": _l("Sent back to draft"),
    "confirm": _l("Confirmed"),
    "mark_paid": _l("Marked as paid"),
    "delete": _l("Deleted"),
    "cancel": _l("Cancelled"),
    "send": _l("Sent to customer"),
}

ROLE_NAMES = {
    "viewer": _l("Viewer"),
    "reviewer": _l("Reviewer"),
    "billing_manager": _l("Billing manager"),
    "admin": _l("Administrator"),
}

# A value means the same thing in every vocabulary it appears in ("ready", "invoice_posted").
_ALL = {**DETAIL_CLASSES, **BILLING_TYPES, **BILLING_METHODS, **ACTUAL_STATUSES,
        **MILESTONE_STATUSES, **INVOICE_STATUSES, **PROJECT_INVOICE_STATUSES, **FREQUENCIES,
        **INVOICE_TYPES, **ROLE_NAMES}


def unit_label(unit) -> str:
    """A unit's name, translated for the built-in units."""
    if unit is None:
        return ""
    return str(UNITS[unit.key]) if unit.key in UNITS else unit.name


def label(value: str | None) -> str:
    """The translated label of a stored value; unknown values are shown as they are."""
    if value is None:
        return ""
    return str(_ALL.get(value, value))
