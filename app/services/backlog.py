"""The billing backlog (SPEC 4): marking actuals, milestones and product lines ready
or not ready to invoice, only while they are not on an invoice."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.models import Actual, ContractLine, Milestone
from app.services import ServiceError, use_case

CHUNK = 5000  # ids per statement, well under SQLite's bound-parameter limit


class BacklogRefused(ServiceError):
    pass


def _chunks(ids: Sequence[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _mark(model, ids: Sequence[int], ready: bool, not_ready_status: str, label: str,
          extra_check=None) -> int:
    """Lock the rows, refuse the whole batch if one is on an invoice, then update them."""
    ids = sorted(set(ids))
    target = "ready" if ready else not_ready_status
    refused, found = [], 0
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(model.id, model.key, model.status, *(extra_check or ()))
            .where(model.id.in_(chunk)).with_for_update()).all()
        found += len(rows)
        for row in rows:
            if row.status not in ("ready", not_ready_status):
                refused.append(_("%(kind)s %(key)s is already on an invoice.", kind=label,
                                 key=row.key or row.id))
            elif extra_check and ready and row[-1] == "not_available":
                refused.append(_("%(kind)s %(key)s is not available for invoicing.", kind=label,
                                 key=row.key or row.id))
    if found != len(ids):
        refused.append(_("%(count)s of the chosen items do not exist.", count=len(ids) - found))
    if refused:
        raise BacklogRefused(" ".join(refused[:5]) + (" …" if len(refused) > 5 else ""))
    for chunk in _chunks(ids):
        db.session.execute(update(model).where(model.id.in_(chunk)).values(status=target),
                           execution_options={"synchronize_session": False})
    return len(ids)


def _mark_actuals(ids: Sequence[int], ready: bool) -> int:
    return _mark(Actual, ids, ready, "unbilled", _("Actual"), extra_check=(Actual.billing_type,))


def _mark_milestones(ids: Sequence[int], ready: bool) -> int:
    return _mark(Milestone, ids, ready, "not_ready", _("Milestone"))


def _mark_product_lines(ids: Sequence[int], ready: bool) -> int:
    lines = db.session.scalars(select(ContractLine.id).where(
        ContractLine.id.in_(ids), ContractLine.billing_method != "product")).all()
    if lines:
        raise BacklogRefused(_("Contract lines %(lines)s are not product lines.",
                               lines=", ".join(map(str, lines))))
    return _mark(ContractLine, ids, ready, "not_ready", _("Product line"))


@use_case
def mark_actuals(ids: Sequence[int], *, ready: bool) -> int:
    """Unbilled ⇄ ready; refused for actuals on an invoice or not available."""
    return _mark_actuals(ids, ready)


@use_case
def mark_milestones(ids: Sequence[int], *, ready: bool) -> int:
    """Not ready ⇄ ready; refused for milestones on an invoice."""
    return _mark_milestones(ids, ready)


@use_case
def mark_product_lines(ids: Sequence[int], *, ready: bool) -> int:
    """Not ready ⇄ ready for product contract lines not on an invoice."""
    return _mark_product_lines(ids, ready)


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
    """A backlog selection of all three kinds, all or nothing: a refusal of one item
    leaves nothing marked."""
    return Marked(_mark_actuals(actual_ids, ready) if actual_ids else 0,
                  _mark_milestones(milestone_ids, ready) if milestone_ids else 0,
                  _mark_product_lines(product_ids, ready) if product_ids else 0)
