"""The data import of SPEC 11: a whole file checked first, every problem listed by path,
nothing written unless the file is right, then one transaction."""

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (Actual, Contract, ContractLine, ContractLineClass, Counter, Customer,
                        InvoiceSchedule, Milestone, Project, RolePrice, Task)
from app.services.importer import (ImportRejected, ImportSummary, import_data, import_file)
from tests.factories import make_customer, make_project
from tests.worlds import company  # the small company that imports cleanly

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COUNTED = (Customer, Project, Task, RolePrice, Contract, ContractLine, ContractLineClass,
           InvoiceSchedule, Milestone, Actual, Counter)


def rejected(data: dict) -> list[str]:
    with pytest.raises(ImportRejected) as raised:
        import_data(data)
    return raised.value.errors


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in COUNTED}


def actual(key: str) -> Actual:
    return db.session.scalars(select(Actual).where(Actual.key == key)).one()


# --- a file with errors is rejected whole ----------------------------------------------

def test_a_file_with_several_errors_lists_every_error_by_path_and_writes_nothing(app):
    data = company()
    data["customers"].append(copy.deepcopy(data["customers"][0]))
    del data["projects"][0]["name"]
    data["contracts"][0]["lines"][0]["project"] = "nope"
    data["actuals"][0]["quantity"] = "seven"
    data["actuals"][1]["date"] = "04/02/2026"
    del data["actuals"][1]["role"]
    data["actuals"][2]["class"] = "travel"
    data["actuals"][3]["tax"] = "62.505"

    assert rejected(data) == [
        "customers[1].key: duplicate key 'acme'",
        "projects[0].name: required",
        "contracts[0].lines[0].project: unknown project 'nope'",
        "actuals[0].quantity: not a number",
        "actuals[1].date: not a date (YYYY-MM-DD)",
        "actuals[1].role: required",
        "actuals[2].class: must be one of time, expense, material, fee",
        "actuals[3].tax: more decimals than DKK allows (2)",
    ]
    assert set(counts().values()) == {0}


def test_an_unknown_line_project_is_reported_once_not_again_on_each_actual(app):
    data = company()
    data["contracts"][0]["lines"] = data["contracts"][0]["lines"][:1]
    data["contracts"][0]["lines"][0]["project"] = "nope"
    assert rejected(data) == ["contracts[0].lines[0].project: unknown project 'nope'"]


def test_errors_come_in_the_order_of_the_file(app):
    data = {"actuals": [{"key": "a1"}], "format": "project-invoicing/1",
            "customers": [{"key": "acme", "name": "Acme"}]}
    assert rejected(data) == [
        "actuals[0].project: required", "actuals[0].class: required",
        "actuals[0].date: required", "actuals[0].quantity: required", "actuals[0].unit: required",
        "customers[0].email: required", "customers[0].bill_to: required"]


def test_format_unknown_sections_and_unknown_fields_are_errors(app):
    data = {"format": "project-invoicing/2", "invoices": [],
            "resources": [{"key": "ana", "name": "Ana", "colour": "red"}, "bo"]}
    assert rejected(data) == ["format: must be 'project-invoicing/1'",
                              "invoices: unknown section",
                              "resources[0].colour: unknown field",
                              "resources[1]: must be an object"]
    assert rejected({}) == ["format: required"]
    assert rejected([]) == ["file: must be a JSON object"]


def test_numbers_are_decimal_strings_never_floats_or_booleans(app):
    data = company()
    data["actuals"][0]["quantity"] = 7.5
    data["actuals"][1]["quantity"] = True
    data["actuals"][2]["quantity"] = "1.23456"
    data["roles"][0]["chargeable"] = "yes"
    data["contracts"][0]["tax_rate"] = "125"
    data["contracts"][0]["lines"][0]["amount"] = "-1.00"
    assert rejected(data) == [
        "roles[0].chargeable: must be true or false",
        "contracts[0].tax_rate: must be between 0 and 100",
        "contracts[0].lines[0].amount: must not be negative",
        'actuals[0].quantity: must be a string such as "7.5", not a float',
        "actuals[1].quantity: not a number",
        "actuals[2].quantity: more than 4 decimals",
    ]


