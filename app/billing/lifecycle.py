"""Which lifecycle action is allowed in which invoice state (SPEC 8), as one table."""

from app.billing.enums import INVOICE_STATES

# action → the states it may start from
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "submit_review": frozenset({"draft"}),
    "back_to_draft": frozenset({"in_review"}),
    "confirm": frozenset({"draft", "in_review"}),
    "mark_paid": frozenset({"confirmed"}),
    # A wrongly marked paid invoice goes back to confirmed (until payments are recorded).
    "reopen_paid": frozenset({"paid"}),
    "send": frozenset({"confirmed", "paid"}),
    "delete": frozenset({"draft", "in_review"}),
    "cancel": frozenset({"draft", "in_review"}),
    "refresh": frozenset({"draft"}),
    "recalculate": frozenset({"draft", "in_review"}),
    "edit": frozenset({"draft", "in_review"}),
    "preview": frozenset(INVOICE_STATES),
}
ACTIONS = tuple(ALLOWED_FROM)

class ActionNotAllowed(ValueError):
    """The invoice's state does not allow the action; the message says why in one line."""

    def __init__(self, action: str, state: str) -> None:
        allowed = " or ".join(sorted(ALLOWED_FROM[action]))
        super().__init__(f"{action.replace('_', ' ')} is not allowed on a {state.replace('_', ' ')}"
                         f" invoice (only on {allowed.replace('_', ' ')} invoices)")
        self.action = action
        self.state = state


def is_allowed(action: str, state: str) -> bool:
    if action not in ALLOWED_FROM:
        raise ValueError(f"Unknown action: {action!r}")
    if state not in INVOICE_STATES:
        raise ValueError(f"Unknown invoice state: {state!r}")
    return state in ALLOWED_FROM[action]


def check_allowed(action: str, state: str) -> None:
    """Raise ActionNotAllowed unless the action may start from this state."""
    if not is_allowed(action, state):
        raise ActionNotAllowed(action, state)
