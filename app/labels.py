"""Labels of the pages: the glossary of app.terms, and what only pages show (audit
actions, role names).

Each vocabulary is its own ordered mapping (for filter choices); `label` looks a value up
in all of them.
"""

from flask_babel import lazy_gettext as _l

from app.terms import (ACTUAL_STATUSES, BILLING_METHODS, BILLING_TYPES, DETAIL_CLASSES,  # noqa: F401
                       FREQUENCIES, INVOICE_STATUSES, INVOICE_TYPES, MILESTONE_STATUSES,
                       PAYMENT_KINDS, PAYMENT_METHODS, PROJECT_INVOICE_STATUSES,
                       TRANSACTION_CLASSES, UNITS, term)

AUDIT_ACTIONS = {
    "create": _l("Created"),
    "edit": _l("Changed"),
    "add_detail": _l("Added a detail"),
    "remove_detail": _l("Removed a detail"),
    "remove_line": _l("Removed a product line"),
    "recalculate": _l("Recalculated"),
    "refresh": _l("Refreshed invoice line transactions"),
    "submit_review": _l("Submitted for review"),
    "back_to_draft": _l("Sent back to draft"),
    "confirm": _l("Confirmed"),
    "mark_paid": _l("Marked as paid"),
    "reopen_paid": _l("Reopened as unpaid"),
    "delete": _l("Deleted"),
    "cancel": _l("Cancelled"),
    "send": _l("Sent to customer"),
    "correct": _l("Corrected"),
    "create_correction": _l("Created as a correction"),
    "correction_confirmed": _l("Correction confirmed"),
    "payment": _l("Payment recorded"),
    "refund": _l("Refund recorded"),
    "reverse_payment": _l("Payment reversed"),
    "reverse_refund": _l("Refund reversed"),
}

ROLE_NAMES = {
    "viewer": _l("Viewer"),
    "reviewer": _l("Reviewer"),
    "billing_manager": _l("Billing manager"),
    "admin": _l("Administrator"),
}



def label(value: str | None) -> str:
    """The translated label of a stored value; unknown values are shown as they are."""
    if value is None:
        return ""
    return str(ROLE_NAMES[value]) if value in ROLE_NAMES else term(value)
