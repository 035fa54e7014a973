"""Marking a backlog selection in one transaction.

app.services.backlog marks one kind of item per use case (one transaction each); a
selection holds actuals, milestones and product lines together, and a refusal of one kind
must not leave the others marked. So this runs the three rules undecorated (`__wrapped__`,
kept by functools.wraps) inside one use case. It belongs in app.services.backlog, which this
issue does not own.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.services import use_case
from app.services.backlog import mark_actuals, mark_milestones, mark_product_lines


@dataclass(frozen=True)
class Marked:
    actuals: int
    milestones: int
    products: int

    @property
    def count(self) -> int:
        return self.actuals + self.milestones + self.products


@use_case
def mark_selection(actual_ids: Sequence[int], milestone_ids: Sequence[int],
                   product_ids: Sequence[int], *, ready: bool) -> Marked:
    """Ready (or not ready) to invoice, all or nothing; BacklogRefused says which item
    could not be marked."""
    return Marked(
        mark_actuals.__wrapped__(actual_ids, ready=ready) if actual_ids else 0,
        mark_milestones.__wrapped__(milestone_ids, ready=ready) if milestone_ids else 0,
        mark_product_lines.__wrapped__(product_ids, ready=ready) if product_ids else 0)