def test_unknown_currency_country_and_references_are_named(app):
    data = company()
    data["customers"][0]["bill_to"]["country"] = "DNK"
    data["price_lists"][0]["currency"] = "DKX"
    data["price_lists"][0]["role_prices"].append({"role": "dev", "unit": "hour", "price": "1.00"})
    data["price_lists"][0]["category_prices"][0]["unit"] = "crate"
    data["actuals"][0]["task"] = "build"
    data["actuals"][1]["resource"] = "bo"
    assert rejected(data) == [
        "customers[0].bill_to.country: must be a 2-letter ISO 3166 country code",
        "price_lists[0].currency: unknown currency 'DKX'",
        "price_lists[0].role_prices[2]: duplicate price for role 'dev' per 'hour'",
        "price_lists[0].category_prices[0].unit: unknown unit 'crate'",
        "actuals[0].task: unknown task 'build' in project 'web'",
        "actuals[1].resource: unknown resource 'bo'",
    ]


@pytest.mark.parametrize("country", ["XX", "xx", "D1", "EU"])
def test_a_country_must_be_an_iso_3166_country_not_just_two_letters(app, country):
    data = company()
    data["customers"][0]["bill_to"]["country"] = country
    assert rejected(data) == [
        "customers[0].bill_to.country: must be a 2-letter ISO 3166 country code"]


@pytest.mark.parametrize("email", ["ap@acme", "ap acme@example.com", "@acme.example",
                                   "ap@@acme.example"])
def test_an_email_address_is_checked_by_the_shared_check(app, email):
    data = company()
    data["customers"][0]["email"] = email
    assert rejected(data) == ["customers[0].email: not an e-mail address"]


def test_problems_are_data_with_a_code_and_the_values_of_their_message(app):
    data = company()
    data["contracts"][0]["lines"][0]["project"] = "nope"
    data["actuals"][3]["quantity"] = "one"
    with pytest.raises(ImportRejected) as raised:
        import_data(data)
    assert [(p.path, p.code, dict(p.params)) for p in raised.value.problems] == [
        (("contracts", 0, "lines", 0, "project"), "unknown_reference",
         {"kind": "project", "key": "nope"}),
        (("actuals", 3, "quantity"), "not_a_number", {}),
    ]
    assert raised.value.errors == ["contracts[0].lines[0].project: unknown project 'nope'",
                                   "actuals[3].quantity: not a number"]


def test_contract_currency_must_be_the_price_lists(app):
    data = company()
    data["contracts"][0]["currency"] = "MYR"
    errors = rejected(data)
    assert errors[0] == ("contracts[0].price_list: price list 'dkk' is in DKK, "
                         "the contract is in MYR")


def test_an_actual_without_a_price_list_price_is_an_error(app):
    data = company()
    data["actuals"][0]["unit"] = "day"
    data["actuals"][2]["unit"] = "km"
    data["actuals"][3].pop("price")
    assert rejected(data) == [
        "actuals[0].price: no price for role 'dev' per 'day' in price list 'dkk'",
        "actuals[2].price: no price for category 'hotel' per 'km' in price list 'dkk'",
        "actuals[3].price: required (a fee without a category has no price-list price)",
    ]


# --- the corrected file ---------------------------------------------------------------

def test_the_corrected_file_imports_with_prices_taxes_and_billing_types_resolved(app):
    summary = import_data(company())

    assert summary.created == {
        "customers": 1, "roles": 2, "resources": 1, "categories": 1, "products": 1,
        "price_lists": 1, "role_prices": 2, "category_prices": 1, "projects": 1, "tasks": 1,
        "contracts": 1, "contract_lines": 3, "invoice_schedules": 1, "milestones": 2,
        "actuals": 4}
    assert summary.warnings == []
    assert summary.describe() == (
        "Imported 1 customer, 2 roles, 1 resource, 1 category, 1 product, 1 price list, "
        "2 role prices, 1 category price, 1 project, 1 task, 1 contract, 3 contract lines, "
        "1 invoice schedule, 2 milestones, 4 actuals.")

    contract = db.session.scalars(select(Contract)).one()
    assert (contract.key, contract.number, contract.code) == ("c1", "C-00001", "c1")
    assert contract.customer.key == "acme" and contract.customer.country == "DK"
    build, design, licences = contract.lines
    assert [line.key for line in contract.lines] == ["l1", "l2", "l3"]
    assert build.classes == ["time", "expense"] and build.tax_rate == Decimal("20")
    assert (build.schedule.frequency, build.schedule.days) == ("monthly", [31])
    assert design.tax_rate == Decimal("25")
    assert [(m.key, m.amount, m.tax, m.status) for m in design.milestones] == [
        ("m1", Decimal("25000.00"), Decimal("6250.00"), "ready"),
        ("m2", Decimal("25000.00"), Decimal("6250.00"), "not_ready")]
    # Product line: name and price from the product, tax round(2 × 100.00) × 25 %.
    assert (licences.name, licences.price, licences.tax, licences.status) == (
        "Licence", Decimal("100.00"), Decimal("50.00"), "ready")

    a1 = actual("a1")  # role price from the price list, tax at the line's 20 %
    assert (a1.price, a1.amount, a1.tax, a1.currency) == (
        Decimal("950.00"), Decimal("7125.00"), Decimal("1425.00"), "DKK")
    assert (a1.billing_type, a1.status, a1.contract_line_id, a1.task.key) == (
        "chargeable", "ready", build.id, "design")
    assert (a1.role.key, a1.resource.key, a1.unit.key) == ("dev", "ana", "hour")
    assert (a1.internal_comment, a1.external_comment) == ("Wireframes", "Design")
    a2 = actual("a2")  # a non-chargeable role
    assert (a2.billing_type, a2.price, a2.amount, a2.status) == (
        "non_chargeable", Decimal("400.00"), Decimal("800.00"), "unbilled")
    a3 = actual("a3")  # category price, the tax as given
    assert (a3.price, a3.amount, a3.tax, a3.billing_type) == (
        Decimal("1200.00"), Decimal("2400.00"), Decimal("300.00"), "chargeable")
    a4 = actual("a4")  # fee: on no line of the project
    assert (a4.billing_type, a4.contract_line_id, a4.currency, a4.amount, a4.tax) == (
        "not_available", None, "DKK", Decimal("250.00"), Decimal("62.50"))


