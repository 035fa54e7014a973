"""Setting up reference data and contracts (SPEC 2, 3)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (Contract, ContractLine, ContractLineClass, InvoiceSchedule, Milestone,
                        PriceList, Role)
from app.services.invoicing import (InvoiceParameters, MilestonesDoNotAddUp, create_invoice,
                                    milestone_gaps)
from app.services import Conflict, ServiceError
from app.services.contracts import (ContractValues, LineValues, MilestoneValues, ScheduleValues,
                                    create_contract, create_line, create_milestone, delete_line,
                                    delete_milestone, save_schedule,
                                    update_contract, update_line, update_milestone)
from app.services.reference import (CustomerValues, add_category_price, add_role_price,
                                    create_customer, create_price_list, create_project,
                                    create_role, create_unit, set_archived, update_price_list,
                                    update_role)
from tests.factories import (EACH, HOUR, make_actual, make_category, make_contract, make_customer,
                             make_price_list, make_product, make_project, make_role, make_tm_line)

pytestmark = pytest.mark.usefixtures("app")


def _committed(*rows):
    db.session.commit()  # a refused use case rolls back: keep what the test set up
    return rows[0] if len(rows) == 1 else rows


def _contract_values(price_list, customer=None, **kw) -> ContractValues:
    return ContractValues(**{"name": "Website 2026", "customer_id": (customer or make_customer()).id,
                             "currency": price_list.currency, "price_list_id": price_list.id,
                             "tax_rate": Decimal("25"), **kw})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_customer_is_created_with_its_bill_to_address():
    customer = create_customer(CustomerValues(
        name="Acme ApS", email="ap@acme.example", street="Main 1", postal_code="1000",
        city="Copenhagen", country="dk"))
    assert customer.id and customer.country == "DK" and customer.tax_registration_id is None


@pytest.mark.parametrize("change, field", [({"country": "DNK"}, "country"),
                                           ({"email": "nope"}, "email"),
                                           ({"name": " "}, "name")])
def test_a_customer_with_a_bad_value_is_refused(change, field):
    values = {"name": "Acme", "email": "ap@acme.example", "street": "Main 1",
              "postal_code": "1000", "city": "Copenhagen", "country": "DK", **change}
    with pytest.raises(ServiceError) as refused:
        create_customer(CustomerValues(**values))
    assert refused.value.field == field


def test_role_names_are_unique_whatever_the_case():
    create_role("Developer")
    with pytest.raises(ServiceError) as refused:
        create_role("developer")
    assert refused.value.field == "name"
    other = create_role("Tester")
    with pytest.raises(ServiceError):
        update_role(other.id, "DEVELOPER")
    assert count(Role) == 2


def test_archiving_hides_a_record_from_new_choices_but_keeps_it():
    customer = _committed(make_customer())
    set_archived("customers", customer.id, True)
    price_list = _committed(make_price_list())
    with pytest.raises(ServiceError, match="archived"):
        create_contract(_contract_values(price_list, customer=customer))
    set_archived("customers", customer.id, False)
    assert create_contract(_contract_values(price_list, customer=customer)).customer_id == customer.id


def test_price_list_prices_are_unique_per_role_and_unit():
    price_list = create_price_list("DKK 2026", "dkk")
    role, category = _committed(make_role(), make_category())
    add_role_price(price_list.id, role.id, HOUR, Decimal("950.00"))
    with pytest.raises(ServiceError) as refused:
        add_role_price(price_list.id, role.id, HOUR, Decimal("1.00"))
    assert refused.value.field == "role_id"
    add_category_price(price_list.id, category.id, EACH, Decimal("3.7950"))
    with pytest.raises(ServiceError) as refused:
        add_category_price(price_list.id, category.id, HOUR, Decimal("1.23456"))
    assert refused.value.field == "price"
    assert price_list.currency == "DKK"


def test_a_contract_gets_a_number_and_its_currency_is_locked_once_saved():
    price_list = _committed(make_price_list("DKK"))
    contract = create_contract(_contract_values(price_list))
    assert contract.number.startswith("C-") and contract.currency == "DKK"

    myr = _committed(make_price_list("MYR"))
    with pytest.raises(Conflict) as refused:
        update_contract(contract.id, _contract_values(myr, currency="MYR", name="Changed"))
    assert refused.value.field == "currency"
    contract = db.session.get(Contract, contract.id)
    assert (contract.currency, contract.name) == ("DKK", "Website 2026")
    update_contract(contract.id, _contract_values(price_list, currency=None, name="Renamed"))
    assert db.session.get(Contract, contract.id).name == "Renamed"


def test_the_price_list_must_be_in_the_contract_currency():
    myr = _committed(make_price_list("MYR"))
    with pytest.raises(ServiceError) as refused:
        create_contract(_contract_values(myr, currency="DKK"))
    assert refused.value.field == "price_list_id"
    assert "MYR" in str(refused.value) and count(Contract) == 0


def test_a_price_list_currency_is_locked_once_a_contract_uses_it():
    contract = _committed(make_contract(currency="DKK"))
    with pytest.raises(Conflict, match=contract.number):
        update_price_list(contract.price_list_id, "Renamed", "MYR")
    assert db.session.get(PriceList, contract.price_list_id).currency == "DKK"
    assert update_price_list(contract.price_list_id, "Renamed", "DKK").name == "Renamed"


def test_a_project_and_class_pair_is_on_one_time_and_material_line_only():
    contract = _committed(make_contract())
    project = create_project("Website", make_customer().id, tasks=["Design", "Build"])
    first = create_line(contract.id, LineValues("time_and_material", name="Build",
                                                project_id=project.id, amount=Decimal("1000"),
                                                classes=("time", "expense")))
    other = _committed(make_contract())
    with pytest.raises(ServiceError) as refused:
        create_line(other.id, LineValues("time_and_material", name="Support",
                                         project_id=project.id, amount=Decimal("1000"),
                                         classes=("expense", "fee")))
    assert refused.value.field == "classes"
    assert "Expense" in str(refused.value) and contract.number in str(refused.value)
    assert count(ContractLine) == 1 and count(ContractLineClass) == 2
    # Other classes of the same project are free; the line itself may keep its own.
    create_line(other.id, LineValues("time_and_material", name="Support", project_id=project.id,
                                     amount=Decimal("1000"), classes=("fee",)))
    update_line(first.id, LineValues("time_and_material", name="Build", project_id=project.id,
                                     amount=Decimal("2000"), classes=("time", "expense",
                                                                      "material")))
    assert db.session.get(ContractLine, first.id).classes == ["time", "expense", "material"]


def test_a_line_project_can_change_until_it_has_actuals_and_classes_with_actuals_stay():
    contract = _committed(make_contract())
    a, b = make_project(), make_project()
    _committed(a, b)
    line = create_line(contract.id, LineValues("time_and_material", name="Build",
                                               project_id=a.id, amount=Decimal("10"),
                                               classes=("time", "expense")))
    line = update_line(line.id, LineValues("time_and_material", name="Build", project_id=b.id,
                                           amount=Decimal("10"), classes=("time", "expense")))
    assert {row.project_id for row in line.class_rows} == {b.id}
    _committed(make_actual(line, transaction_class="expense"))
    with pytest.raises(Conflict) as refused:
        update_line(line.id, LineValues("time_and_material", name="Build", project_id=b.id,
                                        amount=Decimal("10"), classes=("time",)))
    assert refused.value.field == "classes"
    with pytest.raises(Conflict):
        update_line(line.id, LineValues("time_and_material", name="Build", project_id=a.id,
                                        amount=Decimal("10"), classes=("time", "expense")))
    with pytest.raises(Conflict):
        delete_line(line.id)


def test_line_amounts_respect_the_currency_decimals_and_the_tax_rate_defaults():
    contract = _committed(make_contract(currency="JPY", price_list=make_price_list("JPY"),
                                        tax_rate=Decimal("10")))
    project = _committed(make_project())
    with pytest.raises(ServiceError) as refused:
        create_line(contract.id, LineValues("fixed_price", name="Design", project_id=project.id,
                                            amount=Decimal("1000.50")))
    assert refused.value.field == "amount"
    line = create_line(contract.id, LineValues("fixed_price", name="Design",
                                               project_id=project.id, amount=Decimal("1000")))
    assert line.tax_rate == Decimal("10")


def test_a_product_line_takes_the_product_price_and_default_tax():
    contract = _committed(make_contract(tax_rate=Decimal("25")))
    product = _committed(make_product(name="Licence", price=Decimal("100.00")))
    line = create_line(contract.id, LineValues("product", product_id=product.id,
                                               quantity=Decimal("3")))
    assert (line.name, line.price, line.tax, line.status) == (
        "Licence", Decimal("100.00"), Decimal("75.00"), "not_ready")
    write_in = create_line(contract.id, LineValues("product", product_name="Workshop",
                                                   quantity=Decimal("1"), price=Decimal("500"),
                                                   tax=Decimal("0")))
    assert write_in.name == "Workshop" and write_in.tax == Decimal("0")
    with pytest.raises(ServiceError) as refused:
        create_line(contract.id, LineValues("product", product_name="Nothing",
                                            quantity=Decimal("1")))
    assert refused.value.field == "price"


def test_a_schedule_is_checked_by_the_billing_rules():
    contract = _committed(make_contract())
    line = _committed(make_tm_line(contract, make_project()))
    with pytest.raises(ServiceError) as refused:
        save_schedule(line.id, ScheduleValues("weekly", dt.date(2026, 1, 1)))
    assert refused.value.field == "weekday"
    with pytest.raises(ServiceError) as refused:
        save_schedule(line.id, ScheduleValues("monthly", dt.date(2026, 1, 1), days=(1, 2, 3, 4, 5)))
    assert refused.value.field == "days"
    with pytest.raises(ServiceError) as refused:
        save_schedule(line.id, ScheduleValues("weekly", dt.date(2026, 2, 1), dt.date(2026, 1, 1),
                                              weekday=4))
    assert refused.value.field == "end_date"
    schedule = save_schedule(line.id, ScheduleValues("semi_monthly", dt.date(2026, 1, 1)))
    assert schedule.days == [15, 31] and schedule.weekday is None
    schedule = save_schedule(line.id, ScheduleValues("biweekly", dt.date(2026, 1, 1), weekday=4,
                                                     days=(3,)))
    assert schedule.days is None and schedule.weekday == 4
    save_schedule(line.id, None)
    assert db.session.scalar(select(func.count()).select_from(InvoiceSchedule)) == 0


def test_milestones_that_do_not_add_up_are_a_warning_then_an_error_at_invoicing():
    contract = _committed(make_contract(key="c1"))
    project = _committed(make_project())
    line = create_line(contract.id, LineValues("fixed_price", name="Design",
                                               project_id=project.id, amount=Decimal("1000")))
    first = create_milestone(line.id, MilestoneValues("Concept", dt.date(2026, 3, 1),
                                                      Decimal("400")))
    assert first.tax == Decimal("100.00") and first.status == "not_ready"
    contract = db.session.get(Contract, contract.id)
    assert milestone_gaps(contract) == {line.id: (Decimal("400"), Decimal("1000"))}
    with pytest.raises(MilestonesDoNotAddUp):
        create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
    update_milestone(first.id, MilestoneValues("Concept", dt.date(2026, 3, 1), Decimal("1000"),
                                               tax=Decimal("0")))
    assert milestone_gaps(db.session.get(Contract, contract.id)) == {}


def test_a_milestone_on_an_invoice_is_locked():
    contract = _committed(make_contract(key="c1"))
    project = _committed(make_project())
    line = create_line(contract.id, LineValues("fixed_price", name="Design",
                                               project_id=project.id, amount=Decimal("1000")))
    milestone = create_milestone(line.id, MilestoneValues("All", dt.date(2026, 3, 1),
                                                          Decimal("1000")))
    db.session.get(Milestone, milestone.id).status = "ready"
    db.session.commit()
    create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
    with pytest.raises(Conflict):
        update_milestone(milestone.id, MilestoneValues("Changed", dt.date(2026, 3, 1),
                                                       Decimal("1")))
    with pytest.raises(Conflict):
        delete_milestone(milestone.id)
    with pytest.raises(Conflict):
        delete_line(line.id)


def test_an_unused_line_is_deleted_with_its_milestones():
    contract = _committed(make_contract())
    project = _committed(make_project())
    line = create_line(contract.id, LineValues("fixed_price", name="Design",
                                               project_id=project.id, amount=Decimal("1000")))
    create_milestone(line.id, MilestoneValues("All", dt.date(2026, 3, 1), Decimal("1000")))
    delete_line(line.id)
    assert count(ContractLine) == 0 and count(Milestone) == 0


def test_a_unit_key_is_unique_and_lower_case():
    with pytest.raises(ServiceError):
        create_unit("hour", "Hour again", 1)
    with pytest.raises(ServiceError):
        create_unit("Two words", "Week", 1)
    assert create_unit("week", "Week", 1).key == "week"
