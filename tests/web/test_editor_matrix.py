"""Every cell of the SPEC 5.2-5.4 edit matrices through the real form posts of the editor.

For each field and backing (or billing method), the test walks the invoice through draft,
in review, confirmed and paid, and in each state posts a value the way the page does (htmx
headers, the row's version): an editable field is saved, a locked one is refused with a
message and changes nothing. The expected matrix is the one written out independently in
tests/spec_matrices.py (which tests/unit/test_editability.py checks the rules against).
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.billing.editability import DETAIL_FIELDS, HEADER_FIELDS, LINE_FIELDS, applies_to_class
from app.billing.enums import ISSUED_STATES
from app.extensions import db
from app.models import InvoiceLineDetail, UnitSchedule
from app.services.invoicing import recalculate
from tests.factories import (DAY, EACH, HOUR, make_actual, make_category, make_contract,
                             make_fixed_price_line, make_price_list, make_product,
                             make_product_line, make_project, make_resource, make_role,
                             make_tm_line)
from tests.spec_matrices import DETAIL_EXPECTED
from tests.web.helpers import (add_actual_detail, add_line, add_milestone_detail,
                                add_product_line, make_invoice)

HX = {"HX-Request": "true"}
STATES = ("draft", "in_review", "confirmed", "paid")
OPEN = ("draft", "in_review")
BACKINGS = ("actual", "milestone", "none")


@pytest.fixture
def world(app):
    """A draft with a T&M line (a detail backed by an actual, one backed by nothing), a
    fixed-price line (a milestone detail) and a product line, written row by row."""
    role = make_role(name="Developer")
    price_list = make_price_list(role_prices=[(role, Decimal("1000.00"))])
    contract = make_contract(price_list=price_list)
    project = make_project(customer=contract.customer, tasks=("Build", "Test"))
    tm = make_tm_line(contract, project, classes=("time", "expense", "material"))
    fixed = make_fixed_price_line(contract, project,
                                  milestones=[(dt.date(2026, 3, 1), Decimal("1000.00"))])
    invoice = make_invoice(contract)
    tm_line, fp_line = add_line(invoice, tm), add_line(invoice, fixed)
    none_detail = InvoiceLineDetail(
        invoice_id=invoice.id, invoice_line=tm_line, transaction_class="time",
        description="Added by the reviewer", project_id=project.id, role_id=role.id,
        unit_id=HOUR, quantity=Decimal("1"), price=Decimal("100.00"), amount=Decimal("100.00"),
        tax=Decimal("25.00"), extended_amount=Decimal("125.00"), product_choice="existing")
    # Category and product fields apply to a material, not to time (app.billing.editability).
    material_detail = InvoiceLineDetail(
        invoice_id=invoice.id, invoice_line=tm_line, transaction_class="material",
        description="Cable added by the reviewer", project_id=project.id, unit_id=EACH,
        quantity=Decimal("1"), price=Decimal("100.00"), amount=Decimal("100.00"),
        tax=Decimal("25.00"), extended_amount=Decimal("125.00"), product_choice="existing")
    db.session.add_all([none_detail, material_detail])
    world = SimpleNamespace(
        code=invoice.code, invoice=invoice, project=project, tm_line=tm_line, fp_line=fp_line,
        product_line=add_product_line(invoice, make_product_line(contract)),
        actual_detail=add_actual_detail(tm_line, make_actual(tm, role=role)),
        milestone_detail=add_milestone_detail(fp_line, fixed.milestones[0]),
        none_detail=none_detail, material_detail=material_detail, role=role, other_role=make_role(name="Tester"),
        products=(make_product(name="Cable"), make_product(name="Plug")),
        resources=(make_resource(name="Ana"), make_resource(name="Bo")),
        categories=(make_category(name="Mileage"), make_category(name="Parking")))
    recalculate(invoice)
    db.session.commit()
    return world


def into_state(world, state: str) -> None:
    """Statuses set directly: the editor only reads them."""
    invoice = world.invoice
    if state == "in_review":
        invoice.project_invoice_status = "in_review"
    elif state in ("confirmed", "paid"):
        invoice.project_invoice_status, invoice.number = "confirmed", "2026-0001"
        if state == "paid":
            invoice.status, invoice.paid_on = "paid", dt.date(2026, 4, 15)
    db.session.commit()


def snapshot(row) -> dict:
    db.session.expire_all()
    row = db.session.get(type(row), row.id)
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


# ---------------------------------------------------------------- details

def detail_values(world, field: str) -> list[tuple[str, object]]:
    """Two valid new values of the field (one saved in draft, one in review), each with the
    column value it must end up as (None: not a column, or a no-op)."""
    time_schedule = db.session.scalar(select(UnitSchedule.id).where(UnitSchedule.key == "time"))

    def ids(rows):
        return [(str(row.id), row.id) for row in rows]

    return {
        "description": [("Edited in draft", "Edited in draft"), ("Reviewed", "Reviewed")],
        "external_description": [("For the customer", "For the customer"), ("Reviewed", "Reviewed")],
        "billing_type": [("complimentary", "complimentary"), ("non_chargeable", "non_chargeable")],
        "tax": [("12.34", Decimal("12.34")), ("23.45", Decimal("23.45"))],
        "quantity": [("3", Decimal("3")), ("4.5", Decimal("4.5"))],
        "price": [("10.5", Decimal("10.5")), ("11.25", Decimal("11.25"))],
        "amount": [("1.00", None)] * 2,
        "start_date": [("2026-03-05", dt.date(2026, 3, 5)), ("2026-03-06", dt.date(2026, 3, 6))],
        "task": ids(reversed(world.project.tasks)),
        "category": ids(world.categories),
        "role": ids([world.other_role, world.role]),
        "resource": ids(world.resources),
        "unit": [(str(DAY), DAY), (str(HOUR), HOUR)],
        "unit_schedule": [(str(time_schedule), None)] * 2,  # the unit's own: accepted as is
        "product_choice": [("write_in", "write_in"), ("existing", "existing")],
        "product": ids(world.products),
        "product_name": [("Blue cable", "Blue cable"), ("Red cable", "Red cable")],
        "write_in_description": [("Two metres", "Two metres"), ("Three", "Three")],
        "currency": [("EUR", None)] * 2,
        "transaction_class": [("expense", None)] * 2,
        "transaction_type": [("billed_sales", None)] * 2,
        "extended_amount": [("1.00", None)] * 2,
    }[field]


COLUMNS = {"task": "task_id", "category": "category_id", "role": "role_id",
           "resource": "resource_id", "unit": "unit_id", "product": "product_id"}


def check_post(client, url, row, field, posted, stored, editable, state, expect_in_answer):
    """Post one value as the page does; saved if editable, refused and unchanged if not."""
    before = snapshot(row)
    response = client.post(url, headers=HX, data={"version": before["version"], field: posted})
    html = response.get_data(as_text=True)
    after = snapshot(row)
    where = f"{field} in {state}"
    assert expect_in_answer in html, where  # the row (or header, or line) comes back either way
    if editable:
        assert response.status_code == 200, (where, html)
        if stored is not None:
            assert after[COLUMNS.get(field, field)] == stored, where
        return html
    if state.split(",")[0] in ISSUED_STATES:
        # A confirmed or paid invoice refuses every edit with its state, whatever the field.
        assert response.status_code == 409, (where, html)
        assert "Only draft or in-review invoices can be edited" in html, where
    else:
        assert response.status_code == 422, (where, html)
        assert "cannot be changed" in html, where
    assert after == before, where
    return html


@pytest.mark.parametrize("backing", BACKINGS)
@pytest.mark.parametrize("field", DETAIL_EXPECTED)
def test_detail_cell(client, world, field, backing):
    detail = {"actual": world.actual_detail, "milestone": world.milestone_detail,
              "none": world.none_detail}[backing]
    if backing == "none" and not applies_to_class(field, "time"):
        detail = world.material_detail
    rule = DETAIL_EXPECTED[field][BACKINGS.index(backing)]
    values = detail_values(world, field)
    for state, (posted, stored) in zip(STATES, values + values):
        into_state(world, state)
        html = check_post(client, f"/invoices/{world.code}/details/{detail.id}", detail, field,
                          posted, stored, rule == "editable" and state in OPEN, state,
                          f'id="detail-{detail.id}"')
        if rule == "editable" and state in OPEN:
            assert 'hx-swap-oob="true"' in html  # with the line and header totals


@pytest.mark.parametrize("field", ["category", "product_choice", "product_name"])
def test_a_field_of_another_class_posted_on_a_time_detail_is_refused(client, world, field):
    detail = world.none_detail  # time: a role and a resource, no category, no product
    posted = {"category": str(world.categories[0].id), "product_choice": "write_in",
              "product_name": "Cable"}[field]
    before = snapshot(detail)
    response = client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                           data={"version": before["version"], field: posted})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "does not apply to a detail of this transaction class" in html
    assert snapshot(detail) == before


def test_every_cell_of_the_detail_matrix_is_covered():
    assert set(DETAIL_EXPECTED) == set(DETAIL_FIELDS)
    assert all(len(row) == len(BACKINGS) for row in DETAIL_EXPECTED.values())


# ---------------------------------------------------------------- header

# SPEC 5.2: what a reviewer may change while the invoice is draft or in review.
HEADER_EDITABLE = {
    "name": [("Spring invoice", "Spring invoice"), ("Summer", "Summer")],
    "description": [("March work", "March work"), ("April", "April")],
    "bill_to_name": [("Acme ApS", "Acme ApS"), ("Acme A/S", "Acme A/S")],
    "bill_to_email": [("ap@acme.example", "ap@acme.example"), ("b@acme.example", "b@acme.example")],
    "bill_to_street": [("Havnegade 1", "Havnegade 1"), ("Havnegade 2", "Havnegade 2")],
    "bill_to_postal_code": [("8000", "8000"), ("8200", "8200")],
    "bill_to_city": [("Aarhus", "Aarhus"), ("Odense", "Odense")],
    "bill_to_country": [("se", "SE"), ("NO", "NO")],
    "invoice_date": [("2026-04-02", dt.date(2026, 4, 2)), ("2026-04-03", dt.date(2026, 4, 3))],
    "due_date": [("2026-05-29", dt.date(2026, 5, 29)), ("2026-05-30", dt.date(2026, 5, 30))],
    "discount_percent": [("5", Decimal("5")), ("6.5", Decimal("6.5"))],
    "discount_amount": [("10.00", Decimal("10.00")), ("11.00", Decimal("11.00"))],
    "freight_amount": [("20.00", Decimal("20.00")), ("21.50", Decimal("21.50"))],
}


@pytest.mark.parametrize("field", HEADER_FIELDS)
def test_header_cell(client, world, field):
    values = HEADER_EDITABLE.get(field, [("1", None)] * 2)
    for state, (posted, stored) in zip(STATES, values + values):
        into_state(world, state)
        check_post(client, f"/invoices/{world.code}/header", world.invoice, field, posted,
                   stored, field in HEADER_EDITABLE and state in OPEN, state,
                   'id="invoice-totals"')


# ---------------------------------------------------------------- lines

@pytest.mark.parametrize("field", LINE_FIELDS)
def test_line_cell(client, world, field):
    lines = {"time_and_material": world.tm_line, "fixed_price": world.fp_line,
             "product": world.product_line}
    for state in STATES:
        into_state(world, state)
        for method, line in lines.items():
            check_post(client, f"/invoices/{world.code}/lines/{line.id}", line, field,
                       f"Renamed {method} in {state}", f"Renamed {method} in {state}",
                       field == "name" and method != "product" and state in OPEN,
                       f"{state}, {method} line", f'id="invoice-line-{line.id}-name"')
