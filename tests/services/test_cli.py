"""The invoices CLI of SPEC 9 and the invoice JSON, through the real commands."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from app.extensions import db
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_product_line,
                             make_project, make_tm_line)


@pytest.fixture
def contract(app):
    contract = make_contract(key="c1", name="Website 2026")
    project = make_project(customer=contract.customer)
    tm = make_tm_line(contract, project, key="l1")
    make_fixed_price_line(contract, project, key="l2",
                          milestones=[(dt.date(2026, 3, 1), Decimal("25000.00"))])
    make_product_line(contract, key="l3", quantity=Decimal("2"), price=Decimal("100.00"))
    make_actual(tm, key="a17", date=dt.date(2026, 3, 31), internal_comment="Build API",
                external_comment="Development")
    make_actual(tm, key="exp", transaction_class="expense", quantity=Decimal("2"),
                price=Decimal("1200.00"), description="Hotel, two nights")
    db.session.commit()
    return contract


def invoke(runner, *args):
    result = runner.invoke(args=list(args))
    return result


def test_create_prints_the_invoice_id_on_the_last_line(runner, contract):
    result = invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-03-31")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "PRO-000001"


def test_create_by_contract_number_with_only_some_classes(runner, contract):
    result = invoke(runner, "invoices", "create", contract.number, "--cutoff", "2026-03-31",
                    "--classes", "expense", "--no-milestones", "--no-products")
    assert result.exit_code == 0, result.output
    exported = json.loads(invoke(runner, "invoices", "export", "PRO-000001").output)
    assert [line["billing_method"] for line in exported["lines"]] == ["time_and_material",
                                                                      "fixed_price"]
    assert [d["source_key"] for d in exported["lines"][0]["details"]] == ["exp"]
    assert exported["lines"][1]["details"] == []


@pytest.mark.parametrize("args, message", [
    (["invoices", "create", "nope", "--cutoff", "2026-03-31"], "unknown contract 'nope'"),
    (["invoices", "create", "c1", "--cutoff", "31/03/2026"], "--cutoff: '31/03/2026' is not a date"),
    (["invoices", "create", "c1", "--cutoff", "2026-03-31", "--classes", "time,travel"],
     "--classes: 'time,travel' must be"),
    (["invoices", "confirm", "PRO-999999"], "unknown invoice 'PRO-999999'"),
    (["invoices", "export", "PRO-999999"], "unknown invoice 'PRO-999999'"),
    (["invoices", "correct", "PRO-999999"], "unknown invoice 'PRO-999999'"),
    (["invoices", "run-schedule", "--date", "tomorrow"], "--date: 'tomorrow' is not a date"),
])
def test_errors_exit_non_zero_with_one_line_on_stderr(runner, contract, args, message):
    result = invoke(runner, *args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_export_matches_the_spec_json(runner, contract):
    invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-03-31")
    data = json.loads(invoke(runner, "invoices", "export", "PRO-000001", "--format", "json").output)
    assert {k: data[k] for k in ("id", "number", "name", "contract", "currency", "status",
                                 "project_invoice_status", "cutoff_date")} == {
        "id": "PRO-000001", "number": None, "name": "Website 2026", "contract": "c1",
        "currency": "DKK", "status": "active", "project_invoice_status": "draft",
        "cutoff_date": "2026-03-31"}
    assert (data["detail_amount"], data["discount_percent"], data["discount_amount"],
            data["freight_amount"]) == ("34725.00", "0", "0.00", "0.00")
    assert (data["total_tax"], data["total_amount"]) == ("8681.25", "43406.25")
    tm, fixed, product = data["lines"]
    assert (tm["contract_line"], tm["amount"], tm["tax"], tm["extended_amount"],
            tm["invoiced_to_date"]) == ("l1", "9525.00", "2381.25", "11906.25", "0.00")
    details = {d["source_key"]: d for d in tm["details"]}
    assert list(details) == ["exp", "a17"]  # in date order
    time_detail = details["a17"]
    assert {k: time_detail[k] for k in ("source", "source_key", "transaction_class",
                                        "billing_type", "quantity", "price", "amount", "tax",
                                        "extended_amount", "description",
                                        "external_description")} == {
        "source": "actual", "source_key": "a17", "transaction_class": "time",
        "billing_type": "chargeable", "quantity": "7.5", "price": "950.00", "amount": "7125.00",
        "tax": "1781.25", "extended_amount": "8906.25", "description": "Build API",
        "external_description": "Development"}
    assert details["exp"]["description"] == "Hotel, two nights"
    assert fixed["details"][0]["source"] == "milestone"
    assert (product["billing_method"], product["details"], product["amount"]) == (
        "product", [], "200.00")


def test_confirm_prints_the_legal_number_and_list_shows_it(runner, contract):
    invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-03-31")
    result = invoke(runner, "invoices", "confirm", "PRO-000001")
    assert result.exit_code == 0, result.output
    number = result.output.strip()
    assert number == f"{dt.date.today().year}-0001"
    again = invoke(runner, "invoices", "confirm", "PRO-000001")
    assert again.exit_code != 0
    assert (f"Only draft or in-review invoices can be confirmed (PRO-000001, number {number}: "
            "Confirmed).") in again.stderr
    listed = json.loads(invoke(runner, "invoices", "list", "--format", "json").output)
    assert [(i["id"], i["number"], i["project_invoice_status"]) for i in listed] == [
        ("PRO-000001", number, "confirmed")]
    assert "lines" not in listed[0]
    text = invoke(runner, "invoices", "list", "--contract", "c1").output
    assert text.startswith(f"PRO-000001\t{number}\tinvoice\tc1\tactive\tconfirmed")


def test_invoiced_to_date_counts_earlier_confirmed_invoices(runner, contract):
    invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-03-31")
    invoke(runner, "invoices", "confirm", "PRO-000001")
    line = contract.lines[0]
    make_actual(line, key="later", date=dt.date(2026, 4, 15))
    db.session.commit()
    invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-04-30")
    data = json.loads(invoke(runner, "invoices", "export", "PRO-000002").output)
    assert data["lines"][0]["invoiced_to_date"] == "9525.00"
    assert data["lines"][1]["invoiced_to_date"] == "25000.00"


def test_the_json_page_serves_what_export_prints(runner, client, contract):
    invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-03-31")
    exported = json.loads(invoke(runner, "invoices", "export", "PRO-000001").output)
    response = client.get("/invoices/PRO-000001.json")
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == exported
    assert client.get("/invoices/PRO-999999.json").status_code == 404


def test_correct_prints_the_credit_note_id_and_export_shows_the_full_credit(runner, contract):
    created = invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-03-31")
    code = created.output.strip().splitlines()[-1]
    refused = invoke(runner, "invoices", "correct", code)
    assert refused.exit_code == 1 and "Only confirmed or paid invoices" in refused.output
    number = invoke(runner, "invoices", "confirm", code).output.strip()
    result = invoke(runner, "invoices", "correct", number)  # by its legal number too
    assert result.exit_code == 0, result.output
    credit_note = result.output.strip().splitlines()[-1]
    assert credit_note == "PRO-000002"
    again = invoke(runner, "invoices", "correct", code)
    assert again.exit_code == 1 and credit_note in again.output
    assert len(again.output.strip().splitlines()) == 1
    original = json.loads(invoke(runner, "invoices", "export", code).output)
    data = json.loads(invoke(runner, "invoices", "export", credit_note).output)
    assert (data["invoice_type"], data["corrects"]) == ("credit_note", {"id": code, "number": number})
    assert data["total_amount"] == "-" + original["total_amount"]
    assert data["number"] is None and data["project_invoice_status"] == "draft"
    assert invoke(runner, "invoices", "confirm", credit_note).output.strip() == "2026-0002"
    listed = invoke(runner, "invoices", "list").output.strip().splitlines()
    assert [line.split("\t")[2] for line in listed] == ["credit_note", "invoice"]
    assert invoke(runner, "invoices", "correct", "PRO-999999").exit_code == 1


def test_pay_records_partial_and_final_payments_and_list_open_shows_what_is_due(runner, contract):
    code = invoke(runner, "invoices", "create", "c1", "--cutoff", "2026-03-31").output.split()[-1]
    number = invoke(runner, "invoices", "confirm", code).output.strip()
    total = json.loads(invoke(runner, "invoices", "export", code).output)["total_amount"]
    today = dt.date.today().isoformat()
    first = invoke(runner, "invoices", "pay", number, "--amount", "1000.00", "--date", today,
                   "--reference", "Bank 1")
    assert first.exit_code == 0, first.output
    due = Decimal(total) - 1000
    assert f"partly paid, {due} DKK due" in first.output
    listed = invoke(runner, "invoices", "list", "--open").output.strip().splitlines()
    assert len(listed) == 1 and listed[0].startswith(f"{code}\t{number}") and f"{due} DKK due" in listed[0]
    data = json.loads(invoke(runner, "invoices", "list", "--open", "--format", "json").output)
    assert [(d["id"], d["amount_due"]) for d in data] == [(code, str(due))]
    too_much = invoke(runner, "invoices", "pay", code, "--amount", str(due + 1), "--date", today)
    assert too_much.exit_code == 1 and "more than is due" in too_much.stderr
    assert invoke(runner, "invoices", "pay", code, "--amount", "1e3", "--date", today).exit_code == 1
    final = invoke(runner, "invoices", "pay", code, "--amount", str(due), "--date", today)
    assert "paid, 0.00 DKK due" in final.output
    exported = json.loads(invoke(runner, "invoices", "export", code).output)
    assert exported["amount_due"] == "0.00" and exported["status"] == "paid"
    assert [(p["amount"], p["reference"], p["reversed"]) for p in exported["payments"]] == [
        ("1000.00", "Bank 1", False), (str(due), None, False)]
    assert invoke(runner, "invoices", "list", "--open").output.strip() == ""