def test_the_same_file_again_is_refused_for_every_key_that_exists(app):
    import_data(company())
    before = counts()

    assert rejected(company()) == [
        "customers[0].key: 'acme' already exists",
        "roles[0].key: 'dev' already exists",
        "roles[0].name: 'Developer' already exists",
        "roles[1].key: 'trainee' already exists",
        "roles[1].name: 'Trainee' already exists",
        "resources[0].key: 'ana' already exists",
        "categories[0].key: 'hotel' already exists",
        "categories[0].name: 'Hotel' already exists",
        "products[0].key: 'lic' already exists",
        "price_lists[0].key: 'dkk' already exists",
        "projects[0].key: 'web' already exists",
        "contracts[0].key: 'c1' already exists",
        "contracts[0].lines[0].key: 'l1' already exists",
        "contracts[0].lines[1].key: 'l2' already exists",
        "contracts[0].lines[1].milestones[0].key: 'm1' already exists",
        "contracts[0].lines[1].milestones[1].key: 'm2' already exists",
        "contracts[0].lines[2].key: 'l3' already exists",
        "actuals[0].key: 'a1' already exists",
        "actuals[1].key: 'a2' already exists",
        "actuals[2].key: 'a3' already exists",
        "actuals[3].key: 'a4' already exists",
    ]
    assert counts() == before


def test_a_later_file_refers_to_what_an_earlier_one_imported(app):
    import_data(company())
    summary = import_data({"format": "project-invoicing/1", "actuals": [
        {"key": "b1", "project": "web", "task": "design", "class": "time", "date": "2026-03-02",
         "role": "dev", "resource": "ana", "quantity": "1", "unit": "hour"},
        {"key": "b2", "project": "web", "class": "fee", "date": "2026-03-02", "quantity": "2",
         "unit": "each", "price": "10.00"}]})
    assert summary.describe() == "Imported 2 actuals."
    b1, b2 = actual("b1"), actual("b2")
    assert (b1.price, b1.tax, b1.contract_line.key, b1.task.key) == (
        Decimal("950.00"), Decimal("190.00"), "l1", "design")
    assert (b2.billing_type, b2.currency, b2.tax) == ("not_available", "DKK", Decimal("5.00"))


def test_an_actual_on_a_project_without_contract_gives_its_price_and_currency(app):
    make_project(key="intern", customer=make_customer(key="us"))
    db.session.commit()
    base = {"key": "x1", "project": "intern", "class": "expense", "date": "2026-03-02",
            "quantity": "1", "unit": "each"}
    assert rejected({"format": "project-invoicing/1", "actuals": [base]}) == [
        "actuals[0].category: required",
        "actuals[0].currency: required (no contract has a line on project 'intern')",
        "actuals[0].price: required (no contract has a line on project 'intern')",
    ]
    import_data({"format": "project-invoicing/1", "categories": [{"key": "misc", "name": "Misc"}],
                 "actuals": [{**base, "category": "misc", "price": "12.50", "currency": "EUR"}]})
    x1 = actual("x1")
    assert (x1.billing_type, x1.currency, x1.amount, x1.tax) == (
        "not_available", "EUR", Decimal("12.50"), Decimal("0.00"))


