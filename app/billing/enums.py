"""The closed vocabularies of billing as tuples of strings (the DB builds CHECK constraints from them)."""
from __future__ import annotations

CHARGEABLE = "chargeable"
NON_CHARGEABLE = "non_chargeable"
COMPLIMENTARY = "complimentary"
NOT_AVAILABLE = "not_available"
BILLING_TYPES = (CHARGEABLE, NON_CHARGEABLE, COMPLIMENTARY, NOT_AVAILABLE)

TRANSACTION_CLASSES = ("time", "expense", "material", "fee")
DETAIL_CLASSES = TRANSACTION_CLASSES + ("milestone",)
TRANSACTION_TYPES = ("billed_sales",)

BILLING_METHODS = ("time_and_material", "fixed_price", "product")

ACTUAL_STATUSES = ("unbilled", "ready", "invoice_created", "invoice_posted")
# Product contract lines follow the milestone life cycle too.
MILESTONE_STATUSES = ("not_ready", "ready", "invoice_created", "invoice_posted")

INVOICE_STATUSES = ("active", "closed", "paid", "cancelled")
PROJECT_INVOICE_STATUSES = ("draft", "in_review", "confirmed")

BACKINGS = ("actual", "milestone", "none")

INVOICE_TYPES = ("invoice", "credit_note")
INVOICE_STATES = ("draft", "in_review", "confirmed", "paid", "cancelled", "closed")
EDITABLE_STATES = ("draft", "in_review")
# Issued: a legal document from then on (not a PROFORMA preview).
ISSUED_STATES = ("confirmed", "paid")


def invoice_state(status: str, project_invoice_status: str) -> str:
    """One state from the invoice's two status columns; paid/cancelled/closed win."""
    if status not in INVOICE_STATUSES:
        raise ValueError(f"Unknown invoice status: {status!r}")
    if project_invoice_status not in PROJECT_INVOICE_STATUSES:
        raise ValueError(f"Unknown project invoice status: {project_invoice_status!r}")
    return project_invoice_status if status == "active" else status
