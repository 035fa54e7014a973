"""An import file whose amounts, dates or currencies a serious product would not keep is
refused whole by `import-data` (exit 1, one line per problem by path, nothing written)
instead of importing and failing later at invoicing (issue 13)."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.billing.values import MAX_AMOUNT
from app.extensions import db
from app.models import Actual, Contract, ContractLine, Customer, InvoiceSchedule, Milestone
from tests.worlds import company

LIMIT = format(MAX_AMOUNT, "f")


def run(runner, tmp_path, data) -> tuple[int, list[str]]:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["import-data", str(path)])
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("Error: ") and lines[-1].endswith("nothing was imported.")
    return result.exit_code, [line for line in lines[:-1] if not line.startswith("Warning: ")]


def nothing_written() -> bool:
    return all(db.session.scalar(select(func.count()).select_from(model)) == 0
               for model in (Customer, Contract, ContractLine, Milestone, InvoiceSchedule,
                             Actual))


def test_a_product_line_whose_quantity_times_price_cannot_be_stored_is_refused(runner, tmp_path):
    data = company()
    data["contracts"][0]["lines"][2] = {
        "key": "l3", "billing_method": "product", "product_name": "Everything",
        "quantity": "100000000000", "price": "100000000000", "tax": "0", "status": "ready"}
    code, errors = run(runner, tmp_path, data)
    assert code == 1
    assert errors == [
        "contracts[0].lines[2].quantity: quantity × price would be "
        f"10000000000000000000000.00, more than {LIMIT}, the largest amount that can be stored"]
    assert nothing_written()


def test_items_of_one_contract_adding_up_beyond_an_invoice_are_refused(runner, tmp_path):
    # Each milestone is a number below the entry bound; together they are 9.99e14.
    data = company()
    line = data["contracts"][0]["lines"][1]
    line["amount"] = "999000000000.00"
    line["milestones"] = [
        {"key": f"m{n}", "name": f"Part {n}", "date": "2026-03-01",
         "amount": "999000000000.00", "tax": "0.00", "status": "ready"} for n in range(1000)]
    code, errors = run(runner, tmp_path, data)
    assert code == 1
    assert errors == [
        "contracts[0].lines[1].milestones[923].amount: the items of contract 'c1' would add up "
        f"to more than {LIMIT}, the largest amount an invoice can hold"]
    assert nothing_written()


@pytest.mark.parametrize(("where", "value", "path"), [
    (("actuals", 0, "date"), "9999-01-01", "actuals[0].date"),
    (("actuals", 0, "date"), "1899-12-31", "actuals[0].date"),
    (("milestones", 0, "date"), "2150-06-01", "contracts[0].lines[1].milestones[0].date"),
    (("schedule", "end"), "9999-12-31", "contracts[0].lines[0].schedule.end"),
    (("schedule", "start"), "9999-01-01", "contracts[0].lines[0].schedule.start"),
])
def test_dates_outside_the_plausible_range_are_refused(runner, tmp_path, where, value, path):
    data = company()
    if where[0] == "actuals":
        data["actuals"][where[1]][where[2]] = value
    elif where[0] == "milestones":
        data["contracts"][0]["lines"][1]["milestones"][where[1]][where[2]] = value
    else:
        data["contracts"][0]["lines"][0]["schedule"][where[1]] = value
    code, errors = run(runner, tmp_path, data)
    assert code == 1
    assert errors == [f"{path}: must be between 2000-01-01 and 2099-12-31"]
    assert nothing_written()


@pytest.mark.parametrize("currency", ["XXX", "XTS", "DEM", "XAU"])
def test_test_historic_and_metal_currencies_are_refused(runner, tmp_path, currency):
    data = company()
    data["price_lists"][0]["currency"] = currency
    data["contracts"][0]["currency"] = currency
    code, errors = run(runner, tmp_path, data)
    assert code == 1
    assert errors == [f"price_lists[0].currency: unknown currency '{currency}'",
                      f"contracts[0].currency: unknown currency '{currency}'"]
    assert nothing_written()


def test_the_bound_is_what_the_money_column_holds(app):
    from app.models.types import SCALE
    assert MAX_AMOUNT == Decimal(2 ** 63 - 1).scaleb(-SCALE)
