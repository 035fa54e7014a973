"""Which lifecycle action is allowed in which invoice state (SPEC 8), as one table."""

from app.billing.enums import INVOICE_STATES, INVOICE_TYPES

# action → the states it may start from
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "submit_review": frozenset({"draft"}),
    "back_to_draft": frozenset({"in_review"}),
    "confirm": frozenset({"draft", "in_review"}),
    "mark_paid": frozenset({"confirmed"}),
    # A wrongly marked paid invoice goes back to confirmed: its payments are reversed.
    "reopen_paid": frozenset({"paid"}),
    "send": frozenset({"confirmed", "paid"}),
    "delete": frozenset({"draft", "in_review"}),
    "cancel": frozenset({"draft", "in_review"}),
    "refresh": frozenset({"draft"}),
    "recalculate": frozenset({"draft", "in_review"}),
    "edit": frozenset({"draft", "in_review"}),
    "preview": frozenset(INVOICE_STATES),
    # A confirmed or paid invoice is corrected by a credit note (issue 14).
    "correct": frozenset({"confirmed", "paid"}),
    # Payments (issue 15): on a paid invoice, a refund after a credit note.
    "pay": frozenset({"confirmed", "paid"}),
    "reverse_payment": frozenset({"confirmed", "paid"}),
    # A reminder of what is still due: confirmed, not yet paid.
    "remind": frozenset({"confirmed"}),
}
ACTIONS = tuple(ALLOWED_FROM)
# What a credit note never does: it takes no new items, is not paid like an invoice (a
# refund is recorded against its original), and is itself corrected through its original.
NOT_FOR_CREDIT_NOTES = frozenset({"refresh", "mark_paid", "reopen_paid", "correct", "pay",
                                  "reverse_payment", "remind"})

class ActionNotAllowed(ValueError):
    """The invoice's state (or type) does not allow the action; the message says why in
    one line."""

    def __init__(self, action: str, state: str, invoice_type: str = "invoice") -> None:
        if invoice_type != "invoice" and action in NOT_FOR_CREDIT_NOTES:
            super().__init__(f"{action.replace('_', ' ')} is not allowed on a credit note")
        else:
            allowed = " or ".join(sorted(ALLOWED_FROM[action]))
            super().__init__(f"{action.replace('_', ' ')} is not allowed on a "
                             f"{state.replace('_', ' ')} invoice (only on "
                             f"{allowed.replace('_', ' ')} invoices)")
        self.action = action
        self.state = state
        self.invoice_type = invoice_type


def is_allowed(action: str, state: str, invoice_type: str = "invoice") -> bool:
    if action not in ALLOWED_FROM:
        raise ValueError(f"Unknown action: {action!r}")
    if state not in INVOICE_STATES:
        raise ValueError(f"Unknown invoice state: {state!r}")
    if invoice_type not in INVOICE_TYPES:
        raise ValueError(f"Unknown invoice type: {invoice_type!r}")
    if invoice_type == "credit_note" and action in NOT_FOR_CREDIT_NOTES:
        return False
    return state in ALLOWED_FROM[action]


def check_allowed(action: str, state: str, invoice_type: str = "invoice") -> None:
    """Raise ActionNotAllowed unless the action may start from this state (and type)."""
    if not is_allowed(action, state, invoice_type):
        raise ActionNotAllowed(action, state, invoice_type)
