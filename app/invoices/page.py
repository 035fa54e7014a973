"""What the invoice page's views (app.invoices.routes) and the editor's answers
(app.invoices.editor) share: the page template, the context every block of it needs, the
invoice of the URL, and the way back to the page."""

from decimal import Decimal

from flask import abort, redirect, url_for
from flask_login import current_user

from app.web.access import permission_for
from app.billing.editability import editable_detail_fields
from app.billing.enums import BACKINGS
from app.billing.lifecycle import ACTIONS, is_allowed
from app.billing.totals import over_contract
from app.extensions import db
from app.htmx import blocks
from app.invoices.queries import DETAIL_PAGE, GROUPS
from app.models import Invoice, InvoiceLine
from app.services.exporting import invoiced_to_date

PAGE = "invoices/detail.html"

# The endpoint that carries out each lifecycle action; its permission decides whether the
# signed-in user is offered the action (app.web.access, one table for the whole app).
ACTION_ENDPOINTS = {"edit": "edit_detail", "recalculate": "recalculate", "refresh": "refresh",
                    "submit_review": "submit_review", "back_to_draft": "back_to_draft",
                    "confirm": "confirm", "mark_paid": "mark_paid", "reopen_paid": "reopen_paid",
                    "delete": "delete", "cancel": "cancel"}


def offered(action: str, state: str) -> bool:
    """The invoice's state allows the action (app.billing.lifecycle) and so does the user's role."""
    if not is_allowed(action, state):
        return False
    endpoint = ACTION_ENDPOINTS.get(action)
    return endpoint is None or current_user.can(permission_for(f"invoices.{endpoint}", "POST"))


class InvoicedToDate:
    """Per contract line, what earlier confirmed invoices charged (SPEC 5.3), read in one
    query the first time a block of the page shows it; and whether this invoice's line
    goes over the contract line amount with it (app.billing.totals.over_contract)."""

    def __init__(self, invoice: Invoice) -> None:
        self._invoice = invoice
        self._earlier: dict[int, Decimal] | None = None

    def __getitem__(self, contract_line_id: int) -> Decimal:
        if self._earlier is None:
            self._earlier = invoiced_to_date(self._invoice)
        return self._earlier.get(contract_line_id, Decimal(0))

    def over(self, line: InvoiceLine) -> Decimal | None:
        """The excess over the contract line amount, None within it (or for a product line)."""
        if line.billing_method == "product" or line.contract_line_amount is None:
            return None
        return over_contract(line.contract_line_amount, self[line.contract_line_id], line.amount)


def base_context(invoice: Invoice) -> dict:
    """What every block of the page needs: the invoice, its state and what it allows."""
    state = invoice.state
    allowed = {a for a in ACTIONS if offered(a, state)}
    editing = "edit" in allowed
    return {"invoice": invoice, "state": state, "editing": editing, "allowed": allowed,
            "editable": {b: editable_detail_fields(b, state) if editing else frozenset()
                         for b in BACKINGS},
            "groups": GROUPS, "page_size": DETAIL_PAGE, "refs": None,
            "invoiced": InvoicedToDate(invoice)}


def invoice_or_404(code: str) -> Invoice:
    """The invoice of the URL, header only."""
    return db.session.scalars(db.select(Invoice).where(Invoice.code == code)).first() or abort(404)


def back(code: str):
    """Back to the invoice page (after a form posted without htmx)."""
    return redirect(url_for("invoices.show", code=code), code=303)


def message(text: str, kind: str, status: int):
    """A notice in the page's message area."""
    return blocks(PAGE, ["messages"], notice=text, notice_kind=kind), status