def test_billing_type_rules_for_given_types(app):
    data = company()
    data["actuals"][0]["billing_type"] = "complimentary"
    data["actuals"][3]["billing_type"] = "chargeable"
    assert rejected(data) == ["actuals[3].billing_type: project 'web' has no time and material "
                              "line for 'fee', so it is not_available"]
    del data["actuals"][3]["billing_type"]
    import_data(data)
    assert actual("a1").billing_type == "complimentary"


# --- contracts ---------------------------------------------------------------------------

def test_a_project_and_class_on_two_time_and_material_lines_in_the_file_is_refused(app):
    data = company()
    data["contracts"][0]["lines"].append(
        {"key": "l4", "name": "Extras", "billing_method": "time_and_material", "project": "web",
         "classes": ["fee", "expense", "fee"], "amount": "1000.00"})
    assert rejected(data) == [
        "contracts[0].lines[3].classes: project 'web' already has a time and material line "
        "for 'expense'",
        "contracts[0].lines[3].classes[2]: duplicate class 'fee'",
    ]


def test_a_project_and_class_already_on_a_line_in_the_database_is_refused(app):
    import_data(company())
    data = {"format": "project-invoicing/1", "contracts": [{
        "key": "c2", "name": "Follow-up", "customer": "acme", "currency": "DKK",
        "price_list": "dkk", "tax_rate": "25",
        "lines": [{"key": "l9", "name": "More", "billing_method": "time_and_material",
                   "project": "web", "classes": ["material", "time"], "amount": "10.00"}]}]}
    assert rejected(data) == ["contracts[0].lines[0].classes: project 'web' already has a "
                              "time and material line for 'time'"]
    data["contracts"][0]["lines"][0]["classes"] = ["material", "fee"]
    assert import_data(data).describe() == "Imported 1 contract, 1 contract line."
    assert db.session.scalar(select(Contract.number).where(Contract.key == "c2")) == "C-00002"


def test_milestones_not_adding_up_to_the_line_amount_give_a_warning(app):
    data = company()
    del data["contracts"][0]["lines"][1]["milestones"][1]
    summary = import_data(data)
    assert summary.warnings == ["contracts[0].lines[1].milestones: milestones add up to "
                                "25000.00, the line amount is 50000.00"]
    assert [(p.path, p.code, dict(p.params)) for p in summary.warned] == [
        (("contracts", 0, "lines", 1, "milestones"), "milestones_differ",
         {"total": "25000.00", "amount": "50000.00"})]
    assert summary.created["milestones"] == 1


def test_line_fields_must_fit_the_billing_method(app):
    data = company()
    lines = data["contracts"][0]["lines"]
    lines[1]["classes"] = ["time"]
    lines[2].pop("product")
    lines[2]["product_name"] = "Hosting"
    lines.append({"key": "l4", "name": "Odd", "billing_method": "retainer"})
    assert rejected(data) == [
        "contracts[0].lines[1].classes: not used on fixed_price lines",
        "contracts[0].lines[2].price: required for a write-in product",
        "contracts[0].lines[3].billing_method: must be one of time_and_material, fixed_price, "
        "product",
    ]


def test_a_write_in_product_line_keeps_its_name_and_description(app):
    data = company()
    data["contracts"][0]["lines"][2] = {
        "key": "l3", "name": "Hosting", "billing_method": "product", "product_name": "Hosting",
        "description": "Twelve months", "quantity": "12", "price": "99.95", "tax_rate": "0"}
    import_data(data)
    line = db.session.scalars(select(ContractLine).where(ContractLine.key == "l3")).one()
    assert (line.product_id, line.product_name, line.product_description) == (
        None, "Hosting", "Twelve months")
    assert (line.quantity, line.price, line.tax, line.status) == (
        Decimal("12"), Decimal("99.95"), Decimal("0.00"), "not_ready")


@pytest.mark.parametrize("schedule, stored", [
    ({"frequency": "weekly", "weekday": "Friday", "start": "2026-01-02"}, ("weekly", 4, None)),
    ({"frequency": "biweekly", "weekday": 0, "start": "2026-01-05", "end": "2026-12-31"},
     ("biweekly", 0, None)),
    ({"frequency": "semi_monthly", "start": "2026-01-01"}, ("semi_monthly", None, [15, 31])),
    ({"frequency": "monthly", "days": ["21", 7], "start": "2026-01-01"},
     ("monthly", None, [7, 21])),
])
def test_invoice_schedules(app, schedule, stored):
    data = company()
    data["contracts"][0]["lines"][0]["schedule"] = schedule
    import_data(data)
    saved = db.session.scalars(select(InvoiceSchedule)).one()
    assert (saved.frequency, saved.weekday, saved.days) == stored
    assert saved.start_date == dt.date.fromisoformat(schedule["start"])


