"""Entries: entered, submitted, approved into priced actuals, or rejected (SPEC 4)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, Entry
from app.services import Conflict, ServiceError
from app.services.entries import (EntryValues, approve_entry, create_entry, reject_entry, submit_entry,
                                  update_entry)
from tests.factories import (EACH, HOUR, KM, make_category, make_contract, make_price_list,
                             make_project, make_resource, make_role, make_tm_line)

pytestmark = pytest.mark.usefixtures("app")


def _setup(classes=("time", "expense"), tax_rate=Decimal("25"), role_chargeable=True,
           category_chargeable=True):
    role = make_role(name="Developer", chargeable=role_chargeable)
    category = make_category(name="Hotel", chargeable=category_chargeable)
    prices = make_price_list("DKK", role_prices=[(role, Decimal("950.00"))],
                             category_prices=[(category, Decimal("1200.00"))])
    contract = make_contract(price_list=prices, tax_rate=tax_rate)
    project = make_project(tasks=("Build",))
    line = make_tm_line(contract, project, classes=classes)
    db.session.commit()  # a refused use case rolls back: keep the setup
    return {"role": role, "category": category, "project": project, "line": line,
            "resource": make_resource(name="Ana"), "contract": contract}


def _time(s, **kw) -> EntryValues:
    return EntryValues(**{"project_id": s["project"].id, "transaction_class": "time",
                          "date": dt.date(2026, 3, 2), "unit_id": HOUR,
                          "quantity": Decimal("7.5"), "role_id": s["role"].id,
                          "resource_id": s["resource"].id, "task_id": s["project"].tasks[0].id,
                          "internal_comment": "API work", "external_comment": "Development",
                          **kw})


def _expense(s, **kw) -> EntryValues:
    return EntryValues(**{"project_id": s["project"].id, "transaction_class": "expense",
                          "date": dt.date(2026, 3, 4), "unit_id": EACH, "quantity": Decimal("2"),
                          "category_id": s["category"].id, "description": "Hotel, two nights",
                          **kw})


def test_approving_time_creates_the_priced_actual_on_its_line():
    s = _setup()
    entry = create_entry(_time(s), submit=True)
    actual = approve_entry(entry.id)

    assert (actual.contract_line_id, actual.price, actual.amount, actual.tax) == (
        s["line"].id, Decimal("950.00"), Decimal("7125.00"), Decimal("1781.25"))
    assert (actual.currency, actual.billing_type, actual.status) == ("DKK", "chargeable", "unbilled")
    assert (actual.internal_comment, actual.external_comment) == ("API work", "Development")
    assert actual.task_id == s["project"].tasks[0].id
    db.session.refresh(entry)
    assert entry.status == "approved" and entry.actual_id == actual.id and entry.approved_at


def test_approving_an_expense_prices_it_from_the_category_and_the_line_tax_rate():
    s = _setup(tax_rate=Decimal("8"))
    actual = approve_entry(create_entry(_expense(s), submit=True).id)
    assert (actual.price, actual.amount, actual.tax) == (
        Decimal("1200.00"), Decimal("2400.00"), Decimal("192.00"))
    assert actual.description == "Hotel, two nights" and actual.role_id is None


def test_a_non_chargeable_role_or_category_makes_the_actual_non_chargeable():
    s = _setup(role_chargeable=False, category_chargeable=False)
    assert approve_entry(create_entry(_time(s), submit=True).id).billing_type == "non_chargeable"
    assert approve_entry(create_entry(_expense(s), submit=True).id).billing_type == "non_chargeable"


def test_a_class_no_line_includes_is_not_available_and_has_no_line():
    s = _setup(classes=("time",))
    actual = approve_entry(create_entry(_expense(s), submit=True).id)
    assert actual.billing_type == "not_available" and actual.contract_line_id is None
    assert actual.amount == Decimal("2400.00") and actual.currency == "DKK"


def test_approval_is_refused_without_a_price_and_nothing_is_written():
    s = _setup()
    entry = create_entry(_expense(s, unit_id=KM), submit=True)
    with pytest.raises(ServiceError, match="no price for category Hotel per km"):
        approve_entry(entry.id)
    assert db.session.get(Entry, entry.id).status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(Actual)) == 0


def test_approval_is_refused_for_a_project_no_contract_covers():
    s = _setup()
    lonely = make_project(name="Lonely")
    entry = create_entry(_time(s, project_id=lonely.id, task_id=None), submit=True)
    with pytest.raises(ServiceError, match="No contract has a line on project Lonely"):
        approve_entry(entry.id)


def test_entries_move_draft_submitted_rejected_draft_submitted_approved():
    s = _setup()
    entry = create_entry(_time(s))
    assert entry.status == "draft"
    with pytest.raises(ServiceError):
        approve_entry(entry.id)
    submit_entry(entry.id)
    reject_entry(entry.id)
    assert db.session.get(Entry, entry.id).status == "rejected"
    update_entry(entry.id, _time(s, quantity=Decimal("6")))
    assert db.session.get(Entry, entry.id).status == "draft"
    submit_entry(entry.id)
    assert approve_entry(entry.id).quantity == Decimal("6")


def test_an_approved_entry_can_never_be_changed():
    s = _setup()
    entry = create_entry(_time(s), submit=True)
    approve_entry(entry.id)
    with pytest.raises(Conflict):
        update_entry(entry.id, _time(s, quantity=Decimal("1")))
    with pytest.raises(ServiceError):
        submit_entry(entry.id)
    with pytest.raises(ServiceError):
        reject_entry(entry.id)
    with pytest.raises(ServiceError):
        approve_entry(entry.id)
    assert db.session.get(Entry, entry.id).quantity == Decimal("7.5")


@pytest.mark.parametrize("change, field", [
    ({"role_id": None}, "role_id"),
    ({"resource_id": None}, "resource_id"),
    ({"unit_id": EACH}, "unit_id"),
    ({"quantity": Decimal("0")}, "quantity"),
    ({"quantity": Decimal("1.23456")}, "quantity"),
    ({"transaction_class": "bogus"}, "transaction_class"),
])
def test_invalid_time_entries_are_refused_with_the_field(change, field):
    s = _setup()
    with pytest.raises(ServiceError) as refused:
        create_entry(_time(s, **change))
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_a_task_of_another_project_is_refused():
    s = _setup()
    other = make_project(tasks=("Other",))
    with pytest.raises(ServiceError) as refused:
        create_entry(_time(s, task_id=other.tasks[0].id))
    assert refused.value.field == "task_id"


def test_an_expense_needs_a_category_and_drops_time_fields():
    s = _setup()
    with pytest.raises(ServiceError) as refused:
        create_entry(_expense(s, category_id=None))
    assert refused.value.field == "category_id"
    entry = create_entry(_expense(s, role_id=s["role"].id, internal_comment="x"))
    assert entry.role_id is None and entry.internal_comment == ""


def test_an_archived_role_is_refused_on_new_entries():
    s = _setup()
    s["role"].archived = True
    db.session.commit()
    with pytest.raises(ServiceError, match="Time needs a role"):
        create_entry(_time(s))
