"""Marking items ready / not ready in the billing backlog (SPEC 4)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Actual, ContractLine, Milestone
from app.services.backlog import BacklogRefused, mark_actuals, mark_milestones, mark_product_lines
from app.services.invoicing import InvoiceParameters, create_invoice
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_product_line,
                             make_project, make_tm_line)


@pytest.fixture
def line(app):
    contract = make_contract(key="c1")
    line = make_tm_line(contract, make_project(customer=contract.customer))
    db.session.commit()
    return line


def status(key):
    return db.session.scalar(select(Actual.status).where(Actual.key == key))


def test_mark_ready_and_back_in_bulk(line):
    ids = [make_actual(line, key=f"a{i}", status="unbilled").id for i in range(3)]
    db.session.commit()
    assert mark_actuals(ids, ready=True) == 3
    assert {status(f"a{i}") for i in range(3)} == {"ready"}
    mark_actuals(ids[:1], ready=False)
    assert status("a0") == "unbilled"


def test_items_on_an_invoice_cannot_be_marked_and_the_batch_changes_nothing(line):
    on_invoice = make_actual(line, key="on", status="ready")
    free = make_actual(line, key="free", status="unbilled")
    db.session.commit()
    create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 12, 31)))
    with pytest.raises(BacklogRefused, match="Actual on is already on an invoice"):
        mark_actuals([free.id, on_invoice.id], ready=False)
    assert (status("free"), status("on")) == ("unbilled", "invoice_created")


def test_not_available_actuals_never_become_ready(line):
    actual = make_actual(line, key="na", status="unbilled")
    db.session.execute(Actual.__table__.update().values(contract_line_id=None,
                                                        billing_type="not_available"))
    db.session.commit()
    with pytest.raises(BacklogRefused, match="not available for invoicing"):
        mark_actuals([actual.id], ready=True)


def test_milestones_and_product_lines(line):
    fixed = make_fixed_price_line(line.contract, line.project,
                                  milestones=[(dt.date(2026, 3, 1), Decimal("10.00"))])
    product = make_product_line(line.contract, status="not_ready")
    db.session.commit()
    mark_milestones([m.id for m in fixed.milestones], ready=False)
    assert db.session.scalar(select(Milestone.status)) == "not_ready"
    mark_product_lines([product.id], ready=True)
    assert db.session.get(ContractLine, product.id).status == "ready"
    with pytest.raises(BacklogRefused, match="are not product lines"):
        mark_product_lines([line.id], ready=True)


def test_unknown_ids_are_refused(line):
    with pytest.raises(BacklogRefused, match="do not exist"):
        mark_actuals([999], ready=True)
