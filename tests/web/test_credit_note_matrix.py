"""Every cell of the credit-note column of the edit matrix (issue 14) through the real form
posts of the credit-note editor: for each field and backing, in draft, in review and
confirmed, a value posted the way the page does is saved where the matrix says editable
and refused with a message, changing nothing, everywhere else. The expected column is
written out independently in tests/spec_matrices.py."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceLineDetail
from app.services.corrections import correct_invoice, update_correction
from app.services.lifecycle import back_to_draft, confirm_invoice, submit_for_review
from tests.spec_matrices import CORRECTION_EXPECTED, E
from tests.worlds import World

HX = {"HX-Request": "true"}
# A value each field could take on the world's rows (7.5 h × 950, a 1,000 milestone, 2 h of
# extra work at 1,000 added by hand), within what was billed where it is a corrected value.
VALUES = {
    "description": "Said otherwise", "external_description": "Printed otherwise",
    "corrected_quantity": "0", "corrected_price": "900", "corrected_tax": "1.00",
    "corrected_billing_type": "complimentary", "billing_type": "complimentary", "tax": "1.00",
    "quantity": "1", "price": "1", "amount": "1", "start_date": "2026-03-05", "task": "1",
    "category": "1", "role": "1", "resource": "1", "unit": "1", "unit_schedule": "1",
    "product_choice": "write_in", "product": "1", "product_name": "Other",
    "write_in_description": "Other", "currency": "EUR", "transaction_class": "fee",
    "transaction_type": "billed_sales", "extended_amount": "1",
}


@pytest.fixture
def credit_note(app):
    """The world's invoice corrected, every row kept as billed to start with (so that a
    corrected quantity 0 is a change)."""
    world = World()
    world.add_time()
    confirm_invoice(world.code)
    code = correct_invoice(world.code).code
    rows = {}
    for detail in db.session.scalars(select(InvoiceLineDetail).join(Invoice)
                                     .where(Invoice.code == code)).all():
        update_correction(code, detail.id, detail.version,
                          {"corrected_quantity": detail.billed_quantity})
        rows[detail.backing] = detail.id
    return code, rows


def snapshot(detail_id):
    db.session.expire_all()
    detail = db.session.get(InvoiceLineDetail, detail_id)
    return {c.name: getattr(detail, c.name) for c in InvoiceLineDetail.__table__.columns}


def move_to(code, state):
    if state == "in_review":
        submit_for_review(code)
    elif state == "confirmed":
        confirm_invoice(code)


def cases():
    for field, row in CORRECTION_EXPECTED.items():
        for backing, expected in zip(("actual", "milestone", "none"), row):
            for state in ("draft", "in_review", "confirmed"):
                yield pytest.param(field, backing, state,
                                   expected if state != "confirmed" else "invoice_locked",
                                   id=f"{backing}-{field}-{state}")


@pytest.mark.parametrize(("field", "backing", "state", "expected"), list(cases()))
def test_each_cell_of_the_credit_note_column(client, credit_note, field, backing, state,
                                             expected):
    code, rows = credit_note
    move_to(code, state)
    before = snapshot(rows[backing])
    response = client.post(f"/invoices/{code}/corrections/{rows[backing]}", headers=HX,
                           data={"version": before["version"], field: VALUES[field]})
    after = snapshot(rows[backing])
    if expected == E:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert after["version"] == before["version"] + 1
        changed = {name for name in after if after[name] != before[name]} - {"version"}
        assert field in changed
        if state == "in_review":
            back_to_draft(code)
    else:
        assert response.status_code in (409, 422), response.get_data(as_text=True)[:500]
        assert after == before
        if state != "confirmed":
            assert "cannot be changed" in response.get_data(as_text=True)


def test_the_corrected_values_are_refused_on_an_invoice(client, app):
    world = World()
    detail = world.actual_detail
    response = client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                           data={"version": detail.version, "corrected_quantity": "0"})
    assert response.status_code in (200, 422)
    assert world.detail(detail.id).quantity == Decimal("7.5")
    assert client.post(f"/invoices/{world.code}/corrections/{detail.id}", headers=HX,
                       data={"version": detail.version, "corrected_quantity": "0"}
                       ).status_code == 409