@pytest.mark.parametrize("schedule, error", [
    ({"frequency": "weekly", "start": "2026-01-02"}, "weekday: required"),
    ({"frequency": "weekly", "weekday": "someday", "start": "2026-01-02"},
     "weekday: must be 0-6 (0 is monday) or monday … sunday"),
    ({"frequency": "monthly", "start": "2026-01-01"}, "days: required"),
    ({"frequency": "monthly", "days": [1, 8, 15, 22, 29], "start": "2026-01-01"},
     "days: a monthly schedule runs on 1 to 4 different days"),
    ({"frequency": "monthly", "days": [32], "start": "2026-01-01"},
     "days: days of the month are 1 to 31"),
    ({"frequency": "monthly", "days": [1], "start": "2026-02-01", "end": "2026-01-31"},
     "end: the end date is before the start date"),
    ({"frequency": "daily", "start": "2026-01-01"},
     "frequency: must be one of weekly, biweekly, monthly, semi_monthly"),
])
def test_invalid_invoice_schedules(app, schedule, error):
    data = company()
    data["contracts"][0]["lines"][0]["schedule"] = schedule
    assert rejected(data) == [f"contracts[0].lines[0].schedule.{error}"]


# --- files and the command line ---------------------------------------------------------

def write_json(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_import_file_reads_json_without_floats(app, tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(company()).replace('"7.5"', "7.5"), encoding="utf-8")
    summary = import_file(path)
    assert isinstance(summary, ImportSummary)
    assert actual("a1").quantity == Decimal("7.5")


@pytest.mark.parametrize("name, text, error", [
    ("missing.json", None, "no such file"),
    ("bad.json", '{"format": ', "not valid JSON: Expecting value (line 1, column 12)"),
    ("data.txt", "{}", "not a .json or .csv file"),
])
def test_import_file_refuses_what_it_cannot_read(app, tmp_path, name, text, error):
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as raised:
        import_file(path)
    assert raised.value.errors == [f"{path}: {error}"]


def test_the_command_prints_what_it_created_and_warnings(runner, tmp_path):
    data = company()
    data["contracts"][0]["lines"][1]["amount"] = "60000.00"
    result = runner.invoke(args=["import-data", str(write_json(tmp_path, data))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Imported 1 customer, 2 roles, 1 resource, 1 category, 1 product, 1 price list, "
        "2 role prices, 1 category price, 1 project, 1 task, 1 contract, 3 contract lines, "
        "1 invoice schedule, 2 milestones, 4 actuals.")
    assert result.stderr.strip() == ("Warning: contracts[0].lines[1].milestones: milestones add "
                                     "up to 50000.00, the line amount is 60000.00")


def test_the_command_lists_every_error_and_exits_non_zero(runner, tmp_path):
    data = company()
    data["actuals"][3]["quantity"] = "one"
    data["actuals"][0]["project"] = "nope"
    path = write_json(tmp_path, data)
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "actuals[0].project: unknown project 'nope'",
        "actuals[3].quantity: not a number",
        f"Error: {path}: rejected with 2 error(s); nothing was imported."]
    assert set(counts().values()) == {0}


def test_the_example_files_import_in_order_and_only_once(runner):
    result = runner.invoke(args=["import-data", str(EXAMPLES / "company.json")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Imported 2 customers, 4 roles, 5 resources")
    assert result.stdout.strip().endswith("30 actuals.") and result.stderr == ""
    result = runner.invoke(args=["import-data", str(EXAMPLES / "actuals.csv")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 10 actuals."

    billing_types = set(db.session.scalars(select(Actual.billing_type)))
    assert billing_types == {"chargeable", "non_chargeable", "complimentary", "not_available"}
    assert set(db.session.scalars(select(Actual.transaction_class))) == {
        "time", "expense", "material", "fee"}
    assert set(db.session.scalars(select(Contract.currency))) == {"DKK", "MYR"}

    result = runner.invoke(args=["import-data", str(EXAMPLES / "company.json")])
    assert result.exit_code == 1
    assert "customers[0].key: 'nordlys' already exists" in result.stderr.splitlines()
    assert db.session.scalar(select(func.count()).select_from(Actual)) == 40
