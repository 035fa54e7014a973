"""An item's status and its placement are one fact, kept by the database too (issue 12):
an actual or milestone is on an open invoice exactly when its status says so."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from app.models import Actual, InvoiceLineDetail, Milestone
from app.services.backlog import BacklogRefused, mark_actuals
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import delete_invoice
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_project,
                             make_tm_line)

CUTOFF = dt.date(2026, 3, 31)


@pytest.fixture
def placed(app):
    """A draft holding two actuals of its contract; a third actual not ready."""
    contract = make_contract(key="c1")
    line = make_tm_line(contract, make_project(customer=contract.customer))
    first, second = make_actual(line), make_actual(line)
    spare = make_actual(line, status="unbilled")
    db.session.commit()
    invoice = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF))
    return invoice, first, second, spare


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_an_item_on_a_draft_cannot_be_marked_not_ready(placed):
    _invoice, first, _second, _spare = placed
    with pytest.raises(BacklogRefused, match="already on an invoice"):
        mark_actuals([first.id], ready=False)


def test_the_database_refuses_a_status_that_lies_about_a_placed_actual(placed):
    """As a script or a bug writing past the use cases would (PostgreSQL checks at commit)."""
    if not _postgresql():
        pytest.skip("PostgreSQL checks status changes at commit; SQLite checks placements")
    _invoice, first, _second, _spare = placed
    db.session.execute(update(Actual).where(Actual.id == first.id).values(status="unbilled"))
    with pytest.raises(DatabaseError, match="is on an open invoice"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Actual, first.id).status == "invoice_created"


def test_the_database_refuses_placing_an_item_whose_status_says_it_is_not_placed(placed):
    invoice, _first, _second, spare = placed
    line_id = invoice.lines[0].id
    with pytest.raises(DatabaseError, match="status"):
        db.session.execute(insert(InvoiceLineDetail), [{
            "invoice_id": invoice.id, "invoice_line_id": line_id, "actual_id": spare.id,
            "transaction_class": "time", "billing_type": "chargeable", "quantity": 1,
            "price": 1, "amount": 1, "tax": 0, "extended_amount": 1}])
        db.session.commit()
    db.session.rollback()


def test_a_placed_milestone_cannot_lose_its_status(app):
    if not _postgresql():
        pytest.skip("PostgreSQL checks status changes at commit")
    contract = make_contract(key="c2")
    line = make_fixed_price_line(contract, make_project(customer=contract.customer),
                                 milestones=[(dt.date(2026, 2, 1), Decimal("5000.00"))])
    db.session.commit()
    create_invoice("c2", InvoiceParameters(cutoff=CUTOFF))
    milestone = line.milestones[0]
    db.session.execute(update(Milestone).where(Milestone.id == milestone.id)
                       .values(status="ready"))
    with pytest.raises(DatabaseError, match="is on an open invoice"):
        db.session.commit()
    db.session.rollback()


def test_releasing_items_with_their_invoice_keeps_status_and_placement_together(placed):
    invoice, first, second, _spare = placed
    delete_invoice(invoice.code)
    db.session.expire_all()
    assert {db.session.get(Actual, a.id).status for a in (first, second)} == {"ready"}
    # And they can be placed again.
    again = create_invoice("c1", InvoiceParameters(cutoff=CUTOFF))
    assert len(again.lines[0].details) == 2
    assert db.session.execute(text("SELECT count(*) FROM actuals WHERE status = 'invoice_created'"
                                   )).scalar() == 2
