"""CSV import of actuals (SPEC 11): the same rules as actuals in a data file, with
problems reported by row and column (the header is row 1)."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual
from app.services.importer import ImportRejected, csv_cell, import_actuals_csv, import_data
from tests.worlds import company

HEADER = "key,project,task,class,date,role,resource,category,quantity,unit,price,tax,status"


@pytest.fixture
def imported(app):
    """The small company of tests/worlds.py (test_import's), with its four actuals."""
    import_data(company())


def rejected(text: str) -> list[str]:
    with pytest.raises(ImportRejected) as raised:
        import_actuals_csv(text)
    return raised.value.errors


def actual_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Actual))


def test_rows_import_with_the_same_pricing_rules_as_a_data_file(imported):
    summary = import_actuals_csv(
        f"{HEADER},external_comment\n"
        "b1,web,design,time,2026-03-02,dev,ana,,7.5,hour,,,ready,Design review\n"
        "b2,web,,expense,2026-03-03,,,hotel,1,each,,,,\n"
        "b3,web,,time,2026-03-04,trainee,ana,,-1,hour,,,,\n")
    assert summary.describe() == "Imported 3 actuals."
    rows = {a.key: a for a in db.session.scalars(select(Actual).where(Actual.key.like("b%")))}
    assert (rows["b1"].price, rows["b1"].amount, rows["b1"].tax, rows["b1"].status) == (
        Decimal("950.00"), Decimal("7125.00"), Decimal("1425.00"), "ready")
    assert (rows["b1"].task.key, rows["b1"].external_comment) == ("design", "Design review")
    assert (rows["b2"].price, rows["b2"].tax, rows["b2"].status) == (
        Decimal("1200.00"), Decimal("240.00"), "unbilled")
    assert (rows["b3"].billing_type, rows["b3"].amount) == ("non_chargeable", Decimal("-400.00"))


def test_errors_are_reported_by_row_and_column_and_nothing_is_written(imported):
    errors = rejected(
        f"{HEADER}\n"
        "b1,web,design,time,2026-03-02,dev,ana,,7.5,hour,,,ready\n"
        "b2,web,,time,2026-03-02,dev,ana,,seven,hour,,,\n"
        "\n"
        "b4,web,,expense,3/3/2026,,,hotel,1,each,,12.345,\n"
        "b5,nope,,fee,2026-03-05,,,,1,each,10.00,,done\n"
        "b1,web,,material,2026-03-06,,,,1,crate,,,\n"
        "a1,web,,time,2026-03-07,dev,bo,,1,hour,,,,surplus\n")
    assert errors == [
        "row 3, quantity: not a number",
        "row 5, date: not a date (YYYY-MM-DD)",
        "row 5, tax: more decimals than DKK allows (2)",
        "row 6, project: unknown project 'nope'",
        "row 6, status: must be one of unbilled, ready",
        "row 7, key: duplicate key 'b1'",
        "row 7, category: required",
        "row 7, unit: unknown unit 'crate'",
        "row 8: a value in a column without a name",
        "row 8, key: 'a1' already exists",
        "row 8, resource: unknown resource 'bo'",
    ]
    assert actual_count() == 4


@pytest.mark.parametrize("header, errors", [
    ("key,project,class,date,qty,unit", ["row 1, qty: unknown column",
                                         "row 1: missing column 'quantity'"]),
    ("key,project,class,class,date,quantity,unit", ["row 1, class: duplicate column"]),
    ("", ["row 1: no header row (columns such as key, project, class, date, quantity, unit)"]),
])
def test_a_bad_header_is_refused_before_any_row(app, header, errors):
    assert rejected(f"{header}\nb1,web,time,2026-03-02,1,hour\n") == errors


def test_problems_of_a_csv_file_are_data_located_by_row_and_column(imported):
    with pytest.raises(ImportRejected) as raised:
        import_actuals_csv(f"{HEADER}\n"
                           "b1,web,,time,2026-03-02,dev,ana,,seven,hour,,,\n"
                           "b2,nope,,fee,2026-03-05,,,,1,each,10.00,,,stray\n")
    assert [(p.path, p.code, dict(p.params)) for p in raised.value.problems] == [
        ((2, "quantity"), "not_a_number", {}),
        ((3,), "unnamed_column_value", {}),
        ((3, "project"), "unknown_reference", {"kind": "project", "key": "nope"}),
    ]
    assert [csv_cell(p.path) for p in raised.value.problems] == [
        (2, "quantity"), (3, ""), (3, "project")]
    with pytest.raises(ImportRejected) as raised:
        import_actuals_csv("key,project,class,date,qty,unit\n")
    assert [(p.path, p.code, dict(p.params)) for p in raised.value.problems] == [
        ((1, "qty"), "unknown_column", {}), ((1,), "missing_column", {"column": "quantity"})]


def test_semicolons_quotes_and_a_byte_order_mark_are_read(imported):
    import_actuals_csv('\ufeffKey;Project;Class;Date;Category;Quantity;Unit;Description\n'
                       'b1;web;expense;2026-03-02;hotel;1;each;"Hotel; one night, ""Seaside"""\n')
    assert db.session.scalar(select(Actual.description).where(Actual.key == "b1")) == (
        'Hotel; one night, "Seaside"')


def test_the_command_imports_a_csv_file(runner, imported, tmp_path):
    path = tmp_path / "actuals.csv"
    path.write_text(f"{HEADER}\nb1,web,,fee,2026-03-02,,,,1,each,99.00,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 1 actual."
    path.write_text(f"{HEADER}\nb2,web,,fee,2026-03-02,,,,x,each,99.00,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "row 2, quantity: not a number"
    assert actual_count() == 5
