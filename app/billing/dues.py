"""When an issued invoice is overdue: confirmed, not paid, and its due date has passed."""

import datetime as dt


def is_overdue(state: str, due_date: dt.date, today: dt.date) -> bool:
    """A confirmed invoice that is not paid is overdue from the day after its due date; a
    draft, a paid or a cancelled one never is."""
    return state == "confirmed" and due_date < today
