"""`flask import-data` given files no one should give it (issue 13): every one is refused
with one-line reasons by path and exit status 1, never a traceback, and nothing is written
(on SQLite and on PostgreSQL, which stores no NUL byte and no lone surrogate)."""

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, Customer
from tests.worlds import company


def rows() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Customer)),
            db.session.scalar(select(func.count()).select_from(Actual)))


def run_import(runner, tmp_path, content: str | bytes, name: str = "data.json"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return runner.invoke(args=["import-data", str(path)]), path


def refused(result, path) -> list[str]:
    """The reasons printed (each one line), after checking the refusal's shape."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(f"Error: {path}: rejected with ")
    assert lines[-1].endswith("nothing was imported.")
    return lines[:-1]


def with_customer_name(name: str) -> str:
    """The small company's file, with this customer name, as json.dumps writes it (a lone
    surrogate as its escape, "\\ud800")."""
    data = company()
    data["customers"][0]["name"] = name
    return json.dumps(data)


@pytest.mark.parametrize("name, reason", [
    ("Acme\x00ApS", "customers[0].name: contains a NUL byte"),
    ("Acme \ud800", "customers[0].name: contains a lone surrogate (U+D800-U+DFFF), which is "
                    "not text"),
    ("Acme\x07", "customers[0].name: contains a control character"),
])
def test_text_the_database_cannot_store_is_refused_by_its_path(runner, tmp_path, name, reason):
    result, path = run_import(runner, tmp_path, with_customer_name(name))
    assert refused(result, path) == [reason]
    assert rows() == (0, 0)


def test_a_nul_byte_anywhere_is_named_by_path_even_in_a_field_the_rules_never_read(
        runner, tmp_path):
    data = company()
    data["actuals"][1]["date"] = "2026-02-06\x00"
    data["contracts"][0]["lines"][0]["schedule"] = {"frequency": "monthly\x00"}
    data["customers"][0]["bill_to"] = {"city\x00": "Aarhus"}
    result, path = run_import(runner, tmp_path, json.dumps(data))
    assert refused(result, path) == [
        "customers[0].bill_to.city\\x00: a field name that contains a NUL byte",
        "contracts[0].lines[0].schedule.frequency: contains a NUL byte",
        "actuals[1].date: contains a NUL byte",
    ]
    assert rows() == (0, 0)


def test_ten_thousand_nested_arrays_are_refused_in_one_line(runner, tmp_path):
    result, path = run_import(runner, tmp_path, "[" * 10_000 + "]" * 10_000)
    assert refused(result, path) == [f"{path}: nested more than 10 levels deep"]


def test_nesting_deeper_than_the_format_is_refused_by_its_path(runner, tmp_path):
    data = company()
    data["customers"][0]["name"] = json.loads("[" * 50 + "]" * 50)
    result, path = run_import(runner, tmp_path, json.dumps(data))
    assert refused(result, path) == [
        "customers[0].name" + "[0]" * 7 + ": nested more than 10 levels deep"]
    assert rows() == (0, 0)


@pytest.mark.parametrize("number", ["1e999999", "1e99999999999999999999", "-1E+99999999999999999999",
                                    "9" * 5000, "1" + "0" * 100_000])
def test_a_huge_number_literal_is_too_large(runner, tmp_path, number):
    data = company()
    text = json.dumps(data).replace('"quantity": "7.5"', f'"quantity": {number}', 1)
    assert number in text
    result, path = run_import(runner, tmp_path, text)
    assert refused(result, path) == ["actuals[0].quantity: too large"]
    assert rows() == (0, 0)


def test_a_number_with_an_exponent_too_small_for_any_decimal_is_too_fine(runner, tmp_path):
    text = json.dumps(company()).replace('"quantity": "7.5"', '"quantity": 1e-99999999999999999999')
    result, path = run_import(runner, tmp_path, text)
    assert refused(result, path) == ["actuals[0].quantity: more than 4 decimals"]


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    (b"  \n\t\n", "the file is empty"),
    ("{\"format\": \"Søren\"}".encode("latin-1"), "not UTF-8 text"),
    ("{}".encode("utf-16"), "not UTF-8 text"),
    (b"\xff\xfe\x00\x00", "not UTF-8 text"),
    (b'{"format": "project-invoicing/1",', "not valid JSON: Expecting property name enclosed "
                                           "in double quotes (line 1, column 34)"),
])
def test_a_file_that_is_no_json_text_is_refused_in_one_line(runner, tmp_path, content, reason):
    result, path = run_import(runner, tmp_path, content)
    assert refused(result, path) == [f"{path}: {reason}"]
    assert rows() == (0, 0)


@pytest.mark.parametrize("content", ["[]", "[{\"format\": \"project-invoicing/1\"}]", "17", "\"x\"",
                                     "null"])
def test_a_top_level_that_is_no_object_is_refused_in_one_line(runner, tmp_path, content):
    result, path = run_import(runner, tmp_path, content)
    assert refused(result, path) == ["file: must be a JSON object"]


def test_a_missing_file_is_one_line(runner, tmp_path):
    result = runner.invoke(args=["import-data", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"{tmp_path / 'nope.json'}: no such file",
        f"Error: {tmp_path / 'nope.json'}: rejected with 1 error(s); nothing was imported."]


def test_a_csv_file_with_a_nul_byte_is_refused_by_row_and_column(runner, tmp_path):
    import_data_first(runner, tmp_path)
    before = rows()
    result, path = run_import(
        runner, tmp_path,
        "key,project,class,date,role,resource,quantity,unit,external_comment\n"
        "b1,web,time,2026-03-02,dev,ana,7.5,hour,fine\n"
        "b2,web,time,2026-03-02,dev,ana,7.5,hour,bad\x00comment\n", name="actuals.csv")
    assert refused(result, path) == ["row 3, external_comment: contains a NUL byte"]
    assert rows() == before


def test_a_csv_file_with_a_one_megabyte_cell_is_refused_by_row(runner, tmp_path):
    result, path = run_import(
        runner, tmp_path,
        "key,project,class,date,quantity,unit,external_comment\n"
        f"b1,web,time,2026-03-02,7.5,hour,{'x' * 1_000_000}\n", name="actuals.csv")
    assert refused(result, path) == ["row 2: a cell longer than 10000 characters"]


def import_data_first(runner, tmp_path):
    result, _ = run_import(runner, tmp_path, json.dumps(company()), name="company.json")
    assert result.exit_code == 0, result.output
