"""Milestones of a fixed-price line (SPEC 3): they must add up to the line amount — a
warning on the contract, an error at invoicing."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .money import EXACT, require_decimal

__all__ = ["milestone_gap", "milestone_total"]


def milestone_total(milestone_amounts: Iterable[Decimal]) -> Decimal:
    """What the milestones of a line add up to (exactly: they are already rounded)."""
    total = Decimal(0)
    for amount in milestone_amounts:
        total = EXACT.add(total, require_decimal(amount, "milestone amount"))
    return total


def milestone_gap(line_amount: Decimal,
                  milestone_amounts: Iterable[Decimal]) -> tuple[Decimal, Decimal] | None:
    """(milestone total, line amount) when the milestones do not add up to the line
    amount; None when they do."""
    total = milestone_total(milestone_amounts)
    line_amount = require_decimal(line_amount, "line amount")
    return None if total == line_amount else (total, line_amount)
