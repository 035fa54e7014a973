"""Who may do what (issue 7): four roles, each with everything of the one below."""

ROLES = ("viewer", "reviewer", "billing_manager", "admin")

# permission → the least role that has it
REQUIRED_ROLE = {
    "read": "viewer",
    "edit_invoice": "reviewer",  # edit draft / in-review invoices, submit for review
    "submit_review": "reviewer",
    "create_invoice": "billing_manager",
    "manage_backlog": "billing_manager",
    "enter_time": "reviewer",  # time and expense entries
    "approve_entries": "billing_manager",
    "confirm": "billing_manager",
    "send": "billing_manager",
    "mark_paid": "billing_manager",
    "reopen_paid": "billing_manager",
    "send_reminder": "billing_manager",  # issue 15
    "book_statements": "billing_manager",  # upload bank statements and book their lines
    "manage_reminders": "admin",  # the reminder levels and their texts
    "delete_invoice": "billing_manager",
    "manage_setup": "admin",
    "manage_users": "admin",
}


def has_permission(role: str | None, permission: str) -> bool:
    """True when the role ranks at or above the permission's least role."""
    if permission not in REQUIRED_ROLE:
        raise ValueError(f"Unknown permission: {permission!r}")
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(REQUIRED_ROLE[permission])
