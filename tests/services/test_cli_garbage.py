"""Every command given bad arguments (issue 13): a huge id, a NUL byte, bytes that are not
UTF-8, a date in year 99999, a missing file. Each exits non-zero with one `Error:` line on
stderr and no traceback, on SQLite and on PostgreSQL (which refuses a NUL in a query)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, User
from tests.factories import make_actual, make_contract, make_project, make_tm_line


@pytest.fixture
def contract(app):
    contract = make_contract(key="c1")
    make_actual(make_tm_line(contract, make_project(customer=contract.customer), key="l1"),
                key="a1", date=dt.date(2026, 3, 2), quantity=Decimal("1"))
    db.session.commit()
    return contract


def one_error_line(result) -> str:
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    return lines[0]


HUGE = "9" * 30
NUL = "PRO-000001\x00"
NOT_UTF8 = "PRO-\udcff"  # how Python reads an argument whose bytes are not UTF-8


@pytest.mark.parametrize("args, says", [
    (["invoices", "confirm", HUGE], f"unknown invoice '{HUGE}'"),
    (["invoices", "cancel", HUGE], f"unknown invoice '{HUGE}'"),
    (["invoices", "export", HUGE], f"unknown invoice '{HUGE}'"),
    (["invoices", "create", HUGE, "--cutoff", "2026-03-31"], f"unknown contract '{HUGE}'"),
    (["invoices", "list", "--contract", HUGE], f"unknown contract '{HUGE}'"),
    (["invoices", "confirm", "x" * 100_000], "unknown invoice"),
    (["invoices", "confirm", NUL], "INVOICE_ID: contains a NUL byte"),
    (["invoices", "cancel", NUL], "INVOICE_ID: contains a NUL byte"),
    (["invoices", "export", NUL], "INVOICE_ID: contains a NUL byte"),
    (["invoices", "export", NOT_UTF8], "INVOICE_ID: contains bytes that are not UTF-8"),
    (["invoices", "confirm", "PRO-1\n2"], "INVOICE_ID: contains a line break"),
    (["invoices", "create", "c1\x00", "--cutoff", "2026-03-31"], "CONTRACT: contains a NUL byte"),
    (["invoices", "create", "c1", "--cutoff", "2026-03-31\x00"], "--cutoff: contains a NUL byte"),
    (["invoices", "create", "c1", "--cutoff", "99999-01-01"],
     "--cutoff: '99999-01-01' is not a date (YYYY-MM-DD)"),
    (["invoices", "create", "c1", "--cutoff", "9999-12-31"],
     "--cutoff: 9999-12-31 is not between 2000-01-01 and 2099-12-31"),
    (["invoices", "create", "c1", "--cutoff", "0001-01-01"],
     "--cutoff: 0001-01-01 is not between 2000-01-01 and 2099-12-31"),
    (["invoices", "create", "c1", "--cutoff", "2026-03-31", "--classes", "time\x00"],
     "--classes: contains a NUL byte"),
    (["invoices", "list", "--contract", "c1\x00"], "--contract: contains a NUL byte"),
    (["invoices", "run-schedule", "--date", "99999-12-31"],
     "--date: '99999-12-31' is not a date (YYYY-MM-DD)"),
    (["invoices", "run-schedule", "--date", "9999-12-31"],
     "--date: 9999-12-31 is not between 2000-01-01 and 2099-12-31"),
    (["users", "create", "a\x00@example.com", "--role", "viewer", "--password-stdin"],
     "EMAIL: contains a NUL byte"),
    (["users", "create", "a@example.com", "--role", "viewer\x00", "--password-stdin"],
     "--role: contains a NUL byte"),
    (["users", "create", "a@example.com", "--role", "viewer", "--name", "Ana\x00",
      "--password-stdin"], "--name: contains a NUL byte"),
    (["import-data", "data\x00.json"], "PATH: contains a NUL byte"),
    (["audit", "verify", "--anchor", "anchor\x00.json"], "--anchor: contains a NUL byte"),
])
def test_a_bad_argument_is_one_error_line(runner, contract, args, says):
    result = runner.invoke(args=args, input="a long enough password\n")
    assert says in one_error_line(result)
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_missing_file_is_refused_with_its_reason_and_one_error_line(runner, tmp_path):
    result = runner.invoke(args=["import-data", str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"{tmp_path / 'missing.json'}: no such file",
                     f"Error: {tmp_path / 'missing.json'}: rejected with 1 error(s); "
                     "nothing was imported."]


def test_an_anchor_that_cannot_be_written_is_one_error_line(runner, app, tmp_path):
    result = runner.invoke(args=["audit", "verify", "--anchor",
                                 str(tmp_path / "no" / "such" / "folder" / "anchor.json")])
    assert "the anchor could not be written" in one_error_line(result)


def test_an_anchor_that_is_garbage_is_one_error_line(runner, app, tmp_path):
    anchor = tmp_path / "anchor.json"
    anchor.write_text("[" * 100_000)
    assert "is not an anchor written by audit verify" in one_error_line(
        runner.invoke(args=["audit", "verify", "--anchor", str(anchor)]))
    anchor.write_bytes(b"\xff\xfe")
    assert "is not an anchor written by audit verify" in one_error_line(
        runner.invoke(args=["audit", "verify", "--anchor", str(anchor)]))


def test_good_arguments_still_work(runner, contract):
    result = runner.invoke(args=["invoices", "create", "c1", "--cutoff", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "PRO-000001"
