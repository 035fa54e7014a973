"""Automatic invoicing by schedule (SPEC 7)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, Invoice, InvoiceLineDetail, InvoiceSchedule, Milestone, ScheduleRun
from app.services.scheduling import run_schedule
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_project,
                             make_tm_line)

D = dt.date


@pytest.fixture
def line(app):
    contract = make_contract(key="c1")
    line = make_tm_line(contract, make_project(customer=contract.customer), classes=("time",))
    db.session.add(InvoiceSchedule(contract_line_id=line.id, frequency="monthly", days=[31],
                                   start_date=D(2026, 1, 1)))
    for key, day in [("jan", D(2026, 1, 15)), ("jan30", D(2026, 1, 30)), ("jan31", D(2026, 1, 31)),
                     ("feb", D(2026, 2, 10))]:
        make_actual(line, key=key, date=day)
    db.session.commit()
    return line


def invoices_of(key):
    return db.session.scalars(
        select(Invoice.code).join(InvoiceLineDetail, InvoiceLineDetail.invoice_id == Invoice.id)
        .join(Actual, Actual.id == InvoiceLineDetail.actual_id).where(Actual.key == key)).all()


def test_catches_up_every_due_run_date_with_the_day_before_as_cutoff(line):
    results = run_schedule(D(2026, 3, 31))
    assert [(r.run_date, r.result) for r in results] == [
        (D(2026, 1, 31), "succeeded"), (D(2026, 2, 28), "succeeded"),
        (D(2026, 3, 31), "nothing_to_invoice")]
    first, second = (r.invoice for r in results[:2])
    assert invoices_of("jan") == [first] and invoices_of("jan30") == [first]
    assert invoices_of("jan31") == [second]  # dated on the run date: the next run takes it
    assert invoices_of("feb") == [second]
    cutoffs = db.session.scalars(select(Invoice.cutoff_date).order_by(Invoice.id)).all()
    assert cutoffs == [D(2026, 1, 30), D(2026, 2, 27)]


def test_running_again_creates_nothing(line):
    run_schedule(D(2026, 3, 31))
    assert run_schedule(D(2026, 3, 31)) == []
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 2
    assert db.session.scalar(select(func.count()).select_from(ScheduleRun)) == 3


def test_nothing_ready_creates_no_invoice(line):
    db.session.execute(Actual.__table__.update().values(status="unbilled"))
    db.session.commit()
    results = run_schedule(D(2026, 1, 31))
    assert [r.result for r in results] == ["nothing_to_invoice"]
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_lines_due_on_the_same_day_share_one_invoice(line):
    other = make_tm_line(line.contract, make_project(customer=line.contract.customer),
                         classes=("time",))
    db.session.add(InvoiceSchedule(contract_line_id=other.id, frequency="semi_monthly",
                                   start_date=D(2026, 1, 1)))
    make_actual(other, key="other", date=D(2026, 1, 20))
    db.session.commit()
    results = run_schedule(D(2026, 1, 31))
    assert [(r.run_date, r.result) for r in results] == [
        (D(2026, 1, 15), "nothing_to_invoice"), (D(2026, 1, 31), "succeeded")]
    assert invoices_of("other") == invoices_of("jan") == [results[1].invoice]


def test_ready_milestones_up_to_the_cutoff_come_along(line):
    make_fixed_price_line(line.contract, line.project,
                          milestones=[(D(2026, 1, 10), Decimal("500.00")),
                                      (D(2026, 2, 10), Decimal("500.00"))])
    db.session.commit()
    run_schedule(D(2026, 1, 31))
    assert db.session.scalars(select(Milestone.status).order_by(Milestone.date)).all() == [
        "invoice_created", "ready"]


def test_a_failed_run_is_recorded_with_its_error(line):
    fixed = make_fixed_price_line(line.contract, line.project,
                                  milestones=[(D(2026, 1, 10), Decimal("500.00"))])
    fixed.amount = Decimal("900.00")
    db.session.commit()
    results = run_schedule(D(2026, 1, 31))
    assert [r.result for r in results] == ["failed"]
    run = db.session.scalars(select(ScheduleRun)).one()
    assert run.result == "failed" and "milestones add up to 500.00" in run.error
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert {a.status for a in db.session.scalars(select(Actual))} == {"ready"}


def test_cli_reports_each_run(runner, line):
    result = runner.invoke(args=["invoices", "run-schedule", "--date", "2026-02-28"])
    assert result.exit_code == 0, result.output
    assert "2026-01-31 c1: invoice PRO-000001" in result.output
    assert "2 run(s), 2 invoice(s) created." in result.output
